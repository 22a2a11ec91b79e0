/* The guest's environment: the monitor gives PWD=/ plus each --env, in
 * order (a later --env NAME=... replaces an earlier one in place; --env NAME
 * copies the host's value, or nothing when the host has none). */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

static void show(const char *name)
{
	const char *v = getenv(name);
	printf("getenv %s: %s%s%s\n", name, v ? "[" : "", v ? v : "NULL", v ? "]" : "");
}

int main(int argc, char **argv)
{
	int n = 0;
	for (char **e = environ; e && *e; e++)
		printf("environ[%d] [%s]\n", n++, *e);
	printf("environ count %d\n", n);
	for (int i = 1; i < argc; i++)
		show(argv[i]);
	/* the guest can change its own environment */
	setenv("HEXO_SET_IN_GUEST", "yes", 1);
	show("HEXO_SET_IN_GUEST");
	unsetenv("PWD");
	show("PWD");
	return 0;
}
