/* Control flow around call sites: ?: and && with calls in them, switch,
 * goto into a loop (irreducible), break/continue, do-while, and main's
 * argc/argv used after points; exit() from deep inside. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>

static int tick(int x)
{
	hexo_check_migrate();
	return x * 3 + 1;
}

static int branchy(int n)
{
	int acc = 0;

	for (int i = 0; i < n; i++) {
		if (i % 7 == 3)
			continue;
		acc += (i & 1) ? tick(i) : -tick(-i);
		if (tick(i) > 40 && tick(i + 1) % 2)
			acc ^= 0x55;
		switch (tick(i) % 4) {
		case 0:
			acc += tick(acc & 0xff);
			break;
		case 1:
			acc -= 3;
			/* fall through */
		case 2:
			acc += tick(1) + tick(2);
			break;
		default:
			if (acc > 100000)
				goto out;
		}
		if (i == 40)
			break;
	}
out:
	return acc;
}

static int irreducible(int n)
{
	int i = 0, s = 0;

	if (n & 1)
		goto middle;
	while (i < n) {
		s += tick(i);
	middle:
		s ^= tick(s & 0xfff) & 0xff;
		i++;
	}
	do {
		s += tick(n--) & 7;
	} while (n > 0);
	while (tick(s) % 5 != 0) /* a call first thing in the loop header */
		s++;
	return s;
}

static int left = 40;

static int pending(void)
{
	hexo_check_migrate();
	return left-- > 0;
}

static _Noreturn void finish(int depth, int code)
{
	if (depth == 0) {
		printf("exiting with %d\n", code);
		exit(code);
	}
	hexo_check_migrate();
	finish(depth - 1, code + tick(depth) % 5);
}

int main(int argc, char **argv)
{
	printf("branchy %d\n", branchy(60));
	printf("irreducible %d %d\n", irreducible(21), irreducible(30));
	int spins = 0;
	while (pending()) /* the call is the loop header's first instruction */
		spins++;
	printf("spins %d\n", spins);
	hexo_check_migrate();
	printf("argc %d argv0 %s\n", argc, argv[0] ? "set" : "null");
	finish(20, 1);
	return 0;
}
