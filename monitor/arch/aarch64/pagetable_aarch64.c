// SPDX-License-Identifier: MIT
/*
 * aarch64 stage-1 identity translation tables from the arch-neutral memory
 * map: 4 KiB granule, 48-bit VA, the walk starts at level 0. No KVM here:
 * the unit tests check the descriptors it produces.
 */
#include <errno.h>
#include <string.h>

#include "aarch64.h"
#include "pagetable.h"

/* The pages whose descriptors do not follow the memory map. */
struct pt_special {
	hexo_gpa_t mmio;
	hexo_gpa_t vectors; /* 0: none */
};

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

struct a64_pt_ctx {
	const struct memmap *map;
	struct pt_special sp;
};

/* Level 0: 512 GiB per entry, 1: 1 GiB (block), 2: 2 MiB (block), 3: 4 KiB. */
static bool a64_leaf(const void *ctx, uint64_t start, uint64_t end, int level, uint64_t *entry)
{
	const struct a64_pt_ctx *c = ctx;
	const struct pt_special *sp = &c->sp;
	unsigned perm;

	if (level == 3) {
		*entry = page_desc(c->map, sp, start);
		return true;
	}
	if (contains(start, end, sp->mmio) || (sp->vectors && contains(start, end, sp->vectors)) ||
	    !memmap__uniform(c->map, start, end, &perm) || (perm && level < 1))
		return false;
	*entry = perm ? start | a64_pagetable__ram_attrs(perm) | A64_DESC_BLOCK : 0;
	return true;
}

static uint64_t a64_table(hexo_gpa_t child_gpa)
{
	return child_gpa | A64_DESC_TABLE;
}

int a64_pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size,
                         const struct memmap *map, hexo_gpa_t mmio_gpa, hexo_gpa_t vectors_gpa,
                         size_t *used)
{
	struct a64_pt_ctx ctx = {.map = map, .sp = {.mmio = mmio_gpa, .vectors = vectors_gpa}};
	struct pt_ops ops = {.leaf = a64_leaf, .table = a64_table, .ctx = &ctx};

	return pagetable__build(area, area_gpa, area_size, &ops, used);
}
