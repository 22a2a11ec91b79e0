/* SPDX-License-Identifier: MIT */
/*
 * The part of the guest linker script every ISA shares, included by
 * kernel/arch/<isa>/hexo.ld.S after its kernel text: the kernel's read-only
 * data and data, the app region (text, rodata, data, bss at HEXO_APP_BASE,
 * one segment each), the shadow stack, and what is refused or dropped.
 * Needs from the includer: <hexo/layout.h>, KERNEL_INPUT() and the
 * PHDRS names krodata, kdata, text, rodata, data, shadow.
 */
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
