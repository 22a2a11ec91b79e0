/* SPDX-License-Identifier: MIT */
/*
 * Calibration kernel "triad": streaming memory bandwidth. Three arrays of
 * SIZE doubles (default 4 Mi each: 96 MiB together, more than any cache);
 * each iteration is one pass x[j] = (y[j] + z[j]) * 0.5, two loads and a
 * store per element, the roles of the arrays turning with the iteration so
 * every pass depends on the one before. Usage: triad [SIZE [ITERS |
 * SECONDSs]] (kernel.h).
 */
#include "kernel.h"

struct arrays {
	double *v[3];
	uint64_t n;
	uint64_t sum;
};

static void iteration(uint64_t it, void *ctx)
{
	struct arrays *a = ctx;
	double *x = a->v[it % 3], *y = a->v[(it + 1) % 3], *z = a->v[(it + 2) % 3];

	for (uint64_t j = 0; j < a->n; j++)
		x[j] = (y[j] + z[j]) * 0.5;
	a->sum = k_mix(a->sum, k_bits(x[(it * 7919) % a->n]));
}

int main(int argc, char **argv)
{
	struct kargs args = k_args(argc, argv, "triad", "doubles per array", 4u << 20, 1024);
	struct arrays a = {.n = args.size};
	uint64_t seed = 7, iters;
	double secs;

	for (int k = 0; k < 3; k++) {
		a.v[k] = k_alloc(a.n * sizeof(double));
		for (uint64_t j = 0; j < a.n; j++)
			a.v[k][j] = (double)(k_rand(&seed) >> 11) * 0x1p-53;
	}
	iters = k_run(&args, iteration, &a, &secs);
	for (int k = 0; k < 3; k++)
		a.sum = k_mix(a.sum, k_bits(a.v[k][a.n / 2]));
	k_report("triad", a.n, iters, a.sum, secs);
	return 0;
}
