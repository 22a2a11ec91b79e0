/* hexocc-flags: --migration-points=auto
 * No migration calls at all: hexocc adds the points itself. */
#include <stdio.h>
#include <string.h>

static unsigned hash(const char *s, unsigned h)
{
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static unsigned work(int n)
{
	char buf[64];
	unsigned h = 5381;

	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "item-%d", i);
		h = hash(buf, h);
	}
	return h;
}

int main(int argc, char **argv)
{
	for (int r = 0; r < 5; r++)
		printf("%s r=%d h=%08x argc=%d\n", argv[0] ? "prog" : "?", r, work(200 + r), argc);
	return (int)strlen(argv[0] ? "ok" : "");
}
