// SPDX-License-Identifier: MIT
/*
 * HEXO_HC_CHECKPOINT (abi.h, docs/migration.md): the job has unwound to its
 * root. Every range it names is checked against guest memory and this
 * image (writable app segments, shadow stack, heap) before anything is
 * read, then lib/checkpoint_write.c writes the file straight from guest memory
 * (docs/checkpoint-format.md). STOP: the job ends with status 0. CHECKPOINT,
 * or a write that failed (one warning line): the call returns and the job
 * rewinds and carries on.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hexo/layout.h>
#include <hexo/migrate.h>

#include "arch.h"
#include "fs_conv.h"
#include "hypercall.h"
#include "monitor.h"

static uint64_t seg_end(const struct guest_segment *s)
{
	return (s->gpa + s->memsz + HEXO_PAGE_SIZE - 1) & ~(uint64_t)(HEXO_PAGE_SIZE - 1);
}

/*
 * [lo, hi) lies in the pages of the image's writable app segments (the
 * shadow stack's own segment excluded): __app_end is page-aligned, past
 * the last segment's memsz.
 */
static bool in_writable_segments(const struct hexo_vm *vm, uint64_t lo, uint64_t hi)
{
	if (lo < hi && vm->shadow_start < hi && lo < vm->shadow_end)
		return false;
	while (lo < hi) {
		const struct guest_segment *found = NULL;

		for (size_t i = 0; i < vm->n_segs && !found; i++) {
			const struct guest_segment *s = &vm->segs[i];

			if ((s->perm & MEM_W) && s->gpa >= HEXO_APP_BASE &&
			    s->gpa != vm->shadow_start && lo >= s->gpa && lo < seg_end(s))
				found = s;
		}
		if (!found)
			return false;
		lo = seg_end(found);
	}
	return true;
}

int checkpoint__check(const struct hexo_vm *vm, const struct hexo_ckpt_kernel *k, char *err,
                      size_t errlen)
{
	const struct guest_layout *lay = &vm->layout;

	if (k->args_start != HEXO_ARGS_GPA || k->args_end != HEXO_ARGS_GPA + HEXO_ARGS_SIZE) {
		snprintf(err, errlen, "argument block 0x%" PRIx64 "-0x%" PRIx64 " is not hexo's",
		         k->args_start, k->args_end);
		return -EINVAL;
	}
	if (k->data_start > k->data_end || k->data_start < HEXO_APP_BASE ||
	    !in_writable_segments(vm, k->data_start, k->data_end)) {
		snprintf(err, errlen,
		         "data 0x%" PRIx64 "-0x%" PRIx64 " is not inside the image's writable app "
		         "segments",
		         k->data_start, k->data_end);
		return -EINVAL;
	}
	if (!vm->shadow_end) {
		snprintf(err, errlen, "the image has no shadow stack (.hexo_shadow_stack)");
		return -EINVAL;
	}
	if (k->shadow_lo > k->shadow_hi || k->shadow_lo < vm->shadow_start ||
	    k->shadow_hi > vm->shadow_end || k->watermark < k->shadow_lo ||
	    k->watermark > k->shadow_hi) {
		snprintf(err, errlen,
		         "shadow stack 0x%" PRIx64 "-0x%" PRIx64 " (watermark 0x%" PRIx64
		         ") is not inside the image's 0x%" PRIx64 "-0x%" PRIx64,
		         k->shadow_lo, k->shadow_hi, k->watermark, vm->shadow_start,
		         vm->shadow_end);
		return -EINVAL;
	}
	if (k->heap_start > k->brk || k->heap_start < lay->heap_start || k->brk > lay->heap_limit) {
		snprintf(err, errlen,
		         "heap 0x%" PRIx64 "-0x%" PRIx64 " is not inside the heap area 0x%" PRIx64
		         "-0x%" PRIx64 " of %" PRIu64 " MiB of guest memory",
		         k->heap_start, k->brk, lay->heap_start, lay->heap_limit,
		         lay->mem_size >> 20);
		return -EINVAL;
	}
	if (!guest_range_ok(lay->mem_size, k->heap_start, k->brk - k->heap_start) ||
	    !guest_range_ok(lay->mem_size, k->data_start, k->data_end - k->data_start) ||
	    !guest_range_ok(lay->mem_size, k->shadow_lo, k->shadow_hi - k->shadow_lo) ||
	    !guest_range_ok(lay->mem_size, k->args_start, k->args_end - k->args_start)) {
		snprintf(err, errlen, "a region lies outside guest memory");
		return -EINVAL;
	}
	return 0;
}

