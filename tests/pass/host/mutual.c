/* Mutual recursion, a static counter, recursion through a pointer. */
#include <hexo/migrate.h>
#include <stdio.h>

static int calls;
static int is_odd(unsigned n);

static int is_even(unsigned n)
{
	calls++;
	if (n % 64 == 0)
		hexo_check_migrate();
	return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(unsigned n)
{
	calls++;
	return n == 0 ? 0 : is_even(n - 1);
}

static int (*volatile pick)(unsigned) = is_even;

static int collatz(long n, int steps)
{
	popcorn_check_migrate();
	if (n == 1)
		return steps;
	return collatz(n % 2 ? 3 * n + 1 : n / 2, steps + 1);
}

int main(void)
{
	int sum = 0;

	for (unsigned i = 0; i < 700; i += 37)
		sum = sum * 3 + is_even(i) + 2 * pick(i + 1);
	printf("sum %d calls %d\n", sum, calls);
	for (long n = 1; n < 40; n += 3)
		printf("collatz(%ld) = %d\n", n, collatz(n, 0));
	return 0;
}
