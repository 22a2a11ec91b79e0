// SPDX-License-Identifier: MIT
/*
 * `hexo run --stats`: a small table on stderr after the guest has stopped.
 */
#include <inttypes.h>
#include <stdio.h>

#include "hypercall.h"
#include "monitor.h"

static void row_count(const char *name, uint64_t n, int indent)
{
	fprintf(stderr, "  %*s%-*s %12" PRIu64 "\n", indent, "", 38 - indent, name, n);
}

static void row_ms(const char *name, double ms)
{
	fprintf(stderr, "  %-38s %12.3f ms\n", name, ms);
}

static void row_us(const char *name, double us)
{
	fprintf(stderr, "  %-38s %12.3f us\n", name, us);
}

/* What KVM saw, when the host offers its binary stats. */
static void kvm_counters(struct hexo_vm *vm)
{
	static const char *const names[] = {"exits", "pf_taken", "insn_emulation"};
	static const char *const labels[] = {
	    "VM exits in all (KVM's own included)",
	    "page faults handled by KVM",
	    "instructions emulated by KVM",
	};
	uint64_t values[3];
	bool found[3];

	if (kvm__vcpu_stats(vm, names, values, found, 3))
		return;
	for (size_t i = 0; i < 3; i++)
		if (found[i])
			row_count(labels[i], values[i], 0);
}

/*
 * The last unwind and rewind, from the guest's clock counter values in the
 * boot info (abi.h): unwind = the point taking the request to the root's
 * checkpoint call; rewind = that call's return (or a restored job's root)
 * to the point. The checkpoint's write is between the two.
 */
static void unwind_rows(const struct hexo_boot_info *b)
{
	if (!b || !b->clock_hz)
		return;
	if (b->t_unwind && b->t_unwound >= b->t_unwind)
		row_us("unwind (last): point to root",
		       (double)(b->t_unwound - b->t_unwind) * 1e6 / (double)b->clock_hz);
	if (b->t_rewind_start && b->t_rewind_end >= b->t_rewind_start)
		row_us("rewind (last): root to point",
		       (double)(b->t_rewind_end - b->t_rewind_start) * 1e6 / (double)b->clock_hz);
}

/* Checkpoints written and the restore this run started from. */
static void migration_rows(const struct hexo_vm *vm)
{
	const struct vm_migrate *m = &vm->mig;

	unwind_rows(vm->boot);

	if (m->restore_count) {
		row_count("restores of this job so far", m->restore_count, 0);
		row_ms("restore: verify, image, load", (double)m->restore_ns / 1e6);
		row_count("  KiB mapped from the checkpoint", m->restore_mapped >> 10, 0);
	}
	if (!m->written)
		return;
	row_count("checkpoints written", m->written, 0);
	row_ms("time writing them (all)", (double)m->write_ns / 1e6);
	row_count("  last: KiB of memory", m->last.memory_bytes >> 10, 0);
	row_count("  last: KiB of zero pages skipped", m->last.zero_bytes >> 10, 0);
	row_count("  last: file KiB", m->last.file_bytes >> 10, 0);
	row_ms("  last: scan and checksums", (double)m->last.scan_ns / 1e6);
	row_ms("  last: write", (double)m->last.write_ns / 1e6);
	row_ms("  last: fsync and rename", (double)m->last.sync_ns / 1e6);
	if (m->last_latency_ns)
		row_ms("  last: request to checkpoint on disk", (double)m->last_latency_ns / 1e6);
}

void stats__print(struct hexo_vm *vm)
{
	const struct vm_stats *st = &vm->stats;
	const struct hexo_boot_info *boot = vm->boot;

	fprintf(stderr, "hexo: stats\n");
	row_count("VM exits to the monitor", st->exits, 0);
	for (uint64_t nr = 0; nr < HEXO_HC_MAX; nr++)
		if (st->hypercalls[nr])
			row_count(hc__name(nr), st->hypercalls[nr], 2);
	for (uint32_t r = 0; r < STATS_EXIT_REASONS; r++)
		if (st->exit_reasons[r])
			row_count(kvm__exit_name(r), st->exit_reasons[r], 2);
	kvm_counters(vm);
	row_ms("time in the guest (KVM_RUN)", (double)st->guest_ns / 1e6);
	row_ms("time in the monitor (exits)", (double)st->monitor_ns / 1e6);
	row_ms("monitor set-up (start to first run)",
	       (double)(st->t_first_run - st->t_start) / 1e6);
	if (boot && boot->clock_hz && boot->t_entry && boot->t_main >= boot->t_entry)
		row_ms("guest boot to main()",
		       (double)(boot->t_main - boot->t_entry) * 1e3 / (double)boot->clock_hz);
	else
		fprintf(stderr, "  %-38s %12s\n", "guest boot to main()", "n/a");
	migration_rows(vm);
	row_ms("total wall time", (double)(st->t_end - st->t_start) / 1e6);
}
