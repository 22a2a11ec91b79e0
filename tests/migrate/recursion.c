/* Deep and mutual recursion with a migration point on every level. */
#include <hexo/migrate.h>
#include <stdio.h>

static long depth_sum(int n, long acc)
{
	long here = acc * 31 + n;

	hexo_check_migrate();
	if (n == 0)
		return here;
	return depth_sum(n - 1, here % 1000003) + n;
}

static int is_odd(unsigned n);

static int is_even(unsigned n)
{
	if (n % 97 == 0)
		hexo_check_migrate();
	return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(unsigned n)
{
	if (n % 89 == 0)
		popcorn_check_migrate();
	return n == 0 ? 0 : is_even(n - 1);
}

static unsigned long fib(int n)
{
	unsigned long a, b;

	if (n < 2)
		return (unsigned long)n;
	a = fib(n - 1);
	if (n == 12)
		hexo_check_migrate();
	b = fib(n - 2);
	return a + b;
}

int main(void)
{
	for (int round = 0; round < 3; round++) {
		printf("round %d: depth_sum(1000) = %ld\n", round, depth_sum(1000, round));
		printf("round %d: is_even(%u) = %d\n", round, 1001u + round, is_even(1001u + round));
		printf("round %d: fib(20) = %lu\n", round, fib(20));
		if (round == 1)
			hexo_force_migration(HEXO_MIGRATE_STOP);
	}
	return 0;
}
