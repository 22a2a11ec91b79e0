/* Exit paths; the case comes from argv[1]. check.sh knows the status and
 * stdout each must give. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void bye(void)
{
	printf("atexit handler ran\n");
}
static void bye_first(void)
{
	printf("registered last, runs first\n");
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "exit0"))
		exit(0);
	if (!strcmp(c, "exit3"))
		exit(3);
	if (!strcmp(c, "exit255"))
		exit(255);
	if (!strcmp(c, "exit256"))
		exit(256); /* the status is the low 8 bits: 0 */
	if (!strcmp(c, "exit-1"))
		exit(-1); /* 255 */
	if (!strcmp(c, "exit-failure"))
		exit(EXIT_FAILURE);
	if (!strcmp(c, "ret42"))
		return 42;
	if (!strcmp(c, "ret0"))
		return 0;
	if (!strcmp(c, "abort")) {
		printf("before abort\n");
		fflush(stdout);
		abort();
	}
	if (!strcmp(c, "flush-on-exit")) {
		printf("buffered text without newline");
		exit(7);
	}
	if (!strcmp(c, "flush-on-return")) {
		printf("line one\nbuffered tail");
		return 9;
	}
	if (!strcmp(c, "atexit")) {
		atexit(bye);
		atexit(bye_first);
		printf("main returns 4\n");
		return 4;
	}
	if (!strcmp(c, "_exit")) {
		atexit(bye);
		printf("this buffered text is lost");
		_exit(5); /* no stdio flush, no atexit handlers */
	}
	if (!strcmp(c, "big-output")) {
		/* 1 MiB of output, then a status: nothing may be lost */
		for (int i = 0; i < 16384; i++)
			printf("%06d %056d\n", i, i);
		exit(11);
	}
	printf("unknown case '%s'\n", c);
	return 99;
}
