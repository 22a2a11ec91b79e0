/*
 * Checkpoint size, write and restore time, migration latency
 * (bench/migrate.sh): a heap of MIB MiB of non-zero pseudo-random bytes
 * (no page of it is skipped as zero), then a loop with a migration point
 * for SECONDS of the job's clock (at least one pass), then a checksum of
 * the heap. A hexo job that was restored in that loop leaves it at once,
 * saying so ("resumed"). Built natively (for CRIU), the point instead
 * prints "ready" and waits for SIGUSR1; `criu dump` takes the process
 * there, and after `criu restore` a SIGUSR1 lets it finish.
 * Usage: fill MIB [SECONDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __hexo__
#include <hexo/migrate.h>
/* The boot info page (include/hexo/abi.h, layout.h): restores so far. */
#include <hexo/abi.h>
#include <hexo/layout.h>
static uint64_t restores(void)
{
	return ((const volatile struct hexo_boot_info *)HEXO_BOOTINFO_GPA)->restore_count;
}
#else
#include <signal.h>
#include <unistd.h>
static volatile sig_atomic_t go;
static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 10;
	double seconds = argc > 2 ? atof(argv[2]) : 0;
	size_t n = mib << 17; /* 8-byte words */
	uint64_t *heap = malloc(n * sizeof(*heap)), x = 0x853c49e6748fea9bull, sum = 0;

	if (!heap) {
		fprintf(stderr, "fill: out of memory (%zu MiB)\n", mib);
		return 2;
	}
	for (size_t i = 0; i < n; i++) { /* xorshift64: never 0 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		heap[i] = x;
	}
#ifdef __hexo__
	uint64_t r0 = restores();
	double end = now() + seconds;

	do {
		hexo_check_migrate();
		if (restores() != r0) {
			printf("resumed\n");
			fflush(stdout);
			break;
		}
	} while (now() < end);
#else
	signal(SIGUSR1, on_usr1);
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	while (!go)
		pause();
	(void)seconds;
	(void)now;
#endif
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ heap[i]) * 0x100000001b3ull;
	printf("fill: %zu MiB checksum: %016llx\n", mib, (unsigned long long)sum);
	free(heap);
	return 0;
}
