// SPDX-License-Identifier: MIT
/*
 * x86-64 CPU hook: halting. There is no CPU set-up to do: the monitor did
 * it all before the first instruction (CR0/CR4 (SSE, XSAVE), XCR0, GDT,
 * IDT, TSS, EFER, and FCW = 0x37f, MXCSR = 0x1f80: all exceptions masked,
 * round to nearest).
 */
#include "arch.h"

/* At CPL3 `hlt` traps to exc.S, which halts at CPL0. Interrupts stay off. */
_Noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}
