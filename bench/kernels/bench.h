/* Shared by the compute kernels: timing and the result lines bench/bench.sh
 * parses ("checksum: ..." must be equal for the native and the hexo build). */
#ifndef HEXO_BENCH_H
#define HEXO_BENCH_H

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/*
 * A migration point in each kernel's outer loop (docs/migration.md): the
 * hexo build is instrumented around it, the native build has nothing.
 * bench/bench.sh --only migrate compares the hexo build with one made
 * with hexocc --no-migration.
 */
#ifdef __hexo__
#include <hexo/migrate.h>
#define BENCH_POINT() hexo_check_migrate()
#else
#define BENCH_POINT() ((void)0)
#endif

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * The same memory layout in both builds, whatever the libc's malloc does:
 * every array starts at a fixed offset into its own page-aligned block, the
 * offsets staggered by 1344 bytes so that arrays used together do not alias
 * in the low 12 address bits. (Left to malloc, glibc mmaps each large array
 * at page offset 16 while newlib places them back to back, 8 MiB + 16 apart;
 * in dgemm that alone costs ~20% through 4K-aliasing stalls, natively too.)
 */
static inline void *bench_alloc(size_t bytes)
{
	static unsigned nth;
	size_t off = 64 + (size_t)(nth++ * 1344u) % 4032u;
	size_t total = (bytes + off + 4095u) & ~(size_t)4095u;
	/* memalign: hexo guests cannot link aligned_alloc yet (no posix_memalign) */
	char *base = memalign(4096, total);
	if (!base) {
		fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
		exit(2);
	}
	char *p = base + off;
	((void **)p)[-1] = base;
	return p;
}

static inline void bench_free(void *p)
{
	if (p)
		free(((void **)p)[-1]);
}

/* Prints the three result lines. */
static inline void bench_report(const char *what, const char *checksum, double seconds)
{
	printf("kernel: %s\n", what);
	printf("checksum: %s\n", checksum);
	printf("time: %.6f\n", seconds);
}

#endif
