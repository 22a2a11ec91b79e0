/* Shared by the compute kernels: timing and the result lines scripts/bench.sh
 * parses ("checksum: ..." must be equal for the native and the hexo build). */
#ifndef HEXO_BENCH_H
#define HEXO_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void *bench_alloc(size_t bytes)
{
	void *p = malloc(bytes);
	if (!p) {
		fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
		exit(2);
	}
	return p;
}

/* Prints the three result lines. */
static inline void bench_report(const char *what, const char *checksum, double seconds)
{
	printf("kernel: %s\n", what);
	printf("checksum: %s\n", checksum);
	printf("time: %.6f\n", seconds);
}

#endif
