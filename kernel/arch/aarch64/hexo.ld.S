/* SPDX-License-Identifier: MIT */
/*
 * Linker script of an aarch64 hexo guest (preprocessed with the C
 * preprocessor into build/lib/hexo/aarch64/hexo.ld). The same layout rules
 * as the x86-64 script (kernel/arch/x86_64/hexo.ld.S):
 *
 *  - the kernel, at HEXO_KERNEL_BASE: crt0.o and the members of
 *    libhexokernel.a, never migrated. Its .bss holds the hypercall argument
 *    structs and must end below 4 GiB (the ABI keeps that rule on every ISA).
 *  - the app, at HEXO_APP_BASE: everything else (program, newlib, libgcc).
 *
 * Each region is text, rodata, data+bss, every part starting on its own page
 * with its own PT_LOAD, so the monitor maps text RX, rodata R, data RW-NX.
 * .eh_frame goes to the kernel's read-only part (per-ISA data outside the
 * app's common address space). .init_array/.fini_array are resolved at link
 * time and stay read-only. Thread-local storage is not supported. .bss is not
 * cleared at run time: the monitor loads PT_LOAD segments with their zero
 * fill. The vector table (vectors.S) comes right after _start; its section
 * asks for the 2 KiB alignment VBAR_EL1 needs.
 */
#include <hexo/layout.h>

/* Bytes reserved for the shadow stack (docs/layout.md). */
#define HEXO_SHADOW_STACK_SIZE 0x400000

#include "aarch64.h"

OUTPUT_FORMAT("elf64-littleaarch64")
OUTPUT_ARCH(aarch64)
ENTRY(_start)

PHDRS
{
	ktext PT_LOAD FLAGS(5);		/* R X */
	krodata PT_LOAD FLAGS(4);	/* R */
	kdata PT_LOAD FLAGS(6);		/* R W */
	text PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data PT_LOAD FLAGS(6);
	shadow PT_LOAD FLAGS(6);	/* R W, no file bytes */
}

/* Input sections `sects` of the kernel's own objects. */
#define KERNEL_INPUT(sects) *crt0.o(sects) *libhexokernel.a:*(sects)

SECTIONS
{
	. = HEXO_KERNEL_BASE;
	__kernel_start = .;

	.ktext : {
		KEEP(*crt0.o(.text._start))
		KEEP(*libhexokernel.a:*(.text.aarch64_vectors))
		KERNEL_INPUT(.text .text.*)
	} :ktext
	ASSERT(aarch64_vectors % AARCH64_VEC_ALIGN == 0, "hexo: VBAR_EL1 needs a 2 KiB aligned table")

	. = ALIGN(HEXO_PAGE_SIZE);
	.krodata : {
		KERNEL_INPUT(.rodata .rodata.* .data.rel.ro .data.rel.ro.*)
	} :krodata
	.eh_frame : {
		KEEP(*(.eh_frame))
	} :krodata

	. = ALIGN(HEXO_PAGE_SIZE);
	.kdata : {
		KERNEL_INPUT(.data .data.*)
	} :kdata
	.kbss (NOLOAD) : {
		KERNEL_INPUT(.bss .bss.* COMMON)
	} :kdata
	. = ALIGN(HEXO_PAGE_SIZE);
	__kernel_end = .;

	ASSERT(__kernel_end <= HEXO_KERNEL_LIMIT, "hexo: the kernel outgrew its region")
	ASSERT(__kernel_end <= 0x100000000, "hexo: kernel .bss must sit below 4 GiB")

	. = HEXO_APP_BASE;
	__app_start = .;

	.text : {
		*(.text.unlikely .text.unlikely.*)
		*(.text.startup .text.startup.*)
		*(.text.hot .text.hot.*)
		*(.text .text.*)
	} :text
	__app_text_end = .;

	. = ALIGN(HEXO_PAGE_SIZE);
	.rodata : {
		*(.rodata .rodata.*)
	} :rodata
	.preinit_array : {
		__preinit_array_start = .;
		KEEP(*(.preinit_array))
		__preinit_array_end = .;
	} :rodata
	.init_array : {
		__init_array_start = .;
		KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*)))
		KEEP(*(.init_array))
		__init_array_end = .;
	} :rodata
	.fini_array : {
		__fini_array_start = .;
		KEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*)))
		KEEP(*(.fini_array))
		__fini_array_end = .;
	} :rodata
	.data.rel.ro : {
		*(.data.rel.ro.local .data.rel.ro.local.*)
		*(.data.rel.ro .data.rel.ro.*)
	} :rodata

	. = ALIGN(HEXO_PAGE_SIZE);
	__app_data_start = .;
	.data : {
		*(.data .data.*)
	} :data
	.got : {
		*(.got .got.plt)
	} :data
	_edata = .;
	.bss (NOLOAD) : {
		__bss_start = .;
		*(.bss .bss.* COMMON)
		__bss_end = .;
	} :data
	. = ALIGN(HEXO_PAGE_SIZE);
	_end = .;
	__app_end = .;

	/*
	 * The shadow stack (docs/layout.md): HEXO_SHADOW_STACK_SIZE bytes right
	 * after the app image, its own RW segment with no file bytes, so the
	 * monitor maps it and starts the heap after it. hexocc links every ISA
	 * with --defsym=__hexo_common_end=<the largest app end of all ISAs>, so
	 * the shadow stack and the heap start at the same address on every ISA.
	 */
	. = DEFINED(__hexo_common_end) ? MAX(., __hexo_common_end) : .;
	.hexo_shadow_stack (NOLOAD) : {
		__hexo_shadow_stack_start = .;
		. += HEXO_SHADOW_STACK_SIZE;
		__hexo_shadow_stack_end = .;
	} :shadow
	ASSERT(__hexo_shadow_stack_start % HEXO_PAGE_SIZE == 0, "hexo: shadow stack alignment")

	.tdata : { *(.tdata .tdata.*) }
	.tbss : { *(.tbss .tbss.*) }
	ASSERT(SIZEOF(.tdata) == 0 && SIZEOF(.tbss) == 0, "hexo: thread-local storage is not supported")

	/* Debug sections are kept (not loaded); the rest is dropped. */
	/DISCARD/ : {
		*(.comment)
		*(.note .note.*)
	}
}
