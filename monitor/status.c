// SPDX-License-Identifier: MIT
/*
 * `hexo run --status FILE`, `hexo resume --status FILE`: the job's progress
 * for a scheduler, one JSON object replaced atomically (lib/fsutil.h)
 *
 *   {"points": N, "run_s": S, "state": "running", "status": null}
 *
 * when the guest starts, about once a second while it runs, and once at
 * the end with state "exited", "stopped" (a checkpoint was written and the
 * job stopped) or "crashed" (a crash report, or a guest error) and the exit
 * status of hexo. `points` is the migration points the job has passed in
 * its whole life (it goes on from a checkpoint's count after a resume): the
 * runtime's __hexo_points, at boot_info.points_addr (abi.h); run_s the
 * seconds since this monitor started the guest.
 *
 * The once-a-second writes come from the run loop (kvm.c), never from a
 * signal handler: a periodic timer's SIGALRM only sets a flag
 * (migrate.c) and interrupts KVM_RUN, which returns EINTR; the loop then
 * calls status__tick().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "monitor.h"

static const char *status_path;
static uint64_t status_t0;
static bool status_failed_told;

uint64_t status__points(const struct hexo_vm *vm)
{
	hexo_gpa_t at = __atomic_load_n(&vm->boot->points_addr, __ATOMIC_RELAXED);
	uint64_t *p = at % 8 ? NULL : guest_mem__ptr(&vm->mem, at, sizeof(*p));

	/* Before the kernel published its counter (or a guest that has none): the start value. */
	if (!at || !p)
		return vm->boot->points;
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void status_write(struct hexo_vm *vm, const char *state, bool final)
{
	uint64_t points = status__points(vm);
	double run_s = (double)(now_ns() - status_t0) / 1e9;
	char buf[160], st[16] = "null";
	int n, ret;

	if (final)
		snprintf(st, sizeof(st), "%d", vm->status);
	n = snprintf(buf, sizeof(buf),
	             "{\"points\": %" PRIu64 ", \"run_s\": %.3f, \"state\": \"%s\", \"status\": %s}\n",
	             points, run_s, state, st);
	ret = hexo_write_file_atomic(status_path, buf, (size_t)n, 0644);
	if (ret && !status_failed_told) {
		fprintf(stderr, "hexo: warning: --status %s: cannot write it: %s; the job goes on\n",
		        status_path, strerror(-ret));
		status_failed_told = true;
	}
}

void status__begin(struct hexo_vm *vm, const char *path)
{
	status_path = path;
	status_t0 = now_ns();
	if (status_path)
		status_write(vm, "running", false);
}

void status__tick(struct hexo_vm *vm)
{
	if (status_path)
		status_write(vm, "running", false);
}

void status__end(struct hexo_vm *vm)
{
	const char *state = vm->crashed ? "crashed" : vm->mig.stopped ? "stopped" : "exited";

	if (status_path)
		status_write(vm, state, true);
}
