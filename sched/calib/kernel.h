/* SPDX-License-Identifier: MIT */
/*
 * What the calibration kernels share (docs/sched.md, "Slowdown estimates:
 * calibration"). Each kernel is one program, run by `hexo node calibrate`
 * on a reference machine and on the node being calibrated:
 *
 *   KERNEL [SIZE [ITERS | SECONDSs]]
 *
 * SIZE is the working set in the kernel's own unit (0 or absent: its
 * default); ITERS a fixed number of iterations, or SECONDS followed by 's'
 * ("0.5s"): iterations until at least that much time has passed. Set-up
 * (allocation, filling the data) is not timed; each iteration is the same
 * work whatever the iteration count, so time / iterations compares across
 * runs and machines. The result is five lines on stdout:
 *
 *   kernel: NAME
 *   size: SIZE
 *   iters: ITERS
 *   checksum: HEX
 *   seconds: SECONDS          (the timed iterations only)
 *
 * The checksum depends only on SIZE and ITERS (integers, or the bits of
 * IEEE doubles computed in a fixed order: hexocc builds both ISAs with
 * -ffp-contract=off), so a run with the same SIZE and ITERS on another
 * machine, of either ISA, prints the same one.
 */
#ifndef HEXO_CALIB_KERNEL_H
#define HEXO_CALIB_KERNEL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kargs {
	uint64_t size;
	uint64_t iters; /* 0: run until `seconds` */
	double seconds;
};

static inline double k_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void k_usage(const char *name, const char *size_unit, uint64_t def_size)
{
	fprintf(stderr,
	        "usage: %s [SIZE [ITERS | SECONDSs]]  (SIZE in %s, default %" PRIu64
	        "; default 1s)\n",
	        name, size_unit, def_size);
	exit(2);
}

/* argv -> SIZE, ITERS or SECONDS; exits 2 with the usage on a bad argument. */
static inline struct kargs k_args(int argc, char **argv, const char *name, const char *unit,
                                  uint64_t def_size, uint64_t min_size)
{
	struct kargs a = {def_size, 0, 1.0};
	char *end;

	if (argc > 3)
		k_usage(name, unit, def_size);
	if (argc > 1) {
		unsigned long long v = strtoull(argv[1], &end, 10);

		if (end == argv[1] || *end)
			k_usage(name, unit, def_size);
		a.size = v ? v : def_size;
		if (a.size < min_size)
			a.size = min_size;
	}
	if (argc > 2) {
		size_t n = strlen(argv[2]);

		if (n > 1 && argv[2][n - 1] == 's') {
			a.seconds = strtod(argv[2], &end);
			if (end != argv[2] + n - 1 || !(a.seconds > 0 && a.seconds < 1e6))
				k_usage(name, unit, def_size);
		} else {
			unsigned long long v = strtoull(argv[2], &end, 10);

			if (end == argv[2] || *end || v == 0)
				k_usage(name, unit, def_size);
			a.iters = v;
		}
	}
	return a;
}

static inline void *k_alloc(size_t bytes)
{
	void *p = malloc(bytes);

	if (!p) {
		fprintf(stderr, "out of memory: %zu bytes\n", bytes);
		exit(2);
	}
	return p;
}

/*
 * Runs iteration(i, ctx) for i = 0, 1, ... either a.iters times or until
 * a.seconds have passed; returns how many ran and the time they took.
 */
static inline uint64_t k_run(const struct kargs *a, void (*iteration)(uint64_t i, void *ctx),
                             void *ctx, double *seconds)
{
	double t0 = k_now(), t = t0;
	uint64_t i = 0;

	if (a->iters) {
		for (; i < a->iters; i++)
			iteration(i, ctx);
		t = k_now();
	} else {
		do {
			iteration(i++, ctx);
			t = k_now();
		} while (t - t0 < a->seconds);
	}
	*seconds = t - t0;
	return i;
}

static inline void k_report(const char *name, uint64_t size, uint64_t iters, uint64_t checksum,
                            double seconds)
{
	printf("kernel: %s\nsize: %" PRIu64 "\niters: %" PRIu64 "\nchecksum: %016" PRIx64
	       "\nseconds: %.9f\n",
	       name, size, iters, checksum, seconds);
}

/* Mixes v into h (a 64-bit multiply-xorshift step, any fixed mix would do). */
static inline uint64_t k_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

/* The bits of a double, for checksums. */
static inline uint64_t k_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	return u;
}

/* A small deterministic generator (splitmix64). */
static inline uint64_t k_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
