// SPDX-License-Identifier: MIT
/*
 * Guest layout and per-page permissions, computed from a handful of
 * intervals rather than page by page, so the cost does not grow with the
 * guest's memory size.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <hexo/layout.h>

#include "guest_mem.h"
#include "memmap.h"

#define PAGE ((uint64_t)HEXO_PAGE_SIZE)

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

int layout__compute(uint64_t mem_size, uint64_t stack_size, const struct guest_segment *segs,
                    size_t n, struct guest_layout *lay, char *err, size_t errlen)
{
	char mem_str[32], stack_str[32];
	uint64_t top = HEXO_KERNEL_BASE;

	guest_mem__size_str(mem_size, mem_str, sizeof(mem_str));
	guest_mem__size_str(stack_size, stack_str, sizeof(stack_str));
	if (mem_size % PAGE || stack_size % PAGE || stack_size == 0) {
		snprintf(err, errlen, "memory size %s and stack size %s must be multiples of 4 KiB",
		         mem_str, stack_str);
		return -EINVAL;
	}
	if (mem_size < HEXO_KERNEL_BASE + PAGE || mem_size - HEXO_KERNEL_BASE - PAGE < stack_size) {
		snprintf(err, errlen, "guest memory (%s) too small for a %s stack", mem_str,
		         stack_str);
		return -ENOMEM;
	}
	lay->mem_size = mem_size;
	lay->stack_top = mem_size;
	lay->stack_size = stack_size;
	lay->heap_limit = mem_size - stack_size - PAGE;

	for (size_t i = 0; i < n; i++) {
		const struct guest_segment *s = &segs[i];
		uint64_t end = s->gpa + s->memsz;

		if (s->memsz == 0)
			continue;
		if (s->gpa < HEXO_KERNEL_BASE) {
			snprintf(err, errlen,
			         "ELF segment 0x%" PRIx64 "+0x%" PRIx64
			         " overlaps the reserved low area (below 0x%x)",
			         s->gpa, s->memsz, HEXO_KERNEL_BASE);
			return -EINVAL;
		}
		if (end < s->gpa || end > lay->heap_limit) {
			snprintf(
			    err, errlen,
			    "ELF segment 0x%" PRIx64 "+0x%" PRIx64
			    " is outside guest memory (%s less a %s stack): use a larger --mem",
			    s->gpa, s->memsz, mem_str, stack_str);
			return end < s->gpa ? -EINVAL : -ENOMEM;
		}
		if (end > top)
			top = end;
	}
	lay->heap_start = page_up(top);
	return 0;
}

/* An interval to OR into the map while building it. */
struct perm_span {
	uint64_t start, end;
	unsigned perm;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void map_append(struct memmap *map, uint64_t start, uint64_t end, unsigned perm)
{
	struct mem_region *last = map->n ? &map->r[map->n - 1] : NULL;

	if (last && last->perm == perm) {
		last->end = end;
		return;
	}
	map->r[map->n++] = (struct mem_region){start, end, perm};
}

int memmap__build(struct memmap *map, const struct guest_layout *lay,
                  const struct guest_segment *segs, size_t n)
{
	struct perm_span spans[MEMMAP_MAX_SEGMENTS + 8];
	uint64_t bounds[2 * (MEMMAP_MAX_SEGMENTS + 8) + 2];
	size_t ns = 0, nb = 0;

	if (n > MEMMAP_MAX_SEGMENTS)
		return -E2BIG;

	spans[ns++] = (struct perm_span){HEXO_BOOTINFO_GPA, HEXO_ARGS_GPA, MEM_RW};
	spans[ns++] = (struct perm_span){HEXO_ARGS_GPA, HEXO_ARGS_GPA + HEXO_ARGS_SIZE, MEM_RW};
	spans[ns++] =
	    (struct perm_span){HEXO_PAGETABLE_GPA, HEXO_PAGETABLE_GPA + HEXO_PAGETABLE_SIZE, MEM_R};
	spans[ns++] = (struct perm_span){HEXO_EXC_STACK_GUARD + PAGE, HEXO_EXC_STACK_TOP, MEM_RW};
	spans[ns++] = (struct perm_span){lay->heap_start, lay->heap_limit, MEM_RW};
	spans[ns++] = (struct perm_span){lay->stack_top - lay->stack_size, lay->stack_top, MEM_RW};
	for (size_t i = 0; i < n; i++) {
		if (segs[i].memsz == 0)
			continue;
		spans[ns++] = (struct perm_span){
		    page_down(segs[i].gpa), page_up(segs[i].gpa + segs[i].memsz), segs[i].perm};
	}

	/* Cut [0, max) at every span edge; OR the spans over each piece. */
	bounds[nb++] = 0;
	bounds[nb++] = UINT64_MAX;
	for (size_t i = 0; i < ns; i++) {
		bounds[nb++] = spans[i].start;
		bounds[nb++] = spans[i].end;
	}
	qsort(bounds, nb, sizeof(bounds[0]), cmp_u64);

	map->n = 0;
	for (size_t b = 0; b + 1 < nb; b++) {
		uint64_t lo = bounds[b], hi = bounds[b + 1];
		unsigned perm = 0;

		if (lo == hi)
			continue;
		for (size_t i = 0; i < ns; i++)
			if (spans[i].start <= lo && hi <= spans[i].end)
				perm |= spans[i].perm;
		map_append(map, lo, hi, perm);
	}
	return 0;
}

/* Index of the region holding gpa (binary search). */
static size_t region_index(const struct memmap *map, uint64_t gpa)
{
	size_t lo = 0, hi = map->n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->r[mid].start <= gpa)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

unsigned memmap__perm(const struct memmap *map, uint64_t gpa)
{
	return map->n ? map->r[region_index(map, gpa)].perm : 0;
}

int memmap__uniform(const struct memmap *map, uint64_t start, uint64_t end, unsigned *perm)
{
	const struct mem_region *r;

	if (!map->n || end <= start)
		return 0;
	r = &map->r[region_index(map, start)];
	/* Neighbours always differ, so the block is uniform only inside one. */
	if (end - 1 >= r->end)
		return 0;
	*perm = r->perm;
	return 1;
}
