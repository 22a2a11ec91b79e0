/* SPDX-License-Identifier: MIT */
/*
 * x86-64 entry. The monitor starts the vCPU here with the CPU fully set up
 * (docs/design.md, "Boot (x86-64)"): 64-bit long mode at CPL3, paging on,
 * interrupts off and DF clear, SSE (and AVX where CPUID offers it) enabled,
 * the IDT, GDT and TSS loaded, with RDI = boot info address and
 * RSP = stack_top (include/hexo/abi.h). There
 * is nothing privileged left to do: _start reads the TSC and calls
 * kernel_main(boot info, t_entry). No instruction here runs at CPL0, so on
 * PVM hosts (where CPL0 code is emulated) the kernel starts natively.
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
	movq	%rdx, %rsi
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	call	kernel_main
	ud2
	.size	_start, . - _start
