// SPDX-License-Identifier: MIT
/*
 * The aarch64 stage-1 translation tables built from the memory map
 * (monitor/arch/aarch64/pagetable_aarch64.c) and the crash-report text of
 * aarch64 faults (fault_aarch64.c). Pure logic: runs on any host.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <hexo/layout.h>

#include "arch.h"
#include "arch/aarch64/aarch64.h"
#include "memmap.h"

#define KiB      (1ull << 10)
#define MiB      (1ull << 20)
#define GiB      (1ull << 30)
#define AREA_GPA ((uint64_t)HEXO_PAGETABLE_GPA)

static _Alignas(4096) uint64_t area[A64_TABLES_SIZE / 8];
static size_t area_used;

/* Bits every RAM leaf has, whatever its permission. */
#define RAM_COMMON                                                                                 \
	(A64_DESC_ATTRIDX(A64_ATTR_NORMAL) | A64_DESC_SH_INNER | A64_DESC_AF | A64_DESC_UXN)
#define RW_DATA (RAM_COMMON | A64_DESC_PXN)
#define RO_DATA (RAM_COMMON | A64_DESC_PXN | A64_DESC_AP_RO)
#define RO_CODE (RAM_COMMON | A64_DESC_AP_RO)
#define RW_CODE (RAM_COMMON)
#define DEVICE                                                                                     \
	(A64_DESC_ATTRIDX(A64_ATTR_DEVICE) | A64_DESC_SH_INNER | A64_DESC_AF | A64_DESC_UXN |      \
	 A64_DESC_PXN)
#define ATTR_MASK (~A64_DESC_ADDR & ~A64_DESC_TYPE)

/* kernel text, kernel data+bss, app text, app data. */
static const struct guest_segment small_segs[] = {
    {.gpa = 0x100000, .memsz = 0x1000, .filesz = 0x1000, .perm = MEM_RX},
    {.gpa = 0x101000, .memsz = 0x2000, .filesz = 0x100, .perm = MEM_RW},
    {.gpa = 0x1000000, .memsz = 0x2800, .filesz = 0x2800, .perm = MEM_RX},
    {.gpa = 0x1003000, .memsz = 0x1000, .filesz = 0x10, .perm = MEM_RW},
};

static void build(uint64_t mem, struct guest_layout *lay, struct memmap *map)
{
	char err[256];

	assert_int_equal(
	    layout__compute(mem, HEXO_STACK_DEFAULT, small_segs, 4, lay, err, sizeof(err)), 0);
	assert_int_equal(memmap__build(map, lay, small_segs, 4), 0);
	memset(area, 0xa5, sizeof(area)); /* tables must be fully written */
	assert_int_equal(a64_pagetable__build(area, AREA_GPA, sizeof(area), map, A64_MMIO_PAGE,
	                                      A64_VECTORS_GPA, &area_used),
	                 0);
	assert_true(area_used > 0 && area_used % 4096 == 0 && area_used <= sizeof(area));
}

/* The table a table descriptor points to, checked to lie in the used area. */
static const uint64_t *table_of(uint64_t desc)
{
	uint64_t gpa = desc & A64_DESC_ADDR;

	assert_int_equal(desc & ~A64_DESC_ADDR, A64_DESC_TABLE); /* no table attributes */
	assert_true(gpa >= AREA_GPA && gpa < AREA_GPA + area_used);
	assert_int_equal(gpa % 4096, 0);
	return &area[(gpa - AREA_GPA) / 8];
}

/*
 * Walks the tables for va as the MMU would: returns the leaf descriptor (0
 * when a level has an invalid entry) and the level it was found at.
 */
static uint64_t walk(uint64_t va, int *level)
{
	const uint64_t *table = area;

	for (int l = 0; l <= 3; l++) {
		unsigned shift = 12 + 9 * (unsigned)(3 - l);
		uint64_t d = table[(va >> shift) & 511];

		*level = l;
		if (!(d & A64_DESC_VALID))
			return 0;
		if (l == 3) {
			assert_int_equal(d & A64_DESC_TYPE, A64_DESC_PAGE);
			return d;
		}
		if ((d & A64_DESC_TYPE) == A64_DESC_BLOCK) {
			assert_true(l == 1 || l == 2); /* no level-0 blocks with 4 KiB */
			return d;
		}
		table = table_of(d);
	}
	return 0;
}

