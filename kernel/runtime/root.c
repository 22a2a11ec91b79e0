// SPDX-License-Identifier: MIT
/*
 * The root of every migratable job (docs/migration.md, "The state
 * machine"): calls main; when main returns because the job unwound, asks
 * the monitor to write the checkpoint, then rewinds (the monitor ends the
 * job instead after a successful stop). A restored job rewinds at once.
 */
#include <stdint.h>

#include <hexo/abi.h>
#include <hexo/migrate.h>

#include "arch.h"
#include "hypercall.h"
#include "kernel.h"
#include "runtime.h"

/* The program; a main taking fewer arguments ignores the extra ones. */
int main(int argc, char **argv, char **envp);

/* Linker script (hexo.ld). */
extern char __app_data_start[], __app_end[];
extern char __hexo_shadow_stack_start[], __hexo_shadow_stack_end[];

static void restore_records(const struct hexo_boot_info *bi)
{
	uintptr_t lo = (uintptr_t)__hexo_shadow_stack_start, hi = (uintptr_t)__hexo_shadow_stack_end;

	if (bi->restore_records < lo || bi->restore_records > bi->restore_watermark ||
	    bi->restore_watermark > hi || bi->restore_records % 8)
		rt_panic("restore: frame records outside the shadow stack: ", bi->restore_records,
		         125);
	rt.rec_sp = bi->restore_records;
	rt.watermark = bi->restore_watermark;
	rt.depth = 0;
	for (uintptr_t p = rt.rec_sp; p < rt.watermark; rt.depth++) {
		const uint32_t *h = (const uint32_t *)p;

		p += 8 + (((uint64_t)h[1] + 7) & ~(uint64_t)7);
	}
	__hexo_mig_state = HEXO_MIG_REWINDING;
}

static void checkpoint(void)
{
	struct hexo_hc_checkpoint c = {
	    .mode = rt.mode,
	    .depth = rt.depth,
	    .data_start = (uintptr_t)__app_data_start,
	    .data_end = (uintptr_t)__app_end,
	    .heap_start = heap_start(),
	    .brk = heap_brk(),
	    .shadow_lo = rt.rec_sp,
	    .shadow_hi = (uintptr_t)__hexo_shadow_stack_end,
	    .watermark = rt.watermark,
	    .mono_ns = clock_mono_ns(),
	};

	/* Unwind and rewind times for --stats (abi.h): only the hypercall,
	 * the checkpoint's write, is between these two. */
	kernel_boot_info->t_unwound = arch_counter_read();
	hc_checkpoint(&c); /* returns unless the job stopped */
	kernel_boot_info->t_rewind_start = arch_counter_read();
	__hexo_mig_state = HEXO_MIG_REWINDING;
}

int hexo_root(int argc, char **argv, char **envp)
{
	int ret;

	__hexo_shadow_sp = __hexo_shadow_stack_end;
	__hexo_shadow_limit = __hexo_shadow_stack_start;
	if (kernel_boot_info->restore) {
		kernel_boot_info->t_rewind_start = arch_counter_read();
		restore_records(kernel_boot_info);
	}
	for (;;) {
		__hexo_uninstr_depth = 0;
		ret = main(argc, argv, envp);
		__hexo_uninstr_depth = 1;
		if (__hexo_mig_state == HEXO_MIG_NORMAL)
			return ret;
		if (__hexo_mig_state == HEXO_MIG_REWINDING)
			rt_panic("rewind: main returned before reaching the migration point: the "
			         "checkpoint does not belong to this program; records left: ",
			         rt.depth, 125);
		checkpoint();
	}
}
