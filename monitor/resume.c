// SPDX-License-Identifier: MIT
/*
 * `hexo resume CHECKPOINT`: the job a checkpoint holds, continued on this
 * machine's ISA whichever ISA wrote it. The whole file is verified first
 * (lib/checkpoint_read.c); then the image (its build id must be the
 * checkpoint's) is loaded as `hexo run` loads it (run.c's steps), the
 * job's files are reopened at their fds and offsets, the checkpoint's
 * memory is put back (whole pages mapped from the file, the rest copied)
 * and the boot info tells the kernel to rewind (docs/migration.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hexo/layout.h>

#include "arch.h"
#include "monitor.h"
#include "options.h"

void resume__help(void)
{
	fputs("Usage: hexo resume [OPTIONS] CHECKPOINT\n"
	      "\n"
	      "Continues the program a checkpoint holds ('hexo run --migrate-after',\n"
	      "--checkpoint-every, SIGUSR1) exactly where it stopped, on this host's ISA\n"
	      "whichever ISA wrote the checkpoint. Its arguments, environment, memory, clock\n"
	      "and open files come from the checkpoint; code and read-only data from the\n"
	      "image it was taken from. The whole checkpoint is verified first: a truncated,\n"
	      "damaged or unknown-version checkpoint, or one from another image, is refused.\n"
	      "\n"
	      "Options:\n"
	      "  --image IMAGE     the program's .hexo image (default: the path stored in\n"
	      "                    the checkpoint, else its file name next to CHECKPOINT);\n"
	      "                    it must be the very build the checkpoint was taken from\n"
	      "  --dir DIR         the job directory (default: .): the program's files are\n"
	      "                    reopened there by the paths it opened them with\n"
	      "  --mem SIZE        guest memory (default: what the job had)\n"
	      "  --checkpoint FILE where new checkpoints go (default: CHECKPOINT itself,\n"
	      "                    replaced atomically)\n"
	      "  --migrate-after SECONDS, --checkpoint-every SECONDS\n"
	      "                    as for 'hexo run'; SIGUSR1 asks for a stop now\n"
	      "  --status FILE     the job's progress, as for 'hexo run' (points go on from\n"
	      "                    the checkpoint's)\n"
	      "  --stats           after the program ends, print VM exit counts and\n"
	      "                    timings to stderr\n"
	      "  --on NODE         resume on another node through its hexod, as 'hexo run\n"
	      "                    --on' runs there ('hexo resume --on NODE --help')\n"
	      "  -h, --help        print this help\n"
	      "\n"
	      "Exit status: the program's own; 125 when hexo fails (bad option, checkpoint\n"
	      "truncated, damaged, of an unknown version or another image, a file of the\n"
	      "job missing, no /dev/kvm), with one line on stderr; 139 when the program\n"
	      "crashes, with a crash report on stderr.\n",
	      stdout);
}

static uint64_t resume_mem_size(const struct run_opts *opts, const struct hexo_ckpt *ck)
{
	uint64_t m = ck->hdr->mem_size;

	if (opts->mem_arg)
		return opts->mem_size;
	if (m < HEXO_MEM_MIN || m > HEXO_MEM_MAX || m % HEXO_PAGE_SIZE)
		hexo_die("%s: damaged checkpoint: guest memory size %" PRIu64 " out of range",
		    opts->image, m);
	return m;
}

/* Zero sections: fresh memory is zero already, except the ELF's file bytes. */
static void clear_zero(struct hexo_vm *vm, const struct hexo_ckpt_section *s)
{
	for (size_t i = 0; i < vm->n_segs; i++) {
		uint64_t lo = vm->segs[i].gpa, hi = lo + vm->segs[i].filesz;

		lo = lo > s->gpa ? lo : s->gpa;
		hi = hi < s->gpa + s->size ? hi : s->gpa + s->size;
		if (lo < hi)
			memset(guest_mem__ptr(&vm->mem, lo, hi - lo), 0, hi - lo);
	}
}

/*
 * The checkpoint's memory into guest memory (checked ranges only). Copied:
 * guest memory stays anonymous, on transparent huge pages. Mapping whole
 * pages from the file instead (HEXO_RESTORE=mmap) starts faster but the
 * guest then faults in every 4 KiB page through KVM: a job reading 1 GiB
 * after its restore took 2.0 s instead of 0.33 s (monitor/README.md). It
 * saves memory (the page cache is shared until the job writes a page).
 * The job then depends on the file: the guest may not open it for writing
 * (files__protect_mapped: truncated, it would end the job with SIGBUS), and
 * it is copied when the guest already has it open for writing.
 */
