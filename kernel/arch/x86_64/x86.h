/* SPDX-License-Identifier: MIT */
/*
 * x86-64 definitions shared by the entry code and the exception vectors of
 * kernel/arch/x86_64. The constants are usable from assembly.
 */
#ifndef HEXO_KERNEL_X86_H
#define HEXO_KERNEL_X86_H

/*
 * The CPU state the monitor starts the program in (monitor/arch/x86_64,
 * docs/design.md "Boot (x86-64)"), which exc.S re-enters to report a fault:
 * the monitor's GDT at HEXO_X86_GDT_GPA has 0x08/0x10 CPL0 code/data,
 * 0x18 the TSS, 0x28/0x30 CPL3 code/data; the program runs on the latter
 * with RFLAGS = IOPL 3, interrupts off.
 */
#define X86_SEL_KCODE  0x08
#define X86_SEL_UCODE  0x2b /* 0x28 | RPL 3 */
#define X86_SEL_UDATA  0x33 /* 0x30 | RPL 3 */
#define X86_RFLAGS_RUN 0x3002 /* IOPL 3, bit 1 (always 1) */

/*
 * The IDT: vectors 0-31, interrupt gates (present, DPL 0) on IST1, to stubs
 * of X86_EXC_STUB_SIZE bytes each from x86_exc_stub_base (exc.S). Built by
 * the linker script (hexo.ld.S) at HEXO_X86_IDT_GPA, the only place the
 * split handler address is a build-time constant.
 */
#define X86_IDT_GATE_INTR 0x8e
#define X86_IDT_IST_EXC   1 /* TSS IST1 = HEXO_EXC_STACK_TOP */
#define X86_EXC_STUB_SIZE 16

/* Vectors with an error code pushed by the CPU: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
#define X86_EXC_ERRCODE_MASK 0x60227d00
#define X86_VEC_GP           13
#define X86_VEC_PF           14
#define X86_NR_EXC           32

/* Opcodes the #GP handler executes for CPL3 code (exc.S). */
#define X86_OP_OUTL 0xef /* outl %eax, %dx */
#define X86_OP_HLT  0xf4

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The frame exc.S hands to x86_exception(), lowest address first. */
struct x86_exc_frame {
	uint64_t cr2;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

_Noreturn void x86_exception(const struct x86_exc_frame *f);
#endif /* __ASSEMBLER__ */

#endif /* HEXO_KERNEL_X86_H */
