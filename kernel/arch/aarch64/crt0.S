/* SPDX-License-Identifier: MIT */
/*
 * aarch64 entry. The monitor starts the vCPU here at EL1h with the MMU and
 * caches on, DAIF masked, X0 = boot info address and SP_EL1 = the exception
 * stack (docs/design.md, "Boot (aarch64)"). _start reads the virtual counter,
 * makes FP/SIMD usable with default controls, installs the vector table,
 * unmasks SError, moves normal execution to SP_EL0 = boot_info.stack_top
 * (exceptions keep SP_EL1, so they always have a good stack) and calls
 * kernel_main(boot info, t_entry). Nothing here touches the MMU set-up.
 */
#include "aarch64.h"

	.section .text._start, "ax", %progbits
	.globl	_start
	.type	_start, %function
_start:
	/* t_entry: the counter at the first kernel instruction. */
	isb
	mrs	x19, cntvct_el0
	mov	x20, x0

	/* FP/SIMD (the monitor enables it too; C code may use it anywhere). */
	mrs	x1, cpacr_el1
	orr	x1, x1, #AARCH64_CPACR_FPEN
	msr	cpacr_el1, x1
	adrp	x1, aarch64_vectors
	add	x1, x1, :lo12:aarch64_vectors
	msr	vbar_el1, x1
	isb
	/*
	 * Unmask SError: one the hypervisor injects is reported as a fault
	 * instead of staying pending for ever. IRQ, FIQ and debug stay masked.
	 */
	msr	daifclr, #4
	/* Round to nearest, no flush-to-zero, default NaN off, no traps. */
	msr	fpcr, xzr
	msr	fpsr, xzr

	/*
	 * SP_EL0 = stack_top. With a damaged boot info stay on SP_EL1:
	 * kernel_main reports it (and exits 125) from there.
	 */
	ldr	w1, [x20, #AARCH64_BI_MAGIC]
	movz	w2, #(AARCH64_BOOT_MAGIC & 0xffff)
	movk	w2, #(AARCH64_BOOT_MAGIC >> 16), lsl #16
	cmp	w1, w2
	b.ne	1f
	ldr	x1, [x20, #AARCH64_BI_STACK_TOP]
	and	x1, x1, #~15
	msr	spsel, #0
	mov	sp, x1

1:	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x20
	mov	x1, x19
	bl	kernel_main
2:	wfi
	b	2b
	.size	_start, . - _start