/* The leaf for va has these attributes, at this level, identity-mapped. */
static void check_leaf(uint64_t va, uint64_t attrs, int want_level)
{
	int level;
	uint64_t d = walk(va, &level);
	uint64_t size = 1ull << (12 + 9 * (3 - level));

	assert_true(d & A64_DESC_VALID);
	assert_int_equal(d & ATTR_MASK, attrs);
	assert_int_equal(d & A64_DESC_ADDR, va & ~(size - 1));
	if (want_level >= 0)
		assert_int_equal(level, want_level);
}

static void check_unmapped(uint64_t va)
{
	int level;

	assert_int_equal(walk(va, &level), 0);
}

static void test_ram_attrs(void **state)
{
	(void)state;
	assert_int_equal(a64_pagetable__ram_attrs(MEM_RW), RW_DATA);
	assert_int_equal(a64_pagetable__ram_attrs(MEM_R), RO_DATA);
	assert_int_equal(a64_pagetable__ram_attrs(MEM_RX), RO_CODE);
	assert_int_equal(a64_pagetable__ram_attrs(MEM_RW | MEM_X), RW_CODE);
	/* Never EL0-accessible, never global-off. */
	assert_false(a64_pagetable__ram_attrs(MEM_RW) & (A64_DESC_AP_EL0 | A64_DESC_NG));
	/* The MAIR value of the contract: attr0 Normal WB RA/WA, attr1 Device-nGnRE. */
	assert_int_equal(A64_MAIR_EL1 & 0xff, 0xff);
	assert_int_equal((A64_MAIR_EL1 >> 8) & 0xff, 0x04);
}

static void test_small_map(void **state)
{
	struct guest_layout lay;
	struct memmap map;

	(void)state;
	build(64 * MiB, &lay, &map);

	check_unmapped(0);
	check_unmapped(0xfff);
	check_leaf(HEXO_BOOTINFO_GPA, RW_DATA, 3);
	check_leaf(HEXO_ARGS_GPA, RW_DATA, 3);
	check_leaf(HEXO_ARGS_GPA + HEXO_ARGS_SIZE - 1, RW_DATA, 3);
	check_leaf(HEXO_PAGETABLE_GPA, RO_DATA, 3);
	check_leaf(A64_VECTORS_GPA - 1, RO_DATA, 3);
	check_leaf(A64_VECTORS_GPA, RO_CODE, 3); /* fallback vectors: executable */
	check_leaf(A64_VECTORS_GPA + 0xfff, RO_CODE, 3);
	check_unmapped(HEXO_EXC_STACK_GUARD);
	check_leaf(HEXO_EXC_STACK_GUARD + 0x1000, RW_DATA, 3);
	check_leaf(HEXO_EXC_STACK_TOP - 8, RW_DATA, 3);
	check_leaf(0x100000, RO_CODE, 3);
	check_leaf(0x101000, RW_DATA, 3);
	check_leaf(0x102fff, RW_DATA, 3);
	check_unmapped(0x103000);
	check_unmapped(0x1ff000);
	check_unmapped(0x200000); /* 2-16 MiB: invalid at level 2 */
	check_unmapped(0xfff000);
	check_leaf(0x1000000, RO_CODE, 3);
	check_leaf(0x1002800, RO_CODE, 3); /* rest of the last text page */
	check_leaf(0x1003000, RW_DATA, 3);
	check_leaf(lay.heap_start, RW_DATA, 3);
	check_leaf(18 * MiB, RW_DATA, 2); /* uniform heap: 2 MiB blocks */
	check_leaf(lay.heap_limit - 1, RW_DATA, 3);
	check_unmapped(lay.heap_limit);
	check_leaf(lay.heap_limit + 0x1000, RW_DATA, 2); /* the stack: 56-64 MiB */
	check_leaf(lay.stack_top - 2 * MiB, RW_DATA, 2);
	check_leaf(lay.stack_top - 8, RW_DATA, 2);
	check_unmapped(lay.stack_top);
	check_unmapped(1 * GiB);
	check_unmapped(256 * GiB);

	/* The hypercall page: one device page, nothing around it. */
	check_leaf(A64_MMIO_PAGE, DEVICE, 3);
	check_leaf(A64_MMIO_PAGE + 8 * HEXO_HC_MAX, DEVICE, 3);
	check_unmapped(A64_MMIO_PAGE - 0x1000);
	check_unmapped(A64_MMIO_PAGE + 0x1000);
	check_unmapped(A64_MMIO_PAGE + 2 * MiB);
	check_unmapped(A64_MMIO_PAGE + 1 * GiB);
	check_unmapped((1ull << 48) - 0x1000);

	/*
	 * Level 0 table, level 1 for GiB 0, level 2 for the first GiB, level 3
	 * for 0-2 MiB, 16-18 MiB and the heap limit; 3 tables for the MMIO page.
	 */
	assert_int_equal(area_used, 9 * 4096);
}

