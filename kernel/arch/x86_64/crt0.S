/* SPDX-License-Identifier: MIT */
/*
 * x86-64 entry. The monitor starts the vCPU here in 64-bit long mode at CPL0,
 * paging on, interrupts off, with RDI = boot info address and RSP = stack_top
 * (include/hexo/abi.h). _start reads the TSC, lets x86_cpl0_init() set the
 * CPU up, enters the run context it chose (CPL3, or CPL0 when memory is not
 * user-accessible) with iretq, and calls kernel_main(boot info, t_entry).
 */
#include "x86.h"

	.section .text._start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	/* t_entry: the TSC at the first kernel instruction. */
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	movq	%rdx, %r12
	movq	%rdi, %r13
	cld
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	call	x86_cpl0_init

	/* iretq to 1f with the CS, SS and RFLAGS of x86_run, same stack. */
	movq	%rsp, %rax
	pushq	x86_run + X86_RUN_SS(%rip)
	pushq	%rax
	pushq	x86_run + X86_RUN_RFLAGS(%rip)
	pushq	x86_run + X86_RUN_CS(%rip)
	leaq	1f(%rip), %rax
	pushq	%rax
	iretq

1:	movq	%r13, %rdi
	movq	%r12, %rsi
	call	kernel_main
2:	hlt
	jmp	2b
	.size	_start, . - _start
