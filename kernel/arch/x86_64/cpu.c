// SPDX-License-Identifier: MIT
/*
 * x86-64 CPU hooks that run in the program's context after the entry code:
 * set-up, and halting.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"

/*
 * The monitor did everything before the first instruction: CR0/CR4 (SSE,
 * XSAVE), XCR0, GDT, IDT, TSS, EFER, and FCW = 0x37f, MXCSR = 0x1f80 (all
 * exceptions masked, round to nearest).
 */
void arch_cpu_init(const struct hexo_boot_info *bi)
{
	(void)bi;
}

/* At CPL3 `hlt` traps to exc.S, which halts at CPL0. Interrupts stay off. */
_Noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}
