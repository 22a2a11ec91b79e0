/* malloc stress: many sizes, random free/realloc patterns, contents checked
 * against a per-block pattern (so overlapping or moved blocks are caught),
 * calloc zeroing, alignment, impossible requests, and one 256 MiB block in a
 * 512 MiB guest touched page by page. Output is independent of addresses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSLOTS 1024

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

struct slot {
	unsigned char *p;
	size_t size;
	uint32_t seed;
};

static struct slot slots[NSLOTS];
static int failures;

static unsigned char pat(uint32_t seed, size_t i)
{
	return (unsigned char)((seed * 2654435761u) ^ (uint32_t)(i * 40503u) ^ (uint32_t)(i >> 8));
}

static void fill(struct slot *s)
{
	for (size_t i = 0; i < s->size; i++)
		s->p[i] = pat(s->seed, i);
}

/* Checks the first n bytes of the slot's pattern; returns a checksum. */
static uint64_t verify(const struct slot *s, size_t n, const char *what)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		if (s->p[i] != pat(s->seed, i)) {
			printf("FAIL %s: slot seed %u byte %zu of %zu is %u, want %u\n", what,
			       s->seed, i, n, s->p[i], pat(s->seed, i));
			failures++;
			return 0;
		}
		h = (h ^ s->p[i]) * 1099511628211ull;
	}
	return h;
}

static size_t pick_size(void)
{
	uint64_t r = rnd();
	switch (r % 8) {
	case 0:
		return r >> 60; /* 0..15, including 0 */
	case 1:
	case 2:
		return 16 + (r >> 56); /* small */
	case 3:
	case 4:
		return (r >> 48) % 4096;
	case 5:
		return (r >> 40) % 65536;
	case 6:
		return 4096 * (1 + (r >> 50) % 16); /* page multiples */
	default:
		return (r >> 32) % (1u << 18); /* up to 256 KiB */
	}
}

static void check_align(const void *p, const char *what)
{
	if (p && ((uintptr_t)p % 16) != 0) {
		printf("FAIL %s: %zu-byte misaligned pointer\n", what, (size_t)((uintptr_t)p % 16));
		failures++;
	}
}

static void stress(int rounds)
{
	uint64_t total_checksum = 0;
	unsigned long n_malloc = 0, n_free = 0, n_realloc = 0, n_grow = 0, n_shrink = 0;
	uint32_t next_seed = 1;

	for (int round = 0; round < rounds; round++) {
		struct slot *s = &slots[rnd() % NSLOTS];
		unsigned op = (unsigned)(rnd() % 10);
		if (!s->p) {
			s->size = pick_size();
			s->seed = next_seed++;
			s->p = malloc(s->size);
			if (!s->p && s->size) {
				printf("FAIL malloc(%zu) returned NULL\n", s->size);
				failures++;
				continue;
			}
			check_align(s->p, "malloc");
			fill(s);
			n_malloc++;
		} else if (op < 5) {
			total_checksum += verify(s, s->size, "before free");
			free(s->p);
			s->p = NULL;
			n_free++;
		} else if (op < 9) {
			size_t nsz = pick_size();
			size_t keep = nsz < s->size ? nsz : s->size;
			total_checksum += verify(s, s->size, "before realloc");
			unsigned char *np = realloc(s->p, nsz ? nsz : 1);
			if (!np) {
				printf("FAIL realloc(%zu) returned NULL\n", nsz);
				failures++;
				continue;
			}
			check_align(np, "realloc");
			s->p = np;
			size_t old = s->size;
			s->size = keep;
			total_checksum += verify(s, keep, "after realloc");
			/* extend the pattern to the new size */
			s->size = nsz;
			for (size_t i = keep; i < nsz; i++)
				s->p[i] = pat(s->seed, i);
			n_realloc++;
			if (nsz > old)
				n_grow++;
			else
				n_shrink++;
		} else {
			total_checksum += verify(s, s->size, "scan");
		}
	}
	unsigned long live = 0;
	for (int i = 0; i < NSLOTS; i++) {
		if (slots[i].p) {
			total_checksum += verify(&slots[i], slots[i].size, "final");
			free(slots[i].p);
			slots[i].p = NULL;
			live++;
		}
	}
	printf("stress: malloc %lu free %lu realloc %lu (grow %lu shrink %lu) live at end %lu\n",
	       n_malloc, n_free, n_realloc, n_grow, n_shrink, live);
	printf("stress: checksum %016llx\n", (unsigned long long)total_checksum);
}

static void calloc_test(void)
{
	/* Dirty some memory first so calloc has to really zero reused blocks. */
	for (int k = 0; k < 8; k++) {
		unsigned char *d = malloc(100000);
		memset(d, 0xa5, 100000);
		free(d);
	}
	unsigned long bad = 0;
	for (int k = 0; k < 64; k++) {
		size_t n = 1 + (size_t)(rnd() % 200000);
		unsigned char *z = calloc(n, 1);
		if (!z) {
			printf("FAIL calloc(%zu) returned NULL\n", n);
			failures++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			bad += z[i] != 0;
		memset(z, 0x5a, n);
		free(z);
	}
	printf("calloc: nonzero bytes %lu\n", bad);
	void *volatile o = calloc((size_t)1 << 62, 16); /* n * size overflows */
	printf("calloc overflow: %s\n", o ? "non-NULL (wrong)" : "NULL");
	free(o);
}

static void edge_cases(void)
{
	void *p = malloc(0);
	free(p); /* NULL or unique pointer, either is fine: must be freeable */
	free(NULL);
	char *r = realloc(NULL, 100);
	printf("realloc(NULL, 100): %s\n", r ? "ok" : "NULL");
	strcpy(r, "realloc keeps this");
	r = realloc(r, 100000);
	printf("grown: %s\n", r);
	r = realloc(r, 10);
	r[9] = '\0';
	printf("shrunk: %s\n", r);
	free(r);
	void *volatile huge = malloc((size_t)1 << 40); /* 1 TiB */
	printf("malloc 1 TiB: %s\n", huge ? "non-NULL (wrong)" : "NULL");
	free(huge);
	void *volatile max = malloc(SIZE_MAX);
	printf("malloc SIZE_MAX: %s\n", max ? "non-NULL (wrong)" : "NULL");
	free(max);
}

/* 256 MiB in one block: every page written and read back. */
static void big_block(int round)
{
	const size_t sz = (size_t)256 << 20;
	uint64_t *b = malloc(sz);
	if (!b) {
		printf("FAIL big block round %d: malloc(256 MiB) returned NULL\n", round);
		failures++;
		return;
	}
	size_t n = sz / sizeof *b;
	for (size_t i = 0; i < n; i += 512) /* one word per page */
		b[i] = i * 0x9e3779b97f4a7c15ull + (uint64_t)round;
	b[n - 1] = 0x1234567890abcdefull;
	uint64_t sum = 0;
	unsigned long bad = 0;
	for (size_t i = 0; i < n; i += 512) {
		bad += b[i] != i * 0x9e3779b97f4a7c15ull + (uint64_t)round;
		sum += b[i];
	}
	bad += b[n - 1] != 0x1234567890abcdefull;
	printf("big block round %d: pages %zu bad %lu sum %016llx\n", round, n / 512, bad,
	       (unsigned long long)sum);
	free(b);
}

int main(void)
{
	stress(20000);
	calloc_test();
	edge_cases();
	big_block(1);
	big_block(2); /* the freed 256 MiB must be reusable */
	stress(5000); /* and small allocations still work afterwards */
	printf("failures %d\n", failures);
	return failures ? 1 : 0;
}
