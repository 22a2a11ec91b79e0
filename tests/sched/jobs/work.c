/*
 * A job for the scheduler's tests: `work KIND N` does N rounds of one kind
 * of work and prints a checksum after every round, so that its output
 * shows a job that moved between machines lost and repeated nothing.
 *   compute: integer hashing in registers (slows down little on a board);
 *   memory:  passes over a 16 MiB array (slows down more).
 * Built with --migration-points=auto: it has no hexo call of its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_WORDS (2u << 20) /* 16 MiB of uint64_t */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t compute_round(uint64_t h)
{
	for (uint32_t i = 0; i < 2000000; i++)
		h = mix(h, i);
	return h;
}

static uint64_t memory_round(uint64_t *a, uint64_t h)
{
	uint32_t j = (uint32_t)h;

	for (uint32_t i = 0; i < MEM_WORDS; i++) {
		j = (j * 1103515245u + 12345u) & (MEM_WORDS - 1); /* scattered reads */
		a[i] += a[j] ^ h;
		h = mix(h, a[i]);
	}
	return h;
}

int main(int argc, char **argv)
{
	uint64_t h = 42, *a = NULL;
	int n;

	if (argc != 3 || (strcmp(argv[1], "compute") && strcmp(argv[1], "memory"))) {
		fprintf(stderr, "usage: work compute|memory ROUNDS\n");
		return 2;
	}
	n = atoi(argv[2]);
	if (!strcmp(argv[1], "memory")) {
		a = calloc(MEM_WORDS, sizeof(*a));
		if (!a)
			return 3;
		for (uint32_t i = 0; i < MEM_WORDS; i++)
			a[i] = i;
	}
	for (int r = 0; r < n; r++) {
		h = a ? memory_round(a, h) : compute_round(h);
		printf("%s round %d: %016llx\n", argv[1], r, (unsigned long long)h);
	}
	free(a);
	return 0;
}
