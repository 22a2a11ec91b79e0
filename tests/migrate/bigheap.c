/* A 256 MiB heap that migrates with the job. */
#include <hexo/migrate.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (256u << 20)

int main(void)
{
	uint64_t *h = malloc(SIZE);
	size_t n = SIZE / sizeof(*h);
	uint64_t x = 88172645463325252ull, sum = 0;

	if (!h) {
		puts("malloc failed");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		h[i] = x;
	}
	for (int pass = 0; pass < 3; pass++) {
		hexo_check_migrate();
		for (size_t i = pass; i < n; i += 4099)
			h[i] = h[i] * 3 + (uint64_t)pass;
		sum = 0;
		for (size_t i = 0; i < n; i += 7)
			sum += h[i];
		printf("pass %d: sum=%016llx\n", pass, (unsigned long long)sum);
	}
	free(h);
	return 0;
}
