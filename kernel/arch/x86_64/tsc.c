// SPDX-License-Identifier: MIT
/*
 * The clock counter: the TSC, whose rate the monitor measured
 * (boot_info.clock_hz). The TSC is invariant on the hosts hexo runs on.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"

uint64_t arch_counter_read(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t arch_counter_hz(const struct hexo_boot_info *bi)
{
	return bi->clock_hz;
}
