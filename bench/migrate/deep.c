/*
 * Unwind and rewind of a deep stack (bench/migrate.sh): DEPTH nested calls
 * of frame(), each with a few locals live across its call, down to a loop
 * with a migration point that runs for SECONDS of the job's clock. The
 * result does not depend on the time: a run stopped and resumed, or
 * checkpointed on the way, prints what an undisturbed run prints.
 * Usage: deep [DEPTH] [SECONDS]   (default 100 frames, 1 s)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __hexo__
#include <hexo/migrate.h>
#define POINT() hexo_check_migrate()
#else
#define POINT() ((void)0)
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The bottom: spins with a migration point until the deadline. */
static __attribute__((noinline)) uint64_t bottom(uint64_t x, double seconds)
{
	double end = now() + seconds;
	uint64_t y = x;

	do {
		for (int i = 0; i < 256; i++) {
			POINT();
			y = y * 6364136223846793005ull + 1442695040888963407ull;
		}
	} while (now() < end);
	return x ^ (y != 0 ? 0x5bd1e995u : 1u);
}

/* One level: a, b, c, d are live across the call (saved in its frame record). */
static __attribute__((noinline)) uint64_t frame(int depth, uint64_t seed, double seconds)
{
	uint64_t a = seed * 0x9e3779b97f4a7c15ull + (uint64_t)depth;
	uint64_t b = a ^ (a >> 29);
	double c = (double)(b & 0xffff) * 0.5;
	uint32_t d = (uint32_t)(a >> 7) | 1u;
	uint64_t r;

	if (depth <= 1)
		r = bottom(b + d, seconds);
	else
		r = frame(depth - 1, b + d, seconds);
	return r * 31 + a + (b ^ d) + (uint64_t)c;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 100;
	double seconds = argc > 2 ? atof(argv[2]) : 1.0;

	if (depth < 1) {
		fprintf(stderr, "deep: DEPTH must be at least 1\n");
		return 2;
	}
	printf("deep: depth=%d result=%016llx\n", depth,
	       (unsigned long long)frame(depth, 1, seconds));
	return 0;
}
