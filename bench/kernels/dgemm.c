/* Dense linear algebra: C = A * B for N x N doubles (default 1024), cache-
 * blocked i-k-j loops, no libm. Usage: dgemm [N] */
#include <stdint.h>
#include "bench.h"

#define BS 64

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1024;
	double *a = bench_alloc(sizeof(double) * (size_t)n * n);
	double *b = bench_alloc(sizeof(double) * (size_t)n * n);
	double *c = bench_alloc(sizeof(double) * (size_t)n * n);

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			a[(size_t)i * n + j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
			b[(size_t)i * n + j] = (double)((i * 5 + j * 11) % 23) / 22.0 - 0.25;
			c[(size_t)i * n + j] = 0.0;
		}

	double t0 = bench_now();
	for (int ii = 0; ii < n; ii += BS) {
		BENCH_POINT();
		for (int kk = 0; kk < n; kk += BS)
			for (int jj = 0; jj < n; jj += BS) {
				int ie = ii + BS < n ? ii + BS : n;
				int ke = kk + BS < n ? kk + BS : n;
				int je = jj + BS < n ? jj + BS : n;
				for (int i = ii; i < ie; i++)
					for (int k = kk; k < ke; k++) {
						double aik = a[(size_t)i * n + k];
						double *ci = &c[(size_t)i * n];
						const double *bk = &b[(size_t)k * n];
						for (int j = jj; j < je; j++)
							ci[j] += aik * bk[j];
					}
			}
	}
	double t1 = bench_now();

	double sum = 0, wsum = 0;
	for (size_t i = 0; i < (size_t)n * n; i++) {
		sum += c[i];
		wsum += c[i] * (double)(i % 97);
	}
	char cs[128];
	snprintf(cs, sizeof cs, "%.17g %.17g %.17g", sum, wsum, c[(size_t)n * n / 2 + n / 3]);
	char what[64];
	snprintf(what, sizeof what, "dgemm n=%d (%.2f GFLOP/s)", n,
	         2.0 * n * n * (double)n / (t1 - t0) / 1e9);
	bench_report(what, cs, t1 - t0);
	return 0;
}
