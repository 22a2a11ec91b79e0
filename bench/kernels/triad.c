/* Memory bandwidth: STREAM-style triad a[i] = b[i] + s * c[i] over three
 * arrays of N doubles (default 11M: 264 MB in all), REPS times.
 * Usage: triad [N] [REPS] */
#include "bench.h"

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)atol(argv[1]) : 11u << 20;
	int reps = argc > 2 ? atoi(argv[2]) : 40;
	double *a = bench_alloc(n * sizeof *a);
	double *b = bench_alloc(n * sizeof *b);
	double *c = bench_alloc(n * sizeof *c);

	for (size_t i = 0; i < n; i++) {
		a[i] = 0.0;
		b[i] = (double)(i % 1000) * 0.5;
		c[i] = (double)(i % 7) * 0.25;
	}
	double t0 = bench_now();
	for (int r = 0; r < reps; r++) {
		BENCH_POINT();
		double s = 1.0 + r * 0.125;
		for (size_t i = 0; i < n; i++)
			a[i] = b[i] + s * c[i];
		/* feed the result back so no repetition can be skipped */
		b[(size_t)r % n] = a[n - 1 - (size_t)r % n];
	}
	double t1 = bench_now();

	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += a[i];
	char cs[64], what[96];
	snprintf(cs, sizeof cs, "%.17g", sum);
	snprintf(what, sizeof what, "triad n=%zu reps=%d (%.2f GB/s)", n, reps,
	         3.0 * sizeof(double) * (double)n * reps / (t1 - t0) / 1e9);
	bench_report(what, cs, t1 - t0);
	return 0;
}
