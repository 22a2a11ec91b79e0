/* SPDX-License-Identifier: MIT */
/*
 * The identity page-table builder both ISAs share: a 4-level radix tree of
 * 512-entry, 4 KiB tables (x86-64 PML4..PT, aarch64 levels 0..3 with a
 * 4 KiB granule). The arch says what one entry is; this walks the address
 * space, makes a leaf where the arch accepts one and a table below where
 * not. Pure logic, no KVM: unit-tested through both arches' builders.
 */
#ifndef HEXO_MONITOR_PAGETABLE_H
#define HEXO_MONITOR_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>

/* depth 0 = root (512 GiB an entry), 1 = 1 GiB, 2 = 2 MiB, 3 = 4 KiB. */
#define PT_DEPTHS 4

struct pt_ops {
	/*
	 * The entry covering [start, end) at `depth`, when one entry can map it
	 * (a block or page, or 0 for nothing mapped): returns true and sets
	 * *entry. Returns false to split it into a table one depth lower; at
	 * depth PT_DEPTHS - 1 it must return true.
	 */
	bool (*leaf)(const void *ctx, uint64_t start, uint64_t end, int depth, uint64_t *entry);
	/* The entry that points to the table at child_gpa. */
	uint64_t (*table)(hexo_gpa_t child_gpa);
	const void *ctx;
};

/*
 * Builds the tables in `area` (host pointer to area_size bytes at guest
 * address area_gpa), root first, at area_gpa. Returns 0, or -ENOSPC when
 * they do not fit; *used is the bytes taken either way.
 */
int pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size, const struct pt_ops *ops,
                     size_t *used);

#endif
