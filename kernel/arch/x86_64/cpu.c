// SPDX-License-Identifier: MIT
/*
 * x86-64 CPU hooks that run in the program's context after the entry code:
 * FPU and SSE control defaults, and halting.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"
#include "x86.h"

#define MXCSR_DEFAULT 0x1f80 /* all exceptions masked, round to nearest */
#define FCW_DEFAULT   0x037f /* all exceptions masked, 64-bit precision */

/* CR0, CR4, XCR0, GDT and IDT were set at CPL0 (cpl0.c). */
void arch_cpu_init(const struct hexo_boot_info *bi)
{
	uint32_t mxcsr = MXCSR_DEFAULT;
	uint16_t fcw = FCW_DEFAULT;

	(void)bi;
	__asm__ volatile("fninit\n\t"
	                 "fldcw %0\n\t"
	                 "ldmxcsr %1"
	                 :
	                 : "m"(fcw), "m"(mxcsr));
}

/* At CPL3 `hlt` traps to exc.S, which halts at CPL0. Interrupts stay off. */
_Noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}
