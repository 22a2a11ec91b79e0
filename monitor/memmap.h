/* SPDX-License-Identifier: MIT */
/*
 * The guest memory map, arch-neutral: where the image, heap and stack go
 * (layout.h plus the ELF's segments) and what each page may do. The arch code
 * turns a struct memmap into page tables. Pure logic, no KVM: unit-tested.
 */
#ifndef HEXO_MONITOR_MEMMAP_H
#define HEXO_MONITOR_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

/* Page permissions. 0 = not mapped. */
#define MEM_R  1u
#define MEM_W  2u
#define MEM_X  4u
#define MEM_RW (MEM_R | MEM_W)
#define MEM_RX (MEM_R | MEM_X)

#define MEMMAP_MAX_SEGMENTS 64
#define MEMMAP_MAX_REGIONS  (2 * MEMMAP_MAX_SEGMENTS + 16)

/* One PT_LOAD segment of the guest ELF. */
struct guest_segment {
	uint64_t gpa;    /* p_vaddr (= p_paddr: memory is identity-mapped) */
	uint64_t memsz;  /* bytes in memory */
	uint64_t filesz; /* bytes from the file; the rest is zero */
	uint64_t offset; /* in the ELF file */
	unsigned perm;   /* MEM_* from p_flags */
};

struct guest_layout {
	uint64_t mem_size;
	uint64_t heap_start; /* page after the highest segment */
	uint64_t heap_limit; /* = the stack guard page */
	uint64_t stack_top;  /* = mem_size */
	uint64_t stack_size;
};

/*
 * Places heap and stack in mem_size bytes and checks every segment lies in
 * [HEXO_KERNEL_BASE, heap_limit). On failure returns -EINVAL (segment in the
 * reserved area, or wraps) or -ENOMEM (does not fit) and writes a message
 * (no "hexo: " prefix) into err.
 */
int layout__compute(uint64_t mem_size, uint64_t stack_size, const struct guest_segment *segs,
                    size_t n, struct guest_layout *lay, char *err, size_t errlen);

/* [start, end) with one permission; the regions of a map are sorted,
 * disjoint, cover [0, UINT64_MAX) and neighbours differ in perm. */
struct mem_region {
	uint64_t start;
	uint64_t end;
	unsigned perm;
};

struct memmap {
	size_t n;
	struct mem_region r[MEMMAP_MAX_REGIONS];
};

/*
 * Per-page permissions of the whole guest: page 0 and both guard pages
 * unmapped; boot area, args, exception stack, heap, stack RW; page tables
 * R; every segment's pages as its p_flags say (a page shared by two segments
 * gets both permissions). Returns 0 or -E2BIG (too many segments).
 */
int memmap__build(struct memmap *map, const struct guest_layout *lay,
                  const struct guest_segment *segs, size_t n);

/* The permission of the page holding gpa. */
unsigned memmap__perm(const struct memmap *map, uint64_t gpa);

/* 1 and *perm set when every page of [start, end) has the same permission. */
int memmap__uniform(const struct memmap *map, uint64_t start, uint64_t end, unsigned *perm);

#endif