/* Every page of memory (and a bit past it) maps as the memory map says. */
static void test_every_page_matches_map(void **state)
{
	struct guest_layout lay;
	struct memmap map;

	(void)state;
	build(64 * MiB, &lay, &map);
	for (uint64_t va = 0; va < lay.mem_size + 4 * MiB; va += 4096) {
		unsigned perm = memmap__perm(&map, va);

		if (va == A64_VECTORS_GPA)
			perm = MEM_RX;
		if (perm)
			check_leaf(va, a64_pagetable__ram_attrs(perm), -1);
		else
			check_unmapped(va);
	}
}

static void test_large_memory_uses_gib_blocks(void **state)
{
	struct guest_layout lay;
	struct memmap map;

	(void)state;
	build(HEXO_MEM_MAX, &lay, &map);
	check_leaf(1 * GiB, RW_DATA, 1);
	check_leaf(100 * GiB + 12345, RW_DATA, 1);
	check_leaf(HEXO_MEM_MAX - 2 * GiB, RW_DATA, 1);
	check_leaf(HEXO_MEM_MAX - 8, RW_DATA, 2); /* the last GiB holds the stack guard */
	check_unmapped(lay.heap_limit);
	check_unmapped(HEXO_MEM_MAX);
	check_leaf(A64_MMIO_PAGE, DEVICE, 3);
	/* As for 64 MiB, plus a level-2 table for the last GiB (which holds the
	 * stack guard's level-3 table); every other GiB is one block. */
	assert_int_equal(area_used, 10 * 4096);
}

/* A size that is no multiple of 2 MiB ends exactly at its last page. */
static void test_odd_size(void **state)
{
	struct guest_layout lay;
	struct memmap map;
	uint64_t mem = 3 * GiB + 5 * MiB + 12 * KiB;

	(void)state;
	build(mem, &lay, &map);
	check_leaf(mem - 4096, RW_DATA, 3);
	check_unmapped(mem);
	check_leaf(1 * GiB, RW_DATA, 1);
	check_unmapped(lay.heap_limit); /* 3 GiB - 3 MiB + 8 KiB */
	check_leaf(3 * GiB, RW_DATA, 2);
}

static void test_no_space(void **state)
{
	struct guest_layout lay;
	struct memmap map;
	size_t used;

	(void)state;
	build(64 * MiB, &lay, &map);
	assert_int_equal(a64_pagetable__build(area, AREA_GPA, 8 * 4096, &map, A64_MMIO_PAGE,
	                                      A64_VECTORS_GPA, &used),
	                 -ENOSPC);
	assert_int_equal(
	    a64_pagetable__build(area, AREA_GPA, 0, &map, A64_MMIO_PAGE, A64_VECTORS_GPA, &used),
	    -ENOSPC);
}

