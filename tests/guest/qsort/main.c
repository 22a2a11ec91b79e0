/* qsort and bsearch: ints of many sizes and shapes, strings, structs with a
 * full ordering; every result checked for order and for being a permutation
 * of the input, plus bsearch hits and misses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long ncmp;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	ncmp++;
	return (x > y) - (x < y);
}

static int cmp_int_desc(const void *a, const void *b)
{
	return cmp_int(b, a);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct rec {
	int key;
	unsigned id;
	double weight;
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* order-independent fingerprint of a multiset of ints */
static uint64_t fingerprint(const int *v, size_t n)
{
	uint64_t s = 0, x = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t h = (uint64_t)(uint32_t)v[i] * 0x9e3779b97f4a7c15ull;
		s += h ^ (h >> 29);
		x ^= h;
	}
	return s ^ (x << 1);
}

static void int_case(const char *shape, size_t n, int (*gen)(size_t i, size_t n))
{
	int *v = malloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = gen(i, n);
	uint64_t before = fingerprint(v, n);
	qsort(v, n, sizeof *v, cmp_int);
	size_t bad = 0;
	for (size_t i = 1; i < n; i++)
		bad += v[i - 1] > v[i];
	int same = fingerprint(v, n) == before;
	/* every element must be found, and values between must not */
	size_t found = 0, phantom = 0;
	for (size_t i = 0; i < n; i++) {
		int *hit = bsearch(&v[i], v, n, sizeof *v, cmp_int);
		found += hit && *hit == v[i];
		int miss = v[i] * 2 + 1; /* the generators make only even values */
		phantom += bsearch(&miss, v, n, sizeof *v, cmp_int) != NULL;
	}
	long long sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	printf("ints %-9s n=%-6zu unordered %zu permutation %s found %zu phantom %zu sum %lld "
	       "first %d last %d\n",
	       shape, n, bad, same ? "yes" : "NO", found, phantom, sum, n ? v[0] : 0,
	       n ? v[n - 1] : 0);
	qsort(v, n, sizeof *v, cmp_int_desc);
	bad = 0;
	for (size_t i = 1; i < n; i++)
		bad += v[i - 1] < v[i];
	printf("ints %-9s n=%-6zu descending unordered %zu\n", shape, n, bad);
	free(v);
}

static int gen_random(size_t i, size_t n)
{
	(void)i;
	(void)n;
	return (int)(rnd() % 2000001) * 2 - 2000000;
}
static int gen_sorted(size_t i, size_t n)
{
	(void)n;
	return (int)i * 2;
}
static int gen_reversed(size_t i, size_t n)
{
	return (int)(n - i) * 2;
}
static int gen_equal(size_t i, size_t n)
{
	(void)i;
	(void)n;
	return 14;
}
static int gen_fewvals(size_t i, size_t n)
{
	(void)i;
	(void)n;
	return (int)(rnd() % 5) * 2;
}
static int gen_organ(size_t i, size_t n)
{
	return (int)(i < n / 2 ? i : n - i) * 2;
}

static void strings(void)
{
	static const char *const words[] = {
	    "pear",  "apple", "fig", "banana",   "cherry", "apple",  "kiwi",  "date", "elderberry",
	    "grape", "Apple", "",    "zucchini", "appl",   "apples", "melon", "lime", "lemon",
	};
	enum { N = sizeof words / sizeof words[0] };
	const char *v[N];
	memcpy(v, words, sizeof v);
	qsort(v, N, sizeof v[0], cmp_str);
	printf("strings:");
	for (size_t i = 0; i < N; i++)
		printf(" [%s]", v[i]);
	printf("\n");
	const char *key = "kiwi", *nokey = "mango";
	const char **hit = bsearch(&key, v, N, sizeof v[0], cmp_str);
	printf("bsearch kiwi -> %s, mango -> %s\n", hit ? *hit : "NULL",
	       bsearch(&nokey, v, N, sizeof v[0], cmp_str) ? "found" : "NULL");
}

static void records(void)
{
	enum { N = 5000 };
	struct rec *r = malloc(N * sizeof *r);
	for (unsigned i = 0; i < N; i++) {
		r[i].key = (int)(rnd() % 100);
		r[i].id = i;
		r[i].weight = (double)(rnd() % 1000) / 8.0;
	}
	qsort(r, N, sizeof *r, cmp_rec);
	unsigned bad = 0;
	double wsum = 0;
	uint64_t h = 0;
	for (unsigned i = 0; i < N; i++) {
		if (i && cmp_rec(&r[i - 1], &r[i]) >= 0)
			bad++;
		wsum += r[i].weight;
		h = h * 1000003u + r[i].id;
	}
	printf("records unordered %u weight sum %.3f order hash %016llx\n", bad, wsum,
	       (unsigned long long)h);
	struct rec probe = {r[1234].key, r[1234].id, 0};
	struct rec *hit = bsearch(&probe, r, N, sizeof *r, cmp_rec);
	printf("bsearch record: %s\n", hit == &r[1234] ? "exact element" : "WRONG");
	free(r);
}

int main(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 10, 100, 1000, 100000};
	struct {
		const char *name;
		int (*gen)(size_t, size_t);
	} shapes[] = {{"random", gen_random}, {"sorted", gen_sorted},   {"reversed", gen_reversed},
	              {"equal", gen_equal},   {"fewvals", gen_fewvals}, {"organ", gen_organ}};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
			int_case(shapes[s].name, sizes[k], shapes[s].gen);
	strings();
	records();
	printf("comparisons made: %s\n", ncmp > 0 ? "some" : "none");
	return 0;
}
