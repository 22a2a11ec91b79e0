/* SPDX-License-Identifier: MIT */
/*
 * Linker script of an x86-64 hexo guest (preprocessed with the C
 * preprocessor into build/lib/hexo/x86_64/hexo.ld).
 *
 * Two regions (include/hexo/layout.h):
 *  - the kernel, at HEXO_KERNEL_BASE: crt0.o and the members of
 *    libhexokernel.a, never migrated. Its .bss holds the hypercall argument
 *    structs, so it must end below 4 GiB (checked below).
 *  - the app, at HEXO_APP_BASE: everything else (program, newlib, builtins).
 * Each region is text, rodata, data+bss, every part starting on its own page
 * with its own PT_LOAD, so the monitor maps text RX, rodata R, data RW-NX.
 * After the app comes the shadow stack (common.ld.h), a seventh PT_LOAD, RW
 * with no file bytes.
 *
 * .eh_frame (ISA-specific unwind tables, no pointer in app data refers to
 * them) goes to the kernel's read-only part, keeping debuggers and unwinders
 * working without putting per-ISA data into the app's common address space.
 * .init_array/.fini_array are resolved at link time and stay read-only.
 * Thread-local storage is not supported. .bss is not cleared at run time:
 * the monitor loads PT_LOAD segments with their zero fill. The IDT (x86_idt)
 * is built here: a gate splits its handler's address into fields, which only
 * the linker can fill in at build time. It opens the kernel's text at
 * HEXO_X86_IDT_GPA (layout.h), where the monitor points IDTR before the
 * first instruction (the guest never runs `lidt`); the CPU only reads it.
 */
#include <hexo/layout.h>


#include "x86.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
#include "segments.ld.h"

/*
 * One IDT gate (x86.h): handler bits 0-15, code selector, IST, type, bits
 * 16-31, bits 32-63, reserved. Vector `v`'s stub is X86_EXC_STUB_SIZE * v
 * bytes after x86_exc_stub_base (exc.S).
 */
#define IDT_GATE(h)                                                                            \
	SHORT((h) & 0xffff) SHORT(X86_SEL_KCODE) BYTE(X86_IDT_IST_EXC) BYTE(X86_IDT_GATE_INTR)  \
	SHORT(((h) >> 16) & 0xffff) LONG(((h) >> 32) & 0xffffffff) LONG(0)
#define IDT_STUB(v) IDT_GATE(x86_exc_stub_base + X86_EXC_STUB_SIZE * (v))


SECTIONS
{
	. = HEXO_KERNEL_BASE;
	__kernel_start = .;

	.kidt : {
		x86_idt = .;
		IDT_STUB(0) IDT_STUB(1) IDT_STUB(2) IDT_STUB(3) IDT_STUB(4) IDT_STUB(5)
		IDT_STUB(6) IDT_STUB(7) IDT_STUB(8) IDT_STUB(9) IDT_STUB(10) IDT_STUB(11)
		IDT_STUB(12) IDT_STUB(13) IDT_STUB(14) IDT_STUB(15) IDT_STUB(16) IDT_STUB(17)
		IDT_STUB(18) IDT_STUB(19) IDT_STUB(20) IDT_STUB(21) IDT_STUB(22) IDT_STUB(23)
		IDT_STUB(24) IDT_STUB(25) IDT_STUB(26) IDT_STUB(27) IDT_STUB(28) IDT_STUB(29)
		IDT_STUB(30) IDT_STUB(31)
		ASSERT(x86_idt == HEXO_X86_IDT_GPA, "hexo: the IDT must be at HEXO_X86_IDT_GPA")
		ASSERT(. - x86_idt == 16 * X86_NR_EXC && . - x86_idt == HEXO_X86_IDT_SIZE,
		       "hexo: IDT size")
	} :ktext
	.ktext : {
		KEEP(*crt0.o(.text._start))
		KEEP(*libhexokernel.a:*(.text.x86_exc))
		KERNEL_INPUT(.text .text.*)
	} :ktext

#include "common.ld.h"
}
