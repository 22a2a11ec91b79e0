// SPDX-License-Identifier: MIT
/*
 * Guest layout, per-page permissions and the x86-64 page tables built from
 * them (monitor/memmap.c, monitor/arch/x86_64/pagetable_x86_64.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <hexo/layout.h>

#include "memmap.h"
#include "x86_64.h"

#define MiB      (1ull << 20)
#define GiB      (1ull << 30)
#define AREA_GPA ((uint64_t)HEXO_PAGETABLE_GPA)

static _Alignas(4096) uint64_t area[HEXO_PAGETABLE_SIZE / 8];

/* Leaf bits for a permission, as the builder must produce them. */
#define LEAF  (X86_PTE_P | X86_PTE_US | X86_PTE_A | X86_PTE_D)
#define RW_NX (LEAF | X86_PTE_RW | X86_PTE_NX)
#define R_NX  (LEAF | X86_PTE_NX)
#define RX    (LEAF)
#define RWX   (LEAF | X86_PTE_RW)
#define TABLE (X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A)

/* The table an entry points to, as a pointer into area. */
static uint64_t *table_of(uint64_t entry)
{
	uint64_t gpa = entry & X86_PTE_ADDR;

	assert_true((entry & TABLE) == TABLE);
	assert_false(entry & X86_PTE_PS);
	assert_true(gpa >= AREA_GPA && gpa < AREA_GPA + sizeof(area));
	return &area[(gpa - AREA_GPA) / 8];
}

/* kernel text, kernel data+bss, app text, app data in 64 MiB. */
static const struct guest_segment small_segs[] = {
    {.gpa = 0x100000, .memsz = 0x1000, .filesz = 0x1000, .perm = MEM_RX},
    {.gpa = 0x101000, .memsz = 0x2000, .filesz = 0x100, .perm = MEM_RW},
    {.gpa = 0x1000000, .memsz = 0x2800, .filesz = 0x2800, .perm = MEM_RX},
    {.gpa = 0x1003000, .memsz = 0x1000, .filesz = 0x10, .perm = MEM_RW},
};

static void build_small(struct guest_layout *lay, struct memmap *map)
{
	char err[256];

	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, small_segs, 4, lay, err, sizeof(err)), 0);
	assert_int_equal(memmap__build(map, lay, small_segs, 4), 0);
}

static void test_layout_small(void **state)
{
	struct guest_layout lay;
	struct memmap map;

	(void)state;
	build_small(&lay, &map);
	assert_int_equal(lay.heap_start, 0x1004000);
	assert_int_equal(lay.stack_top, 64 * MiB);
	assert_int_equal(lay.stack_size, HEXO_STACK_DEFAULT);
	assert_int_equal(lay.heap_limit, 64 * MiB - HEXO_STACK_DEFAULT - 0x1000);
}

static void test_layout_errors(void **state)
{
	struct guest_layout lay;
	char err[256];
	struct guest_segment s = {.gpa = 0xff000, .memsz = 0x2000, .perm = MEM_RX};

	(void)state;
	/* In the reserved low area. */
	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, &s, 1, &lay, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "reserved low area"));
	/* Into the stack guard. */
	s.gpa = 64 * MiB - HEXO_STACK_DEFAULT - 0x2000;
	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, &s, 1, &lay, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "outside guest memory"));
	/* Ends exactly at the guard: fine, empty heap. */
	s.memsz = 0x1000;
	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, &s, 1, &lay, err, sizeof(err)), 0);
	assert_int_equal(lay.heap_start, lay.heap_limit);
	/* gpa + memsz wraps around. */
	s.gpa = 0x200000;
	s.memsz = UINT64_MAX - 0x1000;
	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, &s, 1, &lay, err, sizeof(err)), -EINVAL);
	/* Memory too small for the stack. */
	assert_int_equal(
	    layout__compute(8 * MiB, HEXO_STACK_DEFAULT, NULL, 0, &lay, err, sizeof(err)), -ENOMEM);
	/* Sizes not page multiples. */
	assert_int_equal(
	    layout__compute(64 * MiB + 1, HEXO_STACK_DEFAULT, NULL, 0, &lay, err, sizeof(err)),
	    -EINVAL);
	/* Empty segments are ignored wherever they claim to be. */
	s.gpa = 0;
	s.memsz = 0;
	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, &s, 1, &lay, err, sizeof(err)), 0);
	assert_int_equal(lay.heap_start, HEXO_KERNEL_BASE);
}