/* Without fallback vectors the page is as the map says (read-only data). */
static void test_no_vectors(void **state)
{
	struct guest_layout lay;
	struct memmap map;

	(void)state;
	build(64 * MiB, &lay, &map);
	assert_int_equal(
	    a64_pagetable__build(area, AREA_GPA, sizeof(area), &map, A64_MMIO_PAGE, 0, &area_used),
	    0);
	check_leaf(A64_VECTORS_GPA, RO_DATA, 3);
	check_unmapped(0);
}

/* ------------------------------------------------------------ fault text -- */

static uint64_t esr(uint32_t ec, uint32_t iss)
{
	return ((uint64_t)ec << 26) | A64_ESR_IL | iss;
}

static struct arch_fault_text describe(uint32_t ec, uint32_t iss)
{
	struct hexo_hc_fault f = {
	    .kind = HEXO_FAULT_AARCH64_EC,
	    .vector = ec,
	    .pc = 0x1000040,
	    .addr = 0x1234,
	    .error_code = esr(ec, iss),
	};
	struct arch_fault_text t;

	memset(&t, 0x55, sizeof(t));
	arch__describe_fault(&f, &t);
	assert_non_null(memchr(t.name, '\0', sizeof(t.name)));
	assert_non_null(memchr(t.error, '\0', sizeof(t.error)));
	return t;
}

#define assert_has(s, sub) assert_non_null(strstr((s), (sub)))

static void test_fault_data_aborts(void **state)
{
	struct arch_fault_text t;

	(void)state;
	/* Write to a read-only page: permission fault, level 3. */
	t = describe(A64_EC_DABT_CUR, A64_ISS_WNR | 0x0f);
	assert_string_equal(t.name, "data abort (page fault)");
	assert_has(t.error, "0x9600004f");
	assert_has(t.error, "write");
	assert_has(t.error, "permission fault (protection violation) at level 3");
	assert_true(t.has_addr);

	/* Read of an unmapped address, level 1. */
	t = describe(A64_EC_DABT_CUR, 0x05);
	assert_has(t.error, "(read, translation fault at level 1: address not mapped)");
	assert_true(t.has_addr);

	/* Alignment fault: a data abort, not a page fault. */
	t = describe(A64_EC_DABT_CUR, 0x21);
	assert_string_equal(t.name, "data abort");
	assert_has(t.error, "alignment fault");

	/* FAR not valid: no address. */
	t = describe(A64_EC_DABT_CUR, A64_ISS_FNV | 0x10);
	assert_has(t.error, "synchronous external abort");
	assert_has(t.error, "fault address not valid");
	assert_false(t.has_addr);

	/* From EL0, on a table walk, cache maintenance. */
	t = describe(A64_EC_DABT_LOW, A64_ISS_S1PTW | A64_ISS_CM | 0x07);
	assert_string_equal(t.name, "data abort from EL0 (page fault)");
	assert_has(t.error, "cache maintenance");
	assert_has(t.error, "on a translation table walk");
	assert_has(t.error, "translation fault at level 3");
}

static void test_fault_instruction_aborts(void **state)
{
	struct arch_fault_text t;

	(void)state;
	/* Execute from a PXN page (the data-abort WnR bit means nothing here). */
	t = describe(A64_EC_IABT_CUR, 0x0e);
	assert_string_equal(t.name, "instruction abort (page fault)");
	assert_has(t.error,
	           "(instruction fetch, permission fault (protection violation) at level 2)");
	assert_true(t.has_addr);

	t = describe(A64_EC_IABT_CUR, 0x04);
	assert_has(t.error, "instruction fetch, translation fault at level 0");
	t = describe(A64_EC_IABT_CUR, 0x09);
	assert_has(t.error, "access flag fault at level 1");
	t = describe(A64_EC_IABT_CUR, 0x02);
	assert_has(t.error, "address size fault at level 2");
	t = describe(A64_EC_IABT_CUR, 0x3f);
	assert_has(t.error, "fault status code 0x3f");
}

