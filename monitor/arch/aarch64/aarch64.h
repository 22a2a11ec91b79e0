/* SPDX-License-Identifier: MIT */
/*
 * aarch64 internals of the monitor (monitor/arch/aarch64/), shared between
 * its files and the unit tests. The generic side sees only monitor/arch.h.
 * Pure definitions and logic: no KVM, so the unit tests build it on any host.
 */
#ifndef HEXO_MONITOR_AARCH64_H
#define HEXO_MONITOR_AARCH64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>
#include <hexo/layout.h>

#include "memmap.h"

/*
 * Stage-1 translation table descriptors, 4 KiB granule (Arm ARM D8.3).
 * Levels 0-3: an entry maps 512 GiB, 1 GiB, 2 MiB, 4 KiB; blocks exist at
 * levels 1 and 2 only, level 3 holds pages.
 */
#define A64_DESC_VALID        (1ull << 0)
#define A64_DESC_TABLE        (3ull << 0) /* levels 0-2: next-level table */
#define A64_DESC_BLOCK        (1ull << 0) /* levels 1-2 */
#define A64_DESC_PAGE         (3ull << 0) /* level 3 */
#define A64_DESC_TYPE         (3ull << 0)
#define A64_DESC_ATTRIDX(i)   ((uint64_t)(i) << 2) /* MAIR_EL1 attribute index */
#define A64_DESC_ATTRIDX_MASK (7ull << 2)
#define A64_DESC_AP_RO        (1ull << 7) /* AP[2]: read-only (AP[1] = 0: no EL0 access) */
#define A64_DESC_AP_EL0       (1ull << 6) /* AP[1]: EL0 access (never set by hexo) */
#define A64_DESC_SH_INNER     (3ull << 8)
#define A64_DESC_SH_MASK      (3ull << 8)
#define A64_DESC_AF           (1ull << 10) /* access flag: no access-flag faults */
#define A64_DESC_NG           (1ull << 11)
#define A64_DESC_PXN          (1ull << 53) /* EL1 may not execute */
#define A64_DESC_UXN          (1ull << 54) /* EL0 may not execute */
#define A64_DESC_ADDR         0x0000fffffffff000ull

/* MAIR_EL1 attribute indexes and the register value (docs/design.md). */
#define A64_ATTR_NORMAL 0 /* 0xff: Normal, inner/outer write-back RA/WA */
#define A64_ATTR_DEVICE 1 /* 0x04: Device-nGnRE */
#define A64_MAIR_EL1    0x04ffull

/*
 * The hypercall page: device memory outside RAM, where the guest's 64-bit
 * stores to HEXO_AARCH64_MMIO_BASE + nr * 8 exit to the monitor.
 */
#define A64_MMIO_PAGE  ((uint64_t)HEXO_AARCH64_MMIO_BASE)
#define A64_MMIO_SLOTS (HEXO_PAGE_SIZE / 8) /* hypercall numbers the page can carry */

/*
 * Fallback exception vectors: the last page of the page-table area, mapped
 * read-only and executable. VBAR_EL1 points there until the kernel installs
 * its own table, so a fault in the first instructions becomes a crash report
 * (HEXO_HC_FAULT) instead of an endless loop of exceptions at VBAR_EL1 = 0.
 * Their hexo_hc_fault struct goes just below the top of the exception stack.
 */
#define A64_VECTORS_GPA       (HEXO_PAGETABLE_GPA + HEXO_PAGETABLE_SIZE - HEXO_PAGE_SIZE)
#define A64_TABLES_SIZE       (HEXO_PAGETABLE_SIZE - HEXO_PAGE_SIZE)
#define A64_VECTORS_FAULT_GPA (HEXO_EXC_STACK_TOP - 64)

/* Their code (vectors_aarch64.c, in aarch64 builds only). */
extern const unsigned char a64_early_vectors[], a64_early_vectors_end[];

/*
 * Builds 4-level identity translation tables (TTBR0_EL1, 48-bit VA, walk
 * from level 0) for map into area (area_size bytes at guest address
 * area_gpa; the level-0 table is its first page):
 *  - a range with one permission throughout becomes a 1 GiB or 2 MiB block,
 *    or stays invalid (perm 0); other ranges get a table one level down,
 *    down to 4 KiB pages;
 *  - RAM: Normal write-back (attribute A64_ATTR_NORMAL), inner shareable,
 *    AF; read-only unless MEM_W; UXN always, PXN unless MEM_X;
 *  - the page at mmio_gpa: Device-nGnRE (A64_ATTR_DEVICE), read-write,
 *    UXN and PXN, whatever map says there;
 *  - the page at vectors_gpa (0: none): read-only, executable (PXN clear),
 *    whatever map says there.
 * Table descriptors carry no restrictions (the leaf decides).
 * Returns 0 and the bytes used, or -ENOSPC when the tables need more than
 * area_size.
 */
int a64_pagetable__build(void *area, hexo_gpa_t area_gpa, size_t area_size,
                         const struct memmap *map, hexo_gpa_t mmio_gpa, hexo_gpa_t vectors_gpa,
                         size_t *used);

/* The leaf descriptor bits (all but the output address and the type) for
 * RAM with permission perm (MEM_*, not 0). */
uint64_t a64_pagetable__ram_attrs(unsigned perm);

/* ESR_EL1 fields. */
#define A64_ESR_EC(esr)  ((uint32_t)((esr) >> 26) & 0x3f)
#define A64_ESR_ISS(esr) ((uint32_t)(esr)&0x1ffffff)
#define A64_ESR_IL       (1u << 25)

/* Exception classes hexo names (Arm ARM D17.2.37). */
#define A64_EC_UNKNOWN     0x00
#define A64_EC_WFX         0x01
#define A64_EC_FP_ACCESS   0x07
#define A64_EC_BTI         0x0d
#define A64_EC_ILLEGAL     0x0e
#define A64_EC_SVC64       0x15
#define A64_EC_HVC64       0x16
#define A64_EC_SMC64       0x17
#define A64_EC_SYSREG      0x18
#define A64_EC_SVE         0x19
#define A64_EC_FPAC        0x1c
#define A64_EC_IABT_LOW    0x20
#define A64_EC_IABT_CUR    0x21
#define A64_EC_PC_ALIGN    0x22
#define A64_EC_DABT_LOW    0x24
#define A64_EC_DABT_CUR    0x25
#define A64_EC_SP_ALIGN    0x26
#define A64_EC_FP_EXC64    0x2c
#define A64_EC_SERROR      0x2f
#define A64_EC_BREAKPT_LOW 0x30
#define A64_EC_BREAKPT_CUR 0x31
#define A64_EC_SOFTSTP_LOW 0x32
#define A64_EC_SOFTSTP_CUR 0x33
#define A64_EC_WATCHPT_LOW 0x34
#define A64_EC_WATCHPT_CUR 0x35
#define A64_EC_BRK64       0x3c

/* Data/instruction abort ISS bits. */
#define A64_ISS_FSC(iss) ((iss)&0x3f)
#define A64_ISS_WNR      (1u << 6)
#define A64_ISS_S1PTW    (1u << 7)
#define A64_ISS_CM       (1u << 8)
#define A64_ISS_FNV      (1u << 10)

#endif
