// SPDX-License-Identifier: MIT
/*
 * Time from the arch clock counter (x86-64: TSC at boot_info.clock_hz).
 *
 * CLOCK_MONOTONIC counts from the kernel's first instruction (a restored job
 * adds its CLOCK_MONOTONIC at the checkpoint); CLOCK_REALTIME is the
 * monitor's wall clock at start (boot_info.wall_ns) plus the time elapsed
 * since the first instruction. Conversions are exact integer arithmetic, so readings are
 * reproducible and never step backwards.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"
#include "kernel.h"

#define NSEC_PER_SEC 1000000000ull

/* Rates above this would overflow the remainder product below. */
#define CLOCK_HZ_MAX 18000000000ull
_Static_assert(CLOCK_HZ_MAX - 1 <= UINT64_MAX / NSEC_PER_SEC, "clock rate bound");

static struct {
	uint64_t base;   /* counter value at the kernel's first instruction */
	uint64_t hz;     /* counter rate */
	int64_t wall_ns; /* CLOCK_REALTIME at `base` */
	uint64_t mono_offset; /* a restored job's CLOCK_MONOTONIC at its checkpoint */
} clock;

void clock_init(const struct hexo_boot_info *bi, uint64_t t_entry)
{
	uint64_t hz = arch_counter_hz(bi);

	/* A missing or absurd rate: count nanoseconds as if at 1 GHz. */
	if (hz == 0 || hz > CLOCK_HZ_MAX)
		hz = NSEC_PER_SEC;
	clock.base = t_entry;
	clock.hz = hz;
	clock.wall_ns = bi->wall_ns;
	/* CLOCK_MONOTONIC goes on from the checkpoint: never backwards. */
	clock.mono_offset = bi->restore ? bi->restore_mono_ns : 0;
}

/* ticks * 1e9 / hz without overflow: split off whole seconds first. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
	return ticks / clock.hz * NSEC_PER_SEC + ticks % clock.hz * NSEC_PER_SEC / clock.hz;
}

uint64_t clock_mono_ns(void)
{
	return clock.mono_offset + ticks_to_ns(arch_counter_read() - clock.base);
}

int64_t clock_real_ns(void)
{
	return clock.wall_ns + (int64_t)ticks_to_ns(arch_counter_read() - clock.base);
}
