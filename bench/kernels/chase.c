/* Memory latency: a pointer chase through one random cycle over N slots of
 * 8 bytes (default 32M: 256 MiB), STEPS dependent loads. Exposes TLB and
 * page-walk costs (nested paging under KVM). Usage: chase [N] [STEPS] */
#include <stdint.h>
#include "bench.h"

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)atol(argv[1]) : 32u << 20;
	long steps = argc > 2 ? atol(argv[2]) : 5000000;
	uint64_t *next = bench_alloc(n * sizeof *next);
	uint32_t *perm = bench_alloc(n * sizeof *perm);

	/* Sattolo's algorithm: one cycle through every slot */
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(rnd() % i);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		next[i] = perm[i];
	bench_free(perm);

	double t0 = bench_now();
	uint64_t p = 0, acc = 0;
	for (long blk = 0; blk < steps; blk += 1L << 16) {
		long end = blk + (1L << 16) < steps ? blk + (1L << 16) : steps;
		BENCH_POINT();
		for (long s = blk; s < end; s++) {
			p = next[p];
			acc += p;
		}
	}
	double t1 = bench_now();

	char cs[64], what[96];
	snprintf(cs, sizeof cs, "%llu %llu", (unsigned long long)p, (unsigned long long)acc);
	snprintf(what, sizeof what, "chase n=%zu steps=%ld (%.1f ns/load)", n, steps,
	         (t1 - t0) * 1e9 / (double)steps);
	bench_report(what, cs, t1 - t0);
	return 0;
}
