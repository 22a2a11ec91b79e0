// SPDX-License-Identifier: MIT
/*
 * Unhandled exceptions: every one is reported to the monitor, which prints a
 * crash report and ends the job with status 139. Nothing here returns.
 */
#include <stdint.h>

#include <hexo/abi.h>
#include <hexo/layout.h>

#include "arch.h"
#include "hypercall.h"
#include "kernel.h"

/*
 * The unmapped page just below the stack. An access there, or a stack pointer
 * inside it, means the stack overflowed. (A frame larger than a page can jump
 * over the guard into the heap; apps built without stack probes cannot be
 * told apart from a wild pointer then.)
 */
static int in_stack_guard(const struct hexo_boot_info *bi, uint64_t a)
{
	uint64_t bottom = bi->stack_top - bi->stack_size;

	return a >= bottom - HEXO_PAGE_SIZE && a < bottom;
}

_Noreturn void kernel_fault(const struct hexo_hc_fault *f)
{
	static int faulting;
	const struct hexo_boot_info *bi = kernel_boot_info;
	struct hexo_hc_fault report = *f;

	/* A fault while reporting one: the exception stack is being reused. */
	if (faulting)
		arch_halt();
	faulting = 1;

	if (bi && (in_stack_guard(bi, f->addr) || in_stack_guard(bi, f->sp)))
		report.kind |= HEXO_FAULT_STACK_OVERFLOW;
	hc_fault(&report);
}
