/* Checks the clock the compute kernels time themselves with: spins until
 * clock_gettime(CLOCK_MONOTONIC) says SECONDS (default 1) have passed.
 * bench/bench.sh compares that with the host's wall time of the run: a
 * guest clock running fast or slow would bias every hexo/native ratio.
 * Usage: clockcheck [SECONDS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	double t0 = now(), t;
	unsigned long reads = 0;
	do {
		t = now();
		reads++;
	} while (t - t0 < secs);
	printf("spun %.6f s, %lu clock reads (%.1f ns each)\n", t - t0, reads,
	       (t - t0) * 1e9 / (double)reads);
	return 0;
}
