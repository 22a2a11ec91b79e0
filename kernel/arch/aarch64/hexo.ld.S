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
 * After the app comes the shadow stack (common.ld.h), a seventh PT_LOAD, RW
 * with no file bytes.
 * .eh_frame goes to the kernel's read-only part (per-ISA data outside the
 * app's common address space). .init_array/.fini_array are resolved at link
 * time and stay read-only. Thread-local storage is not supported. .bss is not
 * cleared at run time: the monitor loads PT_LOAD segments with their zero
 * fill. The vector table (vectors.S) comes right after _start; its section
 * asks for the 2 KiB alignment VBAR_EL1 needs.
 */
#include <hexo/layout.h>


#include "aarch64.h"

OUTPUT_FORMAT("elf64-littleaarch64")
OUTPUT_ARCH(aarch64)
#include "segments.ld.h"

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

#include "common.ld.h"
}
