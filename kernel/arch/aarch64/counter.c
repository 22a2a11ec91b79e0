// SPDX-License-Identifier: MIT
/*
 * The clock counter: the generic timer's virtual count (CNTVCT_EL0) at the
 * rate in CNTFRQ_EL0, which firmware (here: KVM) sets for the whole system.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"

uint64_t arch_counter_read(void)
{
	uint64_t v;

	/* isb: the read is not taken early, ahead of the code it measures. */
	__asm__ volatile("isb\n\t"
	                 "mrs %0, cntvct_el0"
	                 : "=r"(v)
	                 :
	                 : "memory");
	return v;
}

uint64_t arch_counter_hz(const struct hexo_boot_info *bi)
{
	uint64_t hz;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
	return hz ? hz : bi->clock_hz;
}
