/* SPDX-License-Identifier: MIT */
/*
 * The exception vector table (VBAR_EL1, set by crt0.S). No interrupt is
 * ever unmasked and the kernel handles no exception, so every entry reports
 * a fault: it passes its number (0-15) and the syndrome registers to
 * aarch64_exception() on a fresh exception stack, which never returns:
 *
 *	x0 vector, x1 ESR_EL1, x2 ELR_EL1, x3 FAR_EL1, x4 SPSR_EL1,
 *	x5 the interrupted stack pointer (SP_EL0, or SP_EL1 for entries 4-7)
 *
 * Normal execution runs on SP_EL0 and an exception switches to SP_EL1 (the
 * exception stack below HEXO_EXC_STACK_TOP), so a stack overflow still lands
 * on a good stack. SP is reset to the top on every entry: a fault inside the
 * fault path (entries 4-7) halts in kernel_fault() anyway.
 */
#include <hexo/layout.h>

#include "aarch64.h"

	.macro	VECTOR n
	.balign	AARCH64_VEC_ENTRY_SIZE
	mov	x0, #\n
	b	aarch64_exc_common
	.endm

	.section .text.aarch64_vectors, "ax", %progbits
	.balign	AARCH64_VEC_ALIGN
	.globl	aarch64_vectors
	.type	aarch64_vectors, %function
aarch64_vectors:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	VECTOR	\n
	.endr
	.org	aarch64_vectors + 16 * AARCH64_VEC_ENTRY_SIZE

aarch64_exc_common:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	mrs	x4, spsr_el1
	/* The interrupted SP: SP_EL0, or SP_EL1 when SPSR.M[0] (SPSel) is set. */
	mrs	x5, sp_el0
	tbz	x4, #0, 1f
	mov	x5, sp
1:	movz	x6, #(HEXO_EXC_STACK_TOP >> 16), lsl #16
	mov	sp, x6
	/* End of the frame chain; x30 = the faulting PC for backtraces. */
	mov	x29, xzr
	mov	x30, x2
	bl	aarch64_exception
2:	wfi
	b	2b
	.size	aarch64_vectors, . - aarch64_vectors