static void kernel_state(const struct hexo_vm *vm, const struct hexo_hc_checkpoint *a,
                         struct hexo_ckpt_kernel *k)
{
	*k = (struct hexo_ckpt_kernel){
	    .args_start = HEXO_ARGS_GPA,
	    .args_end = HEXO_ARGS_GPA + HEXO_ARGS_SIZE,
	    .data_start = a->data_start,
	    .data_end = a->data_end,
	    .shadow_lo = a->shadow_lo,
	    .shadow_hi = a->shadow_hi,
	    .heap_start = a->heap_start,
	    .brk = a->brk,
	    .watermark = a->watermark,
	    .records = a->shadow_lo,
	    .mono_ns = a->mono_ns,
	    .depth = a->depth,
	    .argc = vm->args.argc,
	    .argv = vm->args.argv,
	    .envp = vm->args.envp,
	    .points = status__points(vm),
	};
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes the checkpoint file; 0 or -errno with the reason in err. */
static int write_checkpoint(struct hexo_vm *vm, struct hexo_ckpt_kernel *k, char *err,
                            size_t errlen)
{
	struct hexo_ckpt_open_file *files;
	struct hexo_ckpt_region regions[4];
	char abs[PATH_MAX];
	const char *name = strrchr(vm->image_path, '/');
	size_t n_files;
	int ret;

	ret = files__save(&vm->files, &files, &n_files, &k->std_closed, err, errlen);
	if (ret)
		return ret;
	regions[0] = (struct hexo_ckpt_region){HEXO_CKPT_ARGS, k->args_start,
	                                       k->args_end - k->args_start, NULL};
	regions[1] = (struct hexo_ckpt_region){HEXO_CKPT_DATA, k->data_start,
	                                       k->data_end - k->data_start, NULL};
	regions[2] = (struct hexo_ckpt_region){HEXO_CKPT_SHADOW, k->shadow_lo,
	                                       k->shadow_hi - k->shadow_lo, NULL};
	regions[3] =
	    (struct hexo_ckpt_region){HEXO_CKPT_HEAP, k->heap_start, k->brk - k->heap_start, NULL};
	for (int i = 0; i < 4; i++)
		regions[i].host = guest_mem__ptr(&vm->mem, regions[i].gpa, regions[i].size);
	/* The image as an absolute path, for `hexo resume` on this machine. */
	if (!realpath(vm->image_path, abs))
		snprintf(abs, sizeof(abs), "%s", vm->image_path);
	struct hexo_ckpt_desc d = {
	    .source_isa = arch__info.isa,
	    .image_path = abs,
	    .image_name = name ? name + 1 : vm->image_path,
	    .argv0 = vm->argv0,
	    .mem_size = vm->mem.size,
	    .time_ns = realtime_ns(),
	    .restore_count = vm->mig.restore_count,
	    .kernel = *k,
	    .regions = regions,
	    .n_regions = 4,
	    .files = files,
	    .n_files = n_files,
	};
	memcpy(d.build_id, vm->build_id, sizeof(d.build_id));
	ret = hexo_ckpt_write(vm->mig.checkpoint, &d, &vm->mig.last, err, errlen);
	files__saved_free(files, n_files);
	return ret;
}

static void report_stop(const struct hexo_vm *vm, uint64_t ns)
{
	const struct hexo_ckpt_wstats *w = &vm->mig.last;

	fprintf(stderr,
	        "hexo: stopped at a migration point: checkpoint %s (%.1f MiB, %.1f ms); "
	        "'hexo resume %s' continues the job\n",
	        vm->mig.checkpoint, (double)w->file_bytes / (1 << 20), (double)ns / 1e6,
	        vm->mig.checkpoint);
}

int checkpoint__hc(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_checkpoint *a = arg;
	struct hexo_ckpt_kernel k;
	char err[HEXO_ERR_LEN];
	uint64_t t0 = now_ns(), ns, t_req = migrate__request_ns();
	uint32_t mode = a->mode;
	int ret;

	if (mode != HEXO_MIGRATE_STOP && mode != HEXO_MIGRATE_CHECKPOINT)
		return vm__error(vm, -EINVAL, "%s: unknown mode %" PRIu32, vm->hc_name, mode);
	kernel_state(vm, a, &k);
	if (checkpoint__check(vm, &k, err, sizeof(err)))
		return vm__error(vm, -EINVAL, "%s: %s", vm->hc_name, err);
	/*
	 * Confinement: without --checkpoint the file would be NAME.ckpt in the
	 * caller's current directory, outside the job directory; the program
	 * alone may not have it written there (docs/migration.md).
	 */
	if (!vm->mig.named && !migrate__user_asked()) {
		if (!vm->mig.refused_told)
			fprintf(stderr,
			        "hexo: warning: the program asked for a checkpoint, but no "
			        "--checkpoint FILE was given: none written; the job goes on\n");
		vm->mig.refused_told = true;
		a->ret = -HEXO_EPERM;
		return HC_CONTINUE;
	}
	/* A STOP asked for while the job unwound for a CHECKPOINT wins. */
	if (mode == HEXO_MIGRATE_CHECKPOINT && migrate__take_stop(vm))
		mode = HEXO_MIGRATE_STOP;
	ret = write_checkpoint(vm, &k, err, sizeof(err));
	ns = now_ns() - t0;
	vm->mig.write_ns += ns;
	if (ret) {
		fprintf(stderr, "hexo: warning: no checkpoint written: %s; the job goes on\n", err);
		a->ret = -fs_conv__errno(-ret);
		return HC_CONTINUE;
	}
	vm->mig.written++;
	vm->mig.last_latency_ns = t_req && t_req < t0 + ns ? t0 + ns - t_req : 0;
	a->ret = 0;
	if (mode == HEXO_MIGRATE_STOP) {
		vm->mig.stopped = true;
		vm->status = 0;
		if (vm->mig.report)
			report_stop(vm, ns);
		return HC_STOP;
	}
	migrate__checkpoint_done(vm);
	return HC_CONTINUE;
}