static void test_memmap_small(void **state)
{
	struct guest_layout lay;
	struct memmap map;
	unsigned perm;

	(void)state;
	build_small(&lay, &map);
	assert_int_equal(memmap__perm(&map, 0), 0);
	assert_int_equal(memmap__perm(&map, HEXO_BOOTINFO_GPA), MEM_RW);
	assert_int_equal(memmap__perm(&map, HEXO_ARGS_GPA), MEM_RW);
	assert_int_equal(memmap__perm(&map, HEXO_PAGETABLE_GPA), MEM_R);
	assert_int_equal(memmap__perm(&map, HEXO_EXC_STACK_GUARD), 0);
	assert_int_equal(memmap__perm(&map, HEXO_EXC_STACK_TOP - 1), MEM_RW);
	assert_int_equal(memmap__perm(&map, 0x100fff), MEM_RX);
	assert_int_equal(memmap__perm(&map, 0x102fff), MEM_RW);
	assert_int_equal(memmap__perm(&map, 0x103000), 0);
	assert_int_equal(memmap__perm(&map, 0x1002800), MEM_RX); /* rest of the page */
	assert_int_equal(memmap__perm(&map, lay.heap_start), MEM_RW);
	assert_int_equal(memmap__perm(&map, lay.heap_limit), 0);
	assert_int_equal(memmap__perm(&map, lay.heap_limit + 0x1000), MEM_RW);
	assert_int_equal(memmap__perm(&map, 64 * MiB - 1), MEM_RW);
	assert_int_equal(memmap__perm(&map, 64 * MiB), 0);
	assert_int_equal(memmap__perm(&map, UINT64_MAX - 1), 0);

	assert_true(memmap__uniform(&map, 4 * MiB, 6 * MiB, &perm));
	assert_int_equal(perm, 0);
	assert_true(memmap__uniform(&map, 18 * MiB, 20 * MiB, &perm));
	assert_int_equal(perm, MEM_RW);
	assert_false(memmap__uniform(&map, 0, 2 * MiB, &perm));
	assert_true(memmap__uniform(&map, 512 * GiB, 1024 * GiB, &perm));
	assert_int_equal(perm, 0);
	/* Neighbouring regions always differ. */
	for (size_t i = 1; i < map.n; i++) {
		assert_true(map.r[i].perm != map.r[i - 1].perm);
		assert_int_equal(map.r[i].start, map.r[i - 1].end);
	}
}

/* Text ends and data starts inside one page: the page gets both. */
static void build_shared_page(struct guest_layout *lay, struct memmap *map)
{
	static const struct guest_segment segs[] = {
	    {.gpa = 0x1000000, .memsz = 0x1800, .perm = MEM_RX},
	    {.gpa = 0x1001800, .memsz = 0x1000, .perm = MEM_RW},
	};
	char err[128];

	assert_int_equal(
	    layout__compute(64 * MiB, HEXO_STACK_DEFAULT, segs, 2, lay, err, sizeof(err)), 0);
	assert_int_equal(memmap__build(map, lay, segs, 2), 0);
}

static void test_memmap_shared_page(void **state)
{
	struct guest_layout lay;
	struct memmap map;

	(void)state;
	build_shared_page(&lay, &map);
	assert_int_equal(memmap__perm(&map, 0x1000000), MEM_RX);
	assert_int_equal(memmap__perm(&map, 0x1001000), MEM_RX | MEM_W);
	assert_int_equal(memmap__perm(&map, 0x1002000), MEM_RW);
	assert_int_equal(lay.heap_start, 0x1003000);
}

