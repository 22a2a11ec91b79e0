/* A point reached inside a qsort callback: the request waits until qsort
 * has returned (libc's frames cannot unwind). */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>

static long compares;

static int cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (++compares % 100 == 0) {
		hexo_force_migration(HEXO_MIGRATE_STOP);
		hexo_check_migrate();
	}
	return (x > y) - (x < y);
}

int main(void)
{
	static int v[2000];
	unsigned s = 12345;
	long sum = 0;

	for (int i = 0; i < 2000; i++) {
		s = s * 1103515245 + 12345;
		v[i] = (int)(s >> 8) % 100000;
	}
	for (int round = 0; round < 3; round++) {
		qsort(v, 2000, sizeof(v[0]), cmp);
		printf("round %d: min=%d max=%d\n", round, v[0], v[1999]);
		hexo_check_migrate();
		for (int i = 0; i < 2000; i++)
			v[i] = (v[i] * 7 + round) % 100003;
	}
	for (int i = 0; i < 2000; i++)
		sum += v[i];
	printf("sum=%ld compares>0=%d\n", sum, compares > 0);
	return 0;
}