static void test_fault_other_classes(void **state)
{
	struct arch_fault_text t;

	(void)state;
	t = describe(A64_EC_BRK64, 0x3e8);
	assert_string_equal(t.name, "BRK instruction (trap: __builtin_trap())");
	assert_string_equal(t.error, "ESR 0xf20003e8 (brk #0x3e8)");
	assert_false(t.has_addr);
	t = describe(A64_EC_BRK64, 0x5503); /* hexocc's division-by-zero check */
	assert_has(t.name, "integer divide by zero");
	t = describe(A64_EC_BRK64, 0x5516);
	assert_has(t.name, "undefined-behaviour check");
	t = describe(A64_EC_BRK64, 0x1); /* clang's __builtin_trap() */
	assert_has(t.name, "__builtin_trap()");
	t = describe(A64_EC_BRK64, 0x7);
	assert_string_equal(t.name, "BRK instruction (breakpoint)");
	assert_has(t.error, "brk #0x7");

	/* Interrupts have no syndrome: the kernel's pseudo-classes. */
	t = describe(HEXO_AARCH64_FAULT_IRQ, 0);
	assert_string_equal(t.name, "unexpected IRQ (interrupts are masked)");
	assert_string_equal(t.error, "");
	assert_false(t.has_addr);
	t = describe(HEXO_AARCH64_FAULT_FIQ, 0);
	assert_has(t.name, "FIQ");

	t = describe(A64_EC_UNKNOWN, 0);
	assert_has(t.name, "undefined instruction");
	assert_string_equal(t.error, "ESR 0x02000000");
	assert_false(t.has_addr);

	t = describe(A64_EC_SP_ALIGN, 0);
	assert_string_equal(t.name, "SP alignment fault");
	assert_false(t.has_addr);
	t = describe(A64_EC_PC_ALIGN, 0);
	assert_string_equal(t.name, "PC alignment fault");
	assert_true(t.has_addr); /* FAR_EL1 holds the PC */
	t = describe(A64_EC_SVC64, 0);
	assert_has(t.name, "SVC");
	t = describe(A64_EC_FP_ACCESS, 0);
	assert_has(t.name, "FP/SIMD");
	t = describe(A64_EC_SYSREG, 0);
	assert_has(t.name, "system register");
	t = describe(A64_EC_ILLEGAL, 0);
	assert_has(t.name, "illegal execution state");
	t = describe(A64_EC_WATCHPT_CUR, 0);
	assert_true(t.has_addr);
	t = describe(0x3f, 0);
	assert_string_equal(t.name, "exception class 0x3f");
}

static void test_fault_other_kind(void **state)
{
	struct hexo_hc_fault f = {
	    .kind = HEXO_FAULT_X86_VECTOR | HEXO_FAULT_STACK_OVERFLOW,
	    .vector = 14,
	    .error_code = 6,
	};
	struct arch_fault_text t;

	(void)state;
	arch__describe_fault(&f, &t);
	assert_string_equal(t.name, "fault kind 1, vector 14");
	assert_string_equal(t.error, "0x6");

	/* The stack-overflow flag does not hide the class. */
	f.kind = HEXO_FAULT_AARCH64_EC | HEXO_FAULT_STACK_OVERFLOW;
	f.vector = A64_EC_DABT_CUR;
	f.error_code = esr(A64_EC_DABT_CUR, A64_ISS_WNR | 0x07);
	arch__describe_fault(&f, &t);
	assert_string_equal(t.name, "data abort (page fault)");
	assert_true(t.has_addr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ram_attrs),
	    cmocka_unit_test(test_small_map),
	    cmocka_unit_test(test_every_page_matches_map),
	    cmocka_unit_test(test_large_memory_uses_gib_blocks),
	    cmocka_unit_test(test_odd_size),
	    cmocka_unit_test(test_no_space),
	    cmocka_unit_test(test_no_vectors),
	    cmocka_unit_test(test_fault_data_aborts),
	    cmocka_unit_test(test_fault_instruction_aborts),
	    cmocka_unit_test(test_fault_other_classes),
	    cmocka_unit_test(test_fault_other_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
