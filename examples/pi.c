/* Estimates pi with the Leibniz series and writes the result to pi.txt in
 * the job directory. Usage: pi [TERMS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long terms = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t1;
	double sum = 0.0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long k = 0; k < terms; k++)
		sum += (k % 2 ? -4.0 : 4.0) / (2.0 * k + 1.0);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("pi ~ %.12f after %ld terms (error %.3e), %.1f ms\n", sum, terms,
	       fabs(sum - M_PI), ms);

	FILE *f = fopen("pi.txt", "w");
	if (!f) {
		perror("pi.txt");
		return 1;
	}
	fprintf(f, "%.12f\n", sum);
	return fclose(f) ? 1 : 0;
}
