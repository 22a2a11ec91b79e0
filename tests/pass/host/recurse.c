/* Deep recursion, live SSA values across calls, locals saved by value. */
#include <hexo/migrate.h>
#include <stdio.h>

static long fib(int n)
{
	hexo_check_migrate();
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2); /* fib(n - 1) is live across the second call */
}

static int deep(int n, int acc)
{
	int local[4] = {n, n * 2, n * 3, acc};
	short s = (short)(n * 7);
	char c = (char)(n & 0x7f);

	hexo_check_migrate();
	if (n == 0)
		return acc;
	int r = deep(n - 1, acc + local[n % 4]);
	return r + local[(n + 1) % 4] + s - c;
}

static unsigned long long mix(unsigned long long x, int rounds)
{
	unsigned long long a = x * 0x9e3779b97f4a7c15ull, b = x ^ 0xdeadbeef;
	_Bool odd = x & 1;

	for (int i = 0; i < rounds; i++) {
		hexo_check_migrate();
		a = (a << 7 | a >> 57) + b;
		b ^= a + (unsigned long long)i;
	}
	return odd ? a - b : a + b;
}

static unsigned long long chain(int n)
{
	if (n == 0)
		return mix(42, 5);
	unsigned long long before = mix((unsigned long long)n, 3);
	unsigned long long inner = chain(n - 1);
	return before * 31 + inner + mix(inner, 2);
}

int main(void)
{
	printf("fib(18) = %ld\n", fib(18));
	printf("deep(3000) = %d\n", deep(3000, 1));
	printf("chain(40) = %llu\n", chain(40));
	return 0;
}
