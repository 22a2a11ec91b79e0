/* A job of known progress for --status (check.sh): N (argv[1], default
 * 1000) calls of hexo_check_migrate(), each one migration point passed;
 * with argv[2] = S (> 0) it asks to be stopped at point S (1-based) and,
 * once resumed, goes on to N; argv[3] = U sleeps U microseconds after each
 * point. boot_info.points then counts exactly N points (built with manual
 * points), however many times the job stopped. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	long stop = argc > 2 ? atol(argv[2]) : 0;
	long us = argc > 3 ? atol(argv[3]) : 0;

	for (long i = 1; i <= n; i++) {
		if (i == stop) {
			printf("stopping at point %ld\n", i);
			fflush(stdout);
			hexo_force_migration(HEXO_MIGRATE_STOP);
		}
		hexo_check_migrate();
		if (us)
			usleep((useconds_t)us);
	}
	printf("%ld points\n", n);
	return 0;
}
