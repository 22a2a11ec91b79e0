// SPDX-License-Identifier: MIT
/*
 * x86-64 identity page tables from the arch-neutral memory map. No KVM here:
 * the unit tests check the entries it produces.
 */
#include <errno.h>
#include <string.h>

#include "x86_64.h"

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

static int pt_fill(struct pt_alloc *a, uint64_t *table, uint64_t base, int level,
                   const struct memmap *map, bool gbpages)
{
	unsigned shift = 12 + 9 * (unsigned)(level - 1);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t start = base + ((uint64_t)i << shift);
		uint64_t end = start + (1ull << shift);
		uint64_t *child;
		hexo_gpa_t child_gpa;
		unsigned perm;
		int ret;

		if (memmap__uniform(map, start, end, &perm) &&
		    (perm == 0 || leaf_allowed(level, gbpages))) {
			table[i] = perm ? leaf_entry(start, perm, level) : 0;
			continue;
		}
		child = pt_new(a, &child_gpa);
		if (!child)
			return -ENOSPC;
		table[i] = child_gpa | X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A;
		ret = pt_fill(a, child, start, level - 1, map, gbpages);
		if (ret)
			return ret;
	}
	return 0;
}

int x86_pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size,
                         const struct memmap *map, bool gbpages, size_t *used)
{
	struct pt_alloc a = {.host = area, .gpa = area_gpa, .size = area_size};
	hexo_gpa_t root_gpa;
	uint64_t *root;
	int ret;

	root = pt_new(&a, &root_gpa);
	if (!root)
		return -ENOSPC;
	ret = pt_fill(&a, root, 0, 4, map, gbpages);
	*used = a.used;
	return ret;
}
