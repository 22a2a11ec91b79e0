/* Integers: sort N 32-bit keys (default 8M) with an in-place quicksort
 * (median of three, insertion sort for small ranges; our own code, so both
 * builds run the same instructions), then hash the sorted keys.
 * Usage: intsort [N] */
#include <stdint.h>
#include "bench.h"

static void isort(uint32_t *v, long lo, long hi)
{
	for (long i = lo + 1; i <= hi; i++) {
		uint32_t x = v[i];
		long j = i - 1;
		while (j >= lo && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

static void swap(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;
	*a = *b;
	*b = t;
}

static void qsort_u32(uint32_t *v, long lo, long hi)
{
	if (hi - lo > 4096)
		BENCH_POINT();
	while (hi - lo > 24) {
		long mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo])
			swap(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swap(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swap(&v[hi], &v[mid]);
		uint32_t pivot = v[mid];
		long i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				swap(&v[i], &v[j]);
				i++;
				j--;
			}
		}
		/* recurse into the smaller side, loop on the larger */
		if (j - lo < hi - i) {
			qsort_u32(v, lo, j);
			lo = i;
		} else {
			qsort_u32(v, i, hi);
			hi = j;
		}
	}
	isort(v, lo, hi);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 8L << 20;
	uint32_t *v = bench_alloc((size_t)n * sizeof *v);
	uint64_t x = 88172645463325252ull;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = (uint32_t)(x >> 32);
	}

	double t0 = bench_now();
	qsort_u32(v, 0, n - 1);
	uint64_t h = 1469598103934665603ull;
	for (long i = 0; i < n; i++)
		h = (h ^ v[i]) * 1099511628211ull;
	double t1 = bench_now();

	long unordered = 0;
	for (long i = 1; i < n; i++)
		unordered += v[i - 1] > v[i];
	char cs[64], what[64];
	snprintf(cs, sizeof cs, "%016llx unordered=%ld", (unsigned long long)h, unordered);
	snprintf(what, sizeof what, "intsort n=%ld", n);
	bench_report(what, cs, t1 - t0);
	return 0;
}
