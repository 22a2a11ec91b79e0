// SPDX-License-Identifier: MIT
/*
 * x86-64 identity page tables from the arch-neutral memory map. No KVM here:
 * the unit tests check the entries it produces.
 */
#include <errno.h>
#include <string.h>

#include "pagetable.h"
#include "x86_64.h"

/* level 4 = PML4 (512 GiB per entry), 3 = PDPT (1 GiB), 2 = PD (2 MiB), 1 = PT. */
static bool leaf_allowed(int level, bool gbpages)
{
	return level == 1 || level == 2 || (level == 3 && gbpages);
}

static uint64_t leaf_entry(uint64_t addr, unsigned perm, int level)
{
	/*
	 * Every page is user-accessible: the kernel drops the app to CPL3
	 * (see kernel/README.md: nested PVM hosts emulate CPL0 code).
	 */
	uint64_t e = addr | X86_PTE_P | X86_PTE_US | X86_PTE_A | X86_PTE_D;

	if (perm & MEM_W)
		e |= X86_PTE_RW;
	if (!(perm & MEM_X))
		e |= X86_PTE_NX;
	if (level > 1)
		e |= X86_PTE_PS;
	return e;
}

struct x86_pt_ctx {
	const struct memmap *map;
	bool gbpages;
};

static bool x86_leaf(const void *ctx, uint64_t start, uint64_t end, int depth, uint64_t *entry)
{
	const struct x86_pt_ctx *c = ctx;
	int level = PT_DEPTHS - depth; /* x86 numbering: 4 = PML4 ... 1 = PT */
	unsigned perm;

	if (!memmap__uniform(c->map, start, end, &perm) ||
	    (perm && !leaf_allowed(level, c->gbpages)))
		return false;
	*entry = perm ? leaf_entry(start, perm, level) : 0;
	return true;
}

static uint64_t x86_table(hexo_gpa_t child_gpa)
{
	return child_gpa | X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A;
}

int x86_pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size,
                         const struct memmap *map, bool gbpages, size_t *used)
{
	struct x86_pt_ctx ctx = {.map = map, .gbpages = gbpages};
	struct pt_ops ops = {.leaf = x86_leaf, .table = x86_table, .ctx = &ctx};

	return pagetable__build(area, area_gpa, area_size, &ops, used);
}
