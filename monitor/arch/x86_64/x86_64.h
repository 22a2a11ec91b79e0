/* SPDX-License-Identifier: MIT */
/*
 * x86-64 internals of the monitor (monitor/arch/x86_64/), shared between its
 * files and the unit tests. The generic side sees only monitor/arch.h.
 */
#ifndef HEXO_MONITOR_X86_64_H
#define HEXO_MONITOR_X86_64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>

#include "memmap.h"

/* Page-table entry bits. */
#define X86_PTE_P    (1ull << 0)
#define X86_PTE_RW   (1ull << 1)
#define X86_PTE_US   (1ull << 2)
#define X86_PTE_US   (1ull << 2)
#define X86_PTE_A    (1ull << 5)
#define X86_PTE_D    (1ull << 6)
#define X86_PTE_PS   (1ull << 7)
#define X86_PTE_NX   (1ull << 63)
#define X86_PTE_ADDR 0x000ffffffffff000ull

/*
 * Builds 4-level identity page tables for map into area (area_size bytes,
 * at guest address area_gpa; the root PML4 is its first page). A block that
 * has one permission throughout becomes a 1 GiB page (when gbpages), a
 * 2 MiB page, or is left unmapped; other blocks get a table one level down.
 * Intermediate entries are P|RW|US (the leaf decides); leaves have A and D
 * set, NX unless MEM_X, RW when MEM_W.
 *
 * Every entry is user-accessible (U/S): the kernel and the app are one
 * program, the VM is the isolation boundary, and the kernel runs its code at
 * CPL3 when it can (kernel/README.md: on PVM-based KVM hosts, CPL0 code is
 * emulated instruction by instruction, CPL3 code runs natively). Without
 * SMEP/SMAP (CR4 leaves them off) CPL0 code is unaffected.
 * Returns 0 and the bytes used, or -ENOSPC when the tables need more than
 * area_size.
 */
int x86_pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size,
                         const struct memmap *map, bool gbpages, size_t *used);

#endif
