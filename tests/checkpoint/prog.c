/* tests/checkpoint: a job with state in .data, .bss, the heap, the shadow
 * stack (an escaping local) and an open file, and a migration point per step. */
#include <hexo/migrate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef OTHER /* another build of the program, for the wrong-image case */
static long total = 8;
#else
static long total = 7;
#endif
static char seen[4096];

static void fill(long *v, int n, int step)
{
	for (int i = 0; i < n; i++)
		v[i] += (long)i * step;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : 20;
	long ms = argc > 2 ? atol(argv[2]) : 0;
	long *v = calloc(100000, sizeof(long));
	FILE *log = fopen("log.txt", "w");
	struct timespec nap = {0, ms * 1000000};

	if (!v || !log) {
		perror("setup");
		return 1;
	}
	for (int s = 0; s < steps; s++) {
		hexo_check_migrate();
		fill(v, 100000, s);
		total += v[s * 997 % 100000];
		seen[s % sizeof(seen)] = 1;
		printf("step %d total %ld\n", s, total);
		fprintf(log, "step %d\n", s);
		if (ms)
			nanosleep(&nap, NULL);
	}
	fclose(log);
	printf("done %ld %d\n", total, seen[3]);
	return 5;
}
