/* Integers: sieve of Eratosthenes over odd numbers up to LIMIT (default
 * 200M) in a byte array, REPS times. Usage: sieve [LIMIT] [REPS] */
#include <stdint.h>
#include <string.h>
#include "bench.h"

int main(int argc, char **argv)
{
	uint64_t limit = argc > 1 ? (uint64_t)atoll(argv[1]) : 200000000ull;
	int reps = argc > 2 ? atoi(argv[2]) : 1;
	uint64_t half = limit / 2; /* slot i is the odd number 2i+1 */
	unsigned char *composite = bench_alloc(half + 1);
	memset(composite, 0, half + 1);

	double t0 = bench_now();
	uint64_t count = 0, sum = 0;
	for (int r = 0; r < reps; r++) {
		BENCH_POINT();
		memset(composite, 0, half + 1);
		for (uint64_t i = 1; (2 * i + 1) * (2 * i + 1) <= limit; i++)
			if (!composite[i])
				for (uint64_t j = (2 * i + 1) * (2 * i + 1) / 2; j < half;
				     j += 2 * i + 1)
					composite[j] = 1;
		count = limit >= 2; /* the prime 2 */
		sum = limit >= 2 ? 2 : 0;
		for (uint64_t i = 1; i < half; i++)
			if (!composite[i]) {
				count++;
				sum += 2 * i + 1;
			}
	}
	double t1 = bench_now();

	char cs[64], what[64];
	snprintf(cs, sizeof cs, "%llu %llu", (unsigned long long)count, (unsigned long long)sum);
	snprintf(what, sizeof what, "sieve limit=%llu reps=%d", (unsigned long long)limit, reps);
	bench_report(what, cs, t1 - t0);
	return 0;
}