static void test_pagetable_small(void **state)
{
	struct guest_layout lay;
	struct memmap map;
	uint64_t *pdpt, *pd, *pt;
	size_t used;

	(void)state;
	build_small(&lay, &map);
	memset(area, 0xaa, sizeof(area));
	assert_int_equal(x86_pagetable__build(area, AREA_GPA, sizeof(area), &map, true, &used), 0);
	/* PML4, PDPT, PD, and 4 KiB tables for blocks 0, 8 (app) and 27 (guard). */
	assert_int_equal(used, 6 * 4096);

	for (int i = 1; i < 512; i++)
		assert_int_equal(area[i], 0);
	pdpt = table_of(area[0]);
	for (int i = 1; i < 512; i++)
		assert_int_equal(pdpt[i], 0);
	pd = table_of(pdpt[0]);

	/* Block 0: the boot area and the kernel. */
	pt = table_of(pd[0]);
	assert_int_equal(pt[0], 0);
	assert_int_equal(pt[1], 0x1000 | RW_NX);
	assert_int_equal(pt[HEXO_ARGS_GPA / 4096], HEXO_ARGS_GPA | RW_NX);
	assert_int_equal(pt[HEXO_PAGETABLE_GPA / 4096], HEXO_PAGETABLE_GPA | R_NX);
	assert_int_equal(pt[HEXO_EXC_STACK_GUARD / 4096], 0);
	assert_int_equal(pt[0xff], 0xff000 | RW_NX);
	assert_int_equal(pt[0x100], 0x100000 | RX);
	assert_int_equal(pt[0x101], 0x101000 | RW_NX);
	assert_int_equal(pt[0x102], 0x102000 | RW_NX);
	for (int i = 0x103; i < 512; i++)
		assert_int_equal(pt[i], 0);

	/* 2-16 MiB: nothing. */
	for (int i = 1; i < 8; i++)
		assert_int_equal(pd[i], 0);

	/* Block 8: app text, data, then the start of the heap. */
	pt = table_of(pd[8]);
	assert_int_equal(pt[0], 0x1000000 | RX);
	assert_int_equal(pt[2], 0x1002000 | RX);
	assert_int_equal(pt[3], 0x1003000 | RW_NX);
	assert_int_equal(pt[4], 0x1004000 | RW_NX);
	assert_int_equal(pt[511], 0x11ff000 | RW_NX);

	/* Heap in 2 MiB pages up to the block holding the stack guard. */
	for (uint64_t i = 9; i < 27; i++)
		assert_int_equal(pd[i], (i * 2 * MiB) | RW_NX | X86_PTE_PS);
	pt = table_of(pd[27]);
	assert_int_equal(pt[510], (lay.heap_limit - 0x1000) | RW_NX);
	assert_int_equal(pt[511], 0);
	/* The stack. */
	for (uint64_t i = 28; i < 32; i++)
		assert_int_equal(pd[i], (i * 2 * MiB) | RW_NX | X86_PTE_PS);
	for (int i = 32; i < 512; i++)
		assert_int_equal(pd[i], 0);
}

static void test_pagetable_exec_data_page(void **state)
{
	struct guest_layout lay;
	struct memmap map;
	size_t used;
	uint64_t *pt;

	(void)state;
	build_shared_page(&lay, &map);
	assert_int_equal(x86_pagetable__build(area, AREA_GPA, sizeof(area), &map, true, &used), 0);
	pt = table_of(table_of(table_of(area[0])[0])[8]);
	assert_int_equal(pt[0], 0x1000000 | RX);
	assert_int_equal(pt[1], 0x1001000 | RWX);
	assert_int_equal(pt[2], 0x1002000 | RW_NX);
}

static void build_big(uint64_t mem, struct memmap *map)
{
	struct guest_layout lay;
	char err[128];

	assert_int_equal(
	    layout__compute(mem, HEXO_STACK_DEFAULT, small_segs, 4, &lay, err, sizeof(err)), 0);
	assert_int_equal(memmap__build(map, &lay, small_segs, 4), 0);
}

static void test_pagetable_1g_pages(void **state)
{
	struct memmap map;
	uint64_t *pdpt;
	size_t used;

	(void)state;
	build_big(HEXO_MEM_MAX, &map);
	assert_int_equal(x86_pagetable__build(area, AREA_GPA, sizeof(area), &map, true, &used), 0);
	pdpt = table_of(area[0]);
	/* GiB 0 has the image; the heap fills GiB 1..254; the last one holds the
	 * guard and the stack. */
	table_of(pdpt[0]);
	for (uint64_t i = 1; i < 255; i++)
		assert_int_equal(pdpt[i], (i * GiB) | RW_NX | X86_PTE_PS);
	table_of(pdpt[255]);
	for (int i = 256; i < 512; i++)
		assert_int_equal(pdpt[i], 0);
	/* PML4, PDPT, 2 PDs, 3 PTs. */
	assert_int_equal(used, 7 * 4096);
}

static void test_pagetable_no_room(void **state)
{
	struct memmap map;
	size_t used;

	(void)state;
	/* 256 GiB in 2 MiB pages needs 256 page directories: too many. */
	build_big(HEXO_MEM_MAX, &map);
	assert_int_equal(x86_pagetable__build(area, AREA_GPA, sizeof(area), &map, false, &used),
	                 -ENOSPC);
	/* The default size needs few, with or without 1 GiB pages. */
	build_big(HEXO_MEM_DEFAULT, &map);
	assert_int_equal(x86_pagetable__build(area, AREA_GPA, sizeof(area), &map, false, &used), 0);
	assert_true(used <= 8 * 4096);
	/* Not even room for the root. */
	assert_int_equal(x86_pagetable__build(area, AREA_GPA, 4095, &map, true, &used), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_small),
	    cmocka_unit_test(test_layout_errors),
	    cmocka_unit_test(test_memmap_small),
	    cmocka_unit_test(test_memmap_shared_page),
	    cmocka_unit_test(test_pagetable_small),
	    cmocka_unit_test(test_pagetable_exec_data_page),
	    cmocka_unit_test(test_pagetable_1g_pages),
	    cmocka_unit_test(test_pagetable_no_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
