/* Function pointers: a table in data, a callback argument, an indirect
 * call in a loop, and qsort calling back a comparator that has a point
 * (the request waits until qsort has returned). */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>

static int add(int a, int b)
{
	hexo_check_migrate();
	return a + b;
}

static int sub(int a, int b)
{
	return a - b;
}

static int mulm(int a, int b)
{
	int r = 0;
	for (int i = 0; i < b; i++) {
		hexo_check_migrate();
		r += a;
	}
	return r;
}

static int (*const table[])(int, int) = {add, sub, mulm};

static int fold(int (*op)(int, int), const int *v, int n)
{
	int acc = v[0];
	for (int i = 1; i < n; i++)
		acc = op(acc, v[i]);
	return acc;
}

static int compares;

static int cmp(const void *a, const void *b)
{
	compares++;
	hexo_check_migrate();
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	int v[] = {5, 3, 9, 1, 7, 2, 8, 6, 4, 11, 10, 0};
	int n = sizeof(v) / sizeof(v[0]);

	for (int round = 0; round < 4; round++)
		for (int t = 0; t < 3; t++)
			printf("op %d round %d: %d\n", t, round, fold(table[t], v, 4 + round));
	qsort(v, n, sizeof(v[0]), cmp);
	for (int i = 0; i < n; i++)
		printf("%d ", v[i]);
	printf("(%d compares)\n", compares > 0);
	return 0;
}
