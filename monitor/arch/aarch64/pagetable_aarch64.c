// SPDX-License-Identifier: MIT
/*
 * aarch64 stage-1 identity translation tables from the arch-neutral memory
 * map: 4 KiB granule, 48-bit VA, the walk starts at level 0. No KVM here:
 * the unit tests check the descriptors it produces.
 */
#include <errno.h>
#include <string.h>

#include "aarch64.h"

#define PT_ENTRIES 512
#define PT_BYTES   4096u

struct pt_alloc {
	uint8_t *host;
	hexo_gpa_t gpa;
	size_t size;
	size_t used;
};

/* The pages whose descriptors do not follow the memory map. */
struct pt_special {
	hexo_gpa_t mmio;
	hexo_gpa_t vectors; /* 0: none */
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

uint64_t a64_pagetable__ram_attrs(unsigned perm)
{
	uint64_t d =
	    A64_DESC_ATTRIDX(A64_ATTR_NORMAL) | A64_DESC_SH_INNER | A64_DESC_AF | A64_DESC_UXN;

	if (!(perm & MEM_W))
		d |= A64_DESC_AP_RO;
	if (!(perm & MEM_X))
		d |= A64_DESC_PXN;
	return d;
}

static uint64_t device_attrs(void)
{
	return A64_DESC_ATTRIDX(A64_ATTR_DEVICE) | A64_DESC_SH_INNER | A64_DESC_AF | A64_DESC_UXN |
	       A64_DESC_PXN;
}

/* Level 0: 512 GiB per entry, 1: 1 GiB, 2: 2 MiB, 3: 4 KiB. */
static unsigned level_shift(int level)
{
	return 12 + 9 * (unsigned)(3 - level);
}

static bool contains(uint64_t start, uint64_t end, hexo_gpa_t page)
{
	return page >= start && page < end;
}

/* The descriptor of the 4 KiB page at addr (level 3). */
static uint64_t page_desc(const struct memmap *map, const struct pt_special *sp, uint64_t addr)
{
	unsigned perm = memmap__perm(map, addr);

	if (addr == sp->mmio)
		return addr | device_attrs() | A64_DESC_PAGE;
	if (sp->vectors && addr == sp->vectors)
		return addr | a64_pagetable__ram_attrs(MEM_RX) | A64_DESC_PAGE;
	return perm ? addr | a64_pagetable__ram_attrs(perm) | A64_DESC_PAGE : 0;
}

static int pt_fill(struct pt_alloc *a, uint64_t *table, uint64_t base, int level,
                   const struct memmap *map, const struct pt_special *sp)
{
	unsigned shift = level_shift(level);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t start = base + ((uint64_t)i << shift);
		uint64_t end = start + (1ull << shift);
		uint64_t *child;
		hexo_gpa_t child_gpa;
		unsigned perm;
		int ret;

		if (level == 3) {
			table[i] = page_desc(map, sp, start);
			continue;
		}
		if (!contains(start, end, sp->mmio) &&
		    !(sp->vectors && contains(start, end, sp->vectors)) &&
		    memmap__uniform(map, start, end, &perm) && (perm == 0 || level >= 1)) {
			table[i] =
			    perm ? start | a64_pagetable__ram_attrs(perm) | A64_DESC_BLOCK : 0;
			continue;
		}
		child = pt_new(a, &child_gpa);
		if (!child)
			return -ENOSPC;
		table[i] = child_gpa | A64_DESC_TABLE;
		ret = pt_fill(a, child, start, level + 1, map, sp);
		if (ret)
			return ret;
	}
	return 0;
}

int a64_pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size,
                         const struct memmap *map, hexo_gpa_t mmio_gpa, hexo_gpa_t vectors_gpa,
                         size_t *used)
{
	struct pt_alloc a = {.host = area, .gpa = area_gpa, .size = area_size};
	struct pt_special sp = {.mmio = mmio_gpa, .vectors = vectors_gpa};
	hexo_gpa_t root_gpa;
	uint64_t *root;
	int ret;

	root = pt_new(&a, &root_gpa);
	if (!root)
		return -ENOSPC;
	ret = pt_fill(&a, root, 0, 0, map, &sp);
	*used = a.used;
	return ret;
}
