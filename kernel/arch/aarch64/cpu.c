// SPDX-License-Identifier: MIT
/*
 * aarch64 CPU hook: halting. The CPU set-up is all in crt0.S: FP/SIMD on
 * (CPACR_EL1), FPCR and FPSR at their defaults (round to nearest, no
 * flush-to-zero, no traps), VBAR_EL1.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"

/*
 * Only reached when the monitor resumed the vCPU after EXIT or FAULT, or on a
 * fault while reporting one. WFI alone would block the vCPU inside KVM for
 * ever (every interrupt is masked, and the monitor gives the guest no PSCI),
 * so first read slot 0 of the hypercall page: a read is never a hypercall,
 * so the monitor stops the guest with an error.
 */
_Noreturn void arch_halt(void)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]"
	                 : "=r"(v)
	                 : "r"((uintptr_t)HEXO_AARCH64_MMIO_BASE)
	                 : "memory");
	for (;;)
		__asm__ volatile("wfi");
}
