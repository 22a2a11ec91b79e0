/* SPDX-License-Identifier: MIT */
/*
 * Calibration kernel "chase": memory latency. SIZE 32-bit slots (default
 * 16 Mi: 64 MiB) linked into one random cycle through all of them
 * (Sattolo's shuffle); each iteration follows 2^20 links, every load
 * depending on the one before, so caches, TLBs and (nested) page walks
 * decide the time. Usage: chase [SIZE [ITERS | SECONDSs]] (kernel.h).
 */
#include "kernel.h"

#define HOPS (1u << 20)

struct cycle {
	uint32_t *next;
	uint32_t at;
	uint64_t sum;
};

static void iteration(uint64_t it, void *ctx)
{
	struct cycle *c = ctx;
	uint32_t p = c->at;
	uint64_t s = 0;

	(void)it;
	for (uint32_t h = 0; h < HOPS; h++) {
		p = c->next[p];
		s += p;
	}
	c->at = p;
	c->sum = k_mix(c->sum, s);
}

int main(int argc, char **argv)
{
	struct kargs args = k_args(argc, argv, "chase", "slots", 16u << 20, 16);
	struct cycle c = {0};
	uint64_t n = args.size, seed = 99, iters;
	uint32_t *order;
	double secs;

	if (n > UINT32_MAX)
		n = UINT32_MAX;
	/* a random order of the slots, in which each links to the next */
	order = k_alloc(n * sizeof *order);
	c.next = k_alloc(n * sizeof *c.next);
	for (uint64_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = k_rand(&seed) % i; /* j < i: one cycle (Sattolo) */
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		c.next[order[i]] = order[(i + 1) % n];
	free(order);
	iters = k_run(&args, iteration, &c, &secs);
	k_report("chase", n, iters, k_mix(c.sum, c.at), secs);
	return 0;
}
