/* SPDX-License-Identifier: MIT */
/*
 * Calibration kernel "sort": integer sorting. Each iteration fills SIZE
 * 32-bit keys (default 1 Mi: 4 MiB) from a generator seeded with the
 * iteration's number and sorts them with a quicksort (median of three,
 * insertion sort below 24 keys): compares, data-dependent branches and
 * swaps over a working set the size of a last-level cache. Usage: sort
 * [SIZE [ITERS | SECONDSs]] (kernel.h).
 */
#include "kernel.h"

struct keys {
	uint32_t *k;
	uint64_t n;
	uint64_t sum;
};

static void swap(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

static void insertion(uint32_t *k, int64_t n)
{
	for (int64_t i = 1; i < n; i++) {
		uint32_t v = k[i];
		int64_t j = i - 1;

		while (j >= 0 && k[j] > v) {
			k[j + 1] = k[j];
			j--;
		}
		k[j + 1] = v;
	}
}

/* Sorts k[0..n): recursion on the smaller side, a loop on the larger. */
static void quick(uint32_t *k, int64_t n)
{
	while (n > 24) {
		int64_t mid = n / 2, i = 0, j = n - 1;
		uint32_t pivot;

		if (k[mid] < k[0])
			swap(&k[mid], &k[0]);
		if (k[n - 1] < k[0])
			swap(&k[n - 1], &k[0]);
		if (k[n - 1] < k[mid])
			swap(&k[n - 1], &k[mid]);
		pivot = k[mid];
		for (;;) {
			while (k[i] < pivot)
				i++;
			while (k[j] > pivot)
				j--;
			if (i >= j)
				break;
			swap(&k[i], &k[j]);
			i++;
			j--;
		}
		/* k[0..j] <= pivot <= k[j+1..n) */
		if (j + 1 < n - j - 1) {
			quick(k, j + 1);
			k += j + 1;
			n -= j + 1;
		} else {
			quick(k + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	insertion(k, n);
}

static void iteration(uint64_t it, void *ctx)
{
	struct keys *s = ctx;
	uint64_t seed = it * 0x100000001b3ull + 1, h = 0;

	for (uint64_t i = 0; i < s->n; i++)
		s->k[i] = (uint32_t)(k_rand(&seed) >> 32);
	quick(s->k, (int64_t)s->n);
	for (uint64_t i = 1; i < s->n; i++)
		if (s->k[i - 1] > s->k[i]) {
			fprintf(stderr, "sort: not sorted at %" PRIu64 "\n", i);
			exit(1);
		}
	for (uint64_t i = 0; i < s->n; i += 1 + s->n / 64)
		h = k_mix(h, s->k[i]);
	s->sum = k_mix(s->sum, h);
}

int main(int argc, char **argv)
{
	struct kargs args = k_args(argc, argv, "sort", "keys", 1u << 20, 2);
	struct keys s = {.n = args.size};
	uint64_t iters;
	double secs;

	s.k = k_alloc(s.n * sizeof *s.k);
	iters = k_run(&args, iteration, &s, &secs);
	k_report("sort", s.n, iters, s.sum, secs);
	return 0;
}
