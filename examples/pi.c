/* Estimates pi with the Leibniz series, in blocks of terms, and writes the
 * result to pi.txt in the job directory. Usage: pi [TERMS [BLOCKS]]
 *
 * The end of every block is a migration point (<hexo/migrate.h>): there the
 * job can stop, be checkpointed, and carry on, on this machine or on the
 * other ISA. Each block says which ISA computed it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __hexo__
#include <hexo/migrate.h>
#else
static void hexo_check_migrate(void) {}
#endif

#ifdef __aarch64__
#define ISA "aarch64"
#else
#define ISA "x86-64"
#endif

int main(int argc, char **argv)
{
	long terms = argc > 1 ? atol(argv[1]) : 1000000;
	long blocks = argc > 2 ? atol(argv[2]) : 1;
	double sum = 0.0;

	if (terms < 1 || blocks < 1 || blocks > terms) {
		fprintf(stderr, "usage: pi [TERMS [BLOCKS]], 1 <= BLOCKS <= TERMS\n");
		return 2;
	}
	for (long b = 0; b < blocks; b++) {
		long lo = terms / blocks * b, hi = b + 1 < blocks ? terms / blocks * (b + 1) : terms;

		for (long k = lo; k < hi; k++)
			sum += (k % 2 ? -4.0 : 4.0) / (2.0 * k + 1.0);
		printf("block %2ld of %ld on %-7s: pi ~ %.12f\n", b + 1, blocks, ISA, sum);
		fflush(stdout);
		hexo_check_migrate();
	}
	printf("pi ~ %.12f after %ld terms (error %.3e)\n", sum, terms, fabs(sum - M_PI));

	FILE *f = fopen("pi.txt", "w");
	if (!f) {
		perror("pi.txt");
		return 1;
	}
	fprintf(f, "%.12f\n", sum);
	return fclose(f) ? 1 : 0;
}
