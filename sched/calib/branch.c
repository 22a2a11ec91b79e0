/* SPDX-License-Identifier: MIT */
/*
 * Calibration kernel "branch": branchy integer code. Each iteration walks
 * the Collatz sequence (n -> n/2 or 3n+1) of SIZE consecutive 64-bit
 * numbers (default 64 Ki), continuing where the previous iteration
 * stopped, and keeps the step counts and the highest value reached: a
 * data-dependent branch per step that no predictor learns, almost no
 * memory. Usage: branch [SIZE [ITERS | SECONDSs]] (kernel.h).
 */
#include "kernel.h"

struct walk {
	uint64_t start, n;
	uint64_t steps, peak, sum;
};

static void iteration(uint64_t it, void *ctx)
{
	struct walk *w = ctx;
	uint64_t first = w->start + it * w->n;

	for (uint64_t m = first; m < first + w->n; m++) {
		uint64_t x = m, steps = 0;

		while (x != 1) {
			if (x & 1)
				x = 3 * x + 1;
			else
				x >>= 1;
			if (x > w->peak)
				w->peak = x;
			steps++;
		}
		w->steps += steps;
		if (steps % 8 == 0)
			w->sum = k_mix(w->sum, m);
	}
}

int main(int argc, char **argv)
{
	struct kargs args = k_args(argc, argv, "branch", "numbers", 64u << 10, 1);
	struct walk w = {.start = 1000000007, .n = args.size};
	uint64_t iters;
	double secs;

	iters = k_run(&args, iteration, &w, &secs);
	k_report("branch", w.n, iters, k_mix(k_mix(w.sum, w.steps), w.peak), secs);
	return 0;
}
