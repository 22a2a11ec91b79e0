/* SPDX-License-Identifier: MIT */
/*
 * Exception vectors 0-31, the only CPL0 code there is. Every gate uses IST1
 * (HEXO_EXC_STACK_TOP, set in the TSS by the monitor), so even a stack
 * overflow lands on a good stack; the gates themselves are in the linker
 * script (x86_idt, hexo.ld.S), and the monitor loads IDTR with them before
 * the first instruction. Each stub makes the frame uniform (error code 0
 * where the CPU pushes none) and pushes the vector. Then:
 *
 *  - a #GP raised at CPL3 by `outl %eax, %dx` or `hlt` is the kernel asking
 *    for a privileged instruction the CPU refused at CPL3 (`hlt` always;
 *    `outl` where neither IOPL nor the TSS I/O bitmap allows it: PVM hosts
 *    ignore IOPL, the bitmap opens only the hypercall ports): it is
 *    executed here and, for outl, the program resumes after it;
 *  - anything else is a fault: CR2 is added to the frame and x86_exception()
 *    is entered at CPL3, with the segments and RFLAGS the monitor starts the
 *    program with (x86.h), on this stack, with
 *
 *	CR2, vector, error code, RIP, CS, RFLAGS, RSP, SS  (struct x86_exc_frame)
 *
 *    It reports the fault and never returns.
 */
#include "x86.h"

	/* Exactly X86_EXC_STUB_SIZE bytes (.org fails if the code is longer). */
	.macro	EXC_STUB vec
1:	.if	((X86_EXC_ERRCODE_MASK >> \vec) & 1) == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	x86_exc_common
	.org	1b + X86_EXC_STUB_SIZE, 0xcc
	.endm

	.section .text.x86_exc, "ax", @progbits
	.balign	X86_EXC_STUB_SIZE
	.globl	x86_exc_stub_base
x86_exc_stub_base:
	.irp	vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_STUB \vec
	.endr

/* Stack: vector 0, error code 8, RIP 16, CS 24, RFLAGS 32, RSP 40, SS 48. */
x86_exc_common:
	cmpq	$X86_VEC_GP, (%rsp)
	jne	x86_exc_fault
	testb	$3, 24(%rsp)
	jz	x86_exc_fault
	pushq	%rcx
	movq	24(%rsp), %rcx
	movzbl	(%rcx), %ecx
	cmpl	$X86_OP_OUTL, %ecx
	je	x86_exc_outl
	cmpl	$X86_OP_HLT, %ecx
	je	x86_exc_hlt
	popq	%rcx
	jmp	x86_exc_fault

x86_exc_outl:
	popq	%rcx
	outl	%eax, %dx
	incq	16(%rsp)
	addq	$16, %rsp
	iretq

x86_exc_hlt:
	hlt
	jmp	x86_exc_hlt

x86_exc_fault:
	cld
	movq	%cr2, %rax
	pushq	%rax
	movq	%rsp, %rdi
	/* The handler's stack starts below the frame, aligned as after a call. */
	movq	%rsp, %rax
	andq	$-16, %rax
	subq	$8, %rax
	pushq	$X86_SEL_UDATA
	pushq	%rax
	pushq	$X86_RFLAGS_RUN
	pushq	$X86_SEL_UCODE
	leaq	x86_exception(%rip), %rax
	pushq	%rax
	iretq
