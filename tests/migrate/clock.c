/* CLOCK_MONOTONIC never goes backwards across a migration. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <time.h>

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(void)
{
	long long last = now();
	int backwards = 0;

	for (int i = 0; i < 20; i++) {
		hexo_check_migrate();
		long long t = now();
		if (t < last)
			backwards++;
		last = t;
	}
	printf("backwards=%d\n", backwards);
	return 0;
}