static void load_memory(struct hexo_vm *vm, const struct hexo_ckpt *ck)
{
	const char *mode = getenv("HEXO_RESTORE");
	bool map = mode && !strcmp(mode, "mmap") && !files__writes_to(&vm->files, ck->fd);
	char err[HEXO_ERR_LEN];

	for (uint32_t i = 0; i < ck->hdr->n_sections; i++) {
		const struct hexo_ckpt_section *s = &ck->sections[i];
		void *dst = guest_mem__ptr(&vm->mem, s->gpa, s->size);
		int64_t n;

		if (!dst)
			hexo_die("%s: section %" PRIu32 " outside guest memory", ck->name, i);
		if (s->flags & HEXO_CKPT_SEC_ZERO) {
			clear_zero(vm, s);
			continue;
		}
		n = hexo_ckpt_load_section(ck, i, dst, map, err, sizeof(err));
		if (n < 0)
			hexo_die("%s", err);
		vm->mig.restore_mapped += (uint64_t)n;
	}
	if (vm->mig.restore_mapped)
		files__protect_mapped(&vm->files, ck->fd);
}

static void reopen_files(struct hexo_vm *vm, const struct hexo_ckpt *ck, const char *dir)
{
	char err[HEXO_ERR_LEN];

	for (uint32_t i = 0; i < ck->hdr->n_files; i++) {
		const struct hexo_ckpt_file *f = &ck->files[i];

		if (files__restore(&vm->files, f, hexo_ckpt_string(ck, f->path), err, sizeof(err)))
			hexo_die("%s: %s (--dir %s)", ck->name, err, dir);
	}
	files__close_std(&vm->files, ck->hdr->kernel.std_closed);
}

static void restore_boot_info(struct hexo_vm *vm, const struct hexo_ckpt_kernel *k,
                              uint64_t restore_count)
{
	struct hexo_boot_info *boot;

	vm->args = (struct args_block){.argv = k->argv, .envp = k->envp, .argc = k->argc};
	boot = run__boot_info(vm);
	boot->restore = 1;
	boot->restore_brk = k->brk;
	boot->restore_records = k->records;
	boot->restore_watermark = k->watermark;
	boot->restore_mono_ns = k->mono_ns;
	boot->restore_count = restore_count;
	boot->points = k->points;
	vm->mig.restore_count = restore_count;
}

int resume__main(int argc, char **argv, uint64_t t_start)
{
	static struct hexo_vm vm;
	static char image[PATH_MAX + 256];
	struct run_image ri = {0};
	struct run_opts opts;
	struct hexo_ckpt ck;
	char err[HEXO_ERR_LEN];
	uint64_t t0;
	int status;

	if (!run__begin(&vm, argc, argv, OPTIONS_RESUME, resume__help, &opts, t_start))
		return 0;
	vm.mig.checkpoint = opts.checkpoint ? opts.checkpoint : opts.image;
	vm.mig.named = true; /* --checkpoint, else the file resumed */

	t0 = now_ns();
	if (hexo_ckpt_open(opts.image, 0, &ck, err, sizeof(err)))
		hexo_die("%s", err);
	if (hexo_ckpt_find_image(&ck, opts.image, opts.image_override, &ri.img, image,
	                         sizeof(image), err, sizeof(err)))
		hexo_die("%s", err);
	run__use_image(&vm, image, &ri, &opts);
	run__layout(&vm, resume_mem_size(&opts, &ck));
	if (checkpoint__check(&vm, &ck.hdr->kernel, err, sizeof(err)))
		hexo_die("%s: cannot be restored with %s and %" PRIu64 " MiB: %s", ck.name,
		    vm.image_path, vm.layout.mem_size >> 20, err);
	if (files__init(&vm.files, opts.dir, err, sizeof(err)))
		hexo_die("%s", err);
	reopen_files(&vm, &ck, opts.dir);
	run__memory(&vm, &ri);
	load_memory(&vm, &ck);
	/* This ISA's GOT, not the writer's (loader__reload_section). */
	if (loader__reload_section(&vm.mem, ri.elf, ri.elf_size, ".got") ||
	    loader__reload_section(&vm.mem, ri.elf, ri.elf_size, ".got.plt"))
		hexo_die("%s: %s ELF: bad .got section", vm.image_path, arch__info.name);
	hexo_image_close(&ri.img);
	vm.argv0 = strdup(hexo_ckpt_string(&ck, ck.hdr->argv0));
	restore_boot_info(&vm, &ck.hdr->kernel, ck.hdr->restore_count + 1);
	hexo_ckpt_close(&ck); /* mapped sections keep the file */
	vm.mig.restore_ns = now_ns() - t0;
	run__start(&vm, &ri);

	status = run__go(&vm, &opts);
	options__free(&opts);
	return status;
}
