/* SPDX-License-Identifier: MIT */
/*
 * x86-64 definitions shared by the entry code, the CPL0 set-up and the
 * exception vectors of kernel/arch/x86_64. The constants are usable from
 * assembly.
 */
#ifndef HEXO_KERNEL_X86_H
#define HEXO_KERNEL_X86_H

#define X86_CR0_MP (1 << 1)
#define X86_CR0_EM (1 << 2)
#define X86_CR0_TS (1 << 3)
#define X86_CR0_NE (1 << 5)
#define X86_CR0_WP (1 << 16)

#define X86_CR4_OSFXSR     (1 << 9)
#define X86_CR4_OSXMMEXCPT (1 << 10)
#define X86_CR4_OSXSAVE    (1 << 18)

#define X86_RFLAGS_FIXED 0x2    /* bit 1 always reads 1 */
#define X86_RFLAGS_IOPL3 0x3000 /* CPL3 may use in/out (honoured by VMX/SVM) */

/*
 * The kernel's GDT (cpl0.c). 0x08, 0x10 and 0x18 match the monitor's GDT, so
 * loading it changes no live selector; 0x28/0x30 are the CPL3 segments.
 */
#define X86_SEL_KCODE 0x08
#define X86_SEL_KDATA 0x10
#define X86_SEL_TSS   0x18
#define X86_SEL_UCODE 0x2b /* 0x28 | RPL 3 */
#define X86_SEL_UDATA 0x33 /* 0x30 | RPL 3 */

/*
 * The IDT: vectors 0-31, interrupt gates (present, DPL 0) on IST1, to stubs
 * of X86_EXC_STUB_SIZE bytes each from x86_exc_stub_base (exc.S). Built by
 * the linker script (hexo.ld.S), the only place the split handler address is
 * a build-time constant.
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

/* struct x86_run_ctx field offsets, for exc.S. */
#define X86_RUN_CS     0
#define X86_RUN_SS     8
#define X86_RUN_RFLAGS 16

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Where the program runs after the entry code: the state crt0.S and exc.S iretq to. */
struct x86_run_ctx {
	uint64_t cs;
	uint64_t ss;
	uint64_t rflags;
};
_Static_assert(__builtin_offsetof(struct x86_run_ctx, cs) == X86_RUN_CS, "exc.S offsets");
_Static_assert(__builtin_offsetof(struct x86_run_ctx, ss) == X86_RUN_SS, "exc.S offsets");
_Static_assert(__builtin_offsetof(struct x86_run_ctx, rflags) == X86_RUN_RFLAGS, "exc.S offsets");

extern struct x86_run_ctx x86_run;

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

struct hexo_boot_info;

/* CPL0 set-up (cpl0.c); sets x86_run to the CPL3 or the CPL0 context. */
void x86_cpl0_init(const struct hexo_boot_info *bi);

_Noreturn void x86_exception(const struct x86_exc_frame *f);

struct x86_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct x86_cpuid x86_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct x86_cpuid r;

	__asm__ volatile("cpuid"
	                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
	                 : "a"(leaf), "c"(subleaf));
	return r;
}
#endif /* __ASSEMBLER__ */

#endif /* HEXO_KERNEL_X86_H */
