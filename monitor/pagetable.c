// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "pagetable.h"

#define PT_ENTRIES 512
#define PT_BYTES   4096u

struct pt_alloc {
	uint8_t *host;
	hexo_gpa_t gpa;
	size_t size;
	size_t used;
};

static uint64_t *pt_new(struct pt_alloc *a, hexo_gpa_t *gpa)
{
	uint64_t *table;

	if (a->size - a->used < PT_BYTES)
		return NULL;
	table = (uint64_t *)(void *)(a->host + a->used);
	memset(table, 0, PT_BYTES);
	*gpa = a->gpa + a->used;
	a->used += PT_BYTES;
	return table;
}

static int pt_fill(struct pt_alloc *a, const struct pt_ops *ops, uint64_t *table, uint64_t base,
                   int depth)
{
	unsigned shift = 12 + 9 * (unsigned)(PT_DEPTHS - 1 - depth);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t start = base + ((uint64_t)i << shift);
		uint64_t end = start + (1ull << shift);
		uint64_t *child;
		hexo_gpa_t child_gpa;
		int ret;

		if (ops->leaf(ops->ctx, start, end, depth, &table[i]))
			continue;
		if (depth == PT_DEPTHS - 1)
			return -EINVAL; /* the arch refused a 4 KiB page */
		child = pt_new(a, &child_gpa);
		if (!child)
			return -ENOSPC;
		table[i] = ops->table(child_gpa);
		ret = pt_fill(a, ops, child, start, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

int pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size, const struct pt_ops *ops,
                     size_t *used)
{
	struct pt_alloc a = {.host = area, .gpa = area_gpa, .size = area_size};
	hexo_gpa_t root_gpa;
	uint64_t *root;
	int ret = -ENOSPC;

	root = pt_new(&a, &root_gpa);
	if (root)
		ret = pt_fill(&a, ops, root, 0, 0);
	*used = a.used;
	return ret;
}
