/* SPDX-License-Identifier: MIT */
/*
 * The hexo monitor: one process runs one guest on one vCPU under Linux KVM.
 * The command line (cli/) calls it through commands.h.
 *
 *   monitor.c    vm__error(), now_ns(), the version line
 *   run.c        `hexo run`: image -> guest memory -> boot info -> run; the
 *                steps `hexo resume` shares
 *   resume.c     `hexo resume`: checkpoint -> image -> memory, files -> run
 *   checkpoint.c HEXO_HC_CHECKPOINT: ranges checked, the checkpoint written
 *   migrate.c    migration requests: SIGUSR1, --migrate-after, --checkpoint-every
 *   loader.c     the guest ELF's PT_LOAD segments (libelf)
 *   memmap.c     layout (heap, stack) and per-page permissions, arch-neutral
 *   kvm.c        /dev/kvm, the VM, its memory slot, the vCPU and the run loop
 *   hypercall.c  the table of hypercall handlers, fed by every arch's exits
 *   files.c      the guest's files: fd table, job directory (openat2), what a
 *                checkpoint saves of them and a restore reopens
 *   crash.c      crash reports (guest faults, triple faults, ...)
 *   stats.c      --stats
 *   status.c     --status FILE: the job's progress for a scheduler
 *   inspect.c, inspect_ckpt.c  `hexo inspect` of images and checkpoints
 *   json_out.c   the JSON `hexo inspect` builds and prints
 *   check.c      `hexo check` of images and checkpoints
 *   image_elf.c  what check and inspect read of an image's ELFs (image_elf.h)
 *   arch/<arch>/ vCPU set-up, page tables, exit decoding (arch.h)
 *
 * Errors: functions return 0 or -errno; those that can fail for a reason the
 * user must see also write it into vm->error (one line, no "hexo: "). The
 * caller at the top dies with it: hexo_die() is the one fatal path (status 125).
 */
#ifndef HEXO_MONITOR_H
#define HEXO_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include <hexo/abi.h>

#include "arch_vm.h"
#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "err.h"
#include "guest_mem.h"
#include "image_file.h"
#include "memmap.h"

#define HEXO_VERSION "0.1.0"

/* Exit statuses of the monitor itself (the guest's own pass through). */
#define HEXO_EXIT_CRASH   139 /* guest crashed, crash report on stderr */

#define HEXO_MAX_FDS   256
#define HEXO_ERROR_LEN 512

/* Guest fd -> host fd. fds 0, 1, 2 are the monitor's own and never closed. */
struct files {
	int dir_fd; /* the job directory (O_PATH), the guest's "/" */
	int host[HEXO_MAX_FDS];
	/* What a checkpoint saves of each fd the guest opened (NULL: not opened
	 * by the guest): its path relative to the job directory, its HEXO_O_*. */
	char *path[HEXO_MAX_FDS];
	uint32_t flags[HEXO_MAX_FDS];
	/* Permission bits a guest-created file never gets: the caller's umask
	 * and group/other write (022), so not 0 under a daemon's umask 0. */
	unsigned create_mask;
	/* The checkpoint file the guest's memory is mapped from (HEXO_RESTORE=
	 * mmap), which the guest may not open for writing; ckpt_mapped false:
	 * none. */
	bool ckpt_mapped;
	dev_t ckpt_dev;
	ino_t ckpt_ino;
};

#define STATS_EXIT_REASONS 64

struct vm_stats {
	uint64_t t_start;     /* main() entered */
	uint64_t t_first_run; /* first KVM_RUN */
	uint64_t t_end;       /* guest stopped */
	uint64_t guest_ns;    /* inside KVM_RUN */
	uint64_t monitor_ns;  /* between KVM_RUNs: exits, hypercalls */
	uint64_t exits;       /* exits to the monitor */
	uint64_t hypercalls[HEXO_HC_MAX];
	uint64_t exit_reasons[STATS_EXIT_REASONS]; /* exits that were not hypercalls */
};

/* Migration: checkpoints written, the restore this run came from. */
struct vm_migrate {
	const char *checkpoint; /* the file HEXO_HC_CHECKPOINT writes */
	bool named;             /* ... named by the user (--checkpoint, hexo resume's file),
	                           not the default beside the current directory */
	bool refused_told;      /* the warning of a refused checkpoint was printed */
	bool report;            /* --stats: one line on stderr after a stop */
	bool stopped;           /* the job ended in a STOP checkpoint */
	bool no_points;         /* the image's manifest says it has no migration points */
	uint64_t restore_count; /* 0: a fresh job; n: its n-th restore */
	uint64_t written;       /* checkpoints written */
	uint64_t write_ns;      /* time in HEXO_HC_CHECKPOINT, all of them */
	uint64_t restore_ns;    /* hexo resume: verify and load the checkpoint */
	uint64_t restore_mapped; /* ... bytes mapped from the file instead of copied */
	struct hexo_ckpt_wstats last; /* the last checkpoint written */
	uint64_t last_latency_ns; /* ... from the request it served to the file in place; 0: unknown */
};

struct hexo_vm {
	struct guest_mem mem;
	struct guest_layout layout;
	struct memmap map;
	struct hexo_boot_info *boot; /* in guest memory */

	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	struct arch_vm arch;

	struct files files;

	/* The image, and what checkpoints and restores check against. */
	const char *image_path;   /* as given */
	uint8_t build_id[16];
	struct guest_segment segs[MEMMAP_MAX_SEGMENTS]; /* this ISA's PT_LOADs */
	size_t n_segs;
	uint64_t shadow_start, shadow_end; /* .hexo_shadow_stack; 0, 0: none */
	struct args_block args;  /* argc, argv, envp the guest booted with */
	const char *argv0;       /* the guest's argv[0] */
	struct vm_migrate mig;

	const char *hc_name; /* the hypercall being served, for messages */
	int status;          /* exit status once the guest has stopped */
	bool crashed;        /* ... after a crash report or a guest error */
	char error[HEXO_ERROR_LEN];
	struct vm_stats stats;
};

/* monitor.c (and now_ns(), commands.h) */
int vm__error(struct hexo_vm *vm, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* run.c (run__main(), commands.h) */
struct run_opts;

/* An opened image and this ISA's ELF in it (run.c, shared with resume.c). */
struct run_image {
	struct hexo_image img;
	const void *elf;
	size_t elf_size;
	uint64_t entry;
};

/*
 * The steps of `hexo run` that `hexo resume` shares; each dies (status 125)
 * with one line on failure:
 *  - run__begin: SIGUSR1 kept from now on, the options parsed (flags:
 *    OPTIONS_RESUME for `hexo resume`), vm's fds closed and its clock
 *    started; false when --help was asked for (help() printed it): return 0
 *  - run__use_image: ri->img is open; reads this ISA's ELF into vm (segments,
 *    shadow stack, build id); with migration options, checks the manifest
 *  - run__layout: where everything goes in mem_size bytes
 *  - run__memory: /dev/kvm, guest memory, the ELF copied in (the image stays
 *    open: hexo_image_close(&ri->img) when done with ri->elf)
 *  - run__boot_info: struct hexo_boot_info from vm->layout and vm->args
 *  - run__start: the VM, page tables, clock, vCPU at ri->entry
 *  - run__go: migration requests armed, the guest run to its end, --stats
 */
bool run__begin(struct hexo_vm *vm, int argc, char **argv, unsigned flags, void (*help)(void),
                struct run_opts *opts, uint64_t t_start);
void run__use_image(struct hexo_vm *vm, const char *path, struct run_image *ri,
                    const struct run_opts *opts);
void run__layout(struct hexo_vm *vm, uint64_t mem_size);
void run__memory(struct hexo_vm *vm, struct run_image *ri);
struct hexo_boot_info *run__boot_info(struct hexo_vm *vm);
void run__start(struct hexo_vm *vm, const struct run_image *ri);
int run__go(struct hexo_vm *vm, const struct run_opts *opts);

/* checkpoint.c */
int checkpoint__hc(struct hexo_vm *vm, void *arg); /* HEXO_HC_CHECKPOINT */
/*
 * Checks a job's regions against this VM's image, layout and memory (the
 * writable app segments, the shadow stack, the heap, the argument block):
 * 0, or -EINVAL with the first problem in err.
 */
int checkpoint__check(const struct hexo_vm *vm, const struct hexo_ckpt_kernel *k, char *err,
                      size_t errlen);

/* migrate.c */
void migrate__early(void); /* SIGUSR1 handled (kept) from the start */
void migrate__start(struct hexo_vm *vm, const struct run_opts *opts);
void migrate__stop(void);
bool migrate__take_stop(struct hexo_vm *vm);  /* a STOP request is pending: take it */
void migrate__checkpoint_done(struct hexo_vm *vm); /* drop a CHECKPOINT request made meanwhile */
/* When the oldest request not yet served was made (CLOCK_MONOTONIC ns, 0:
 * none came from the monitor); taken: the next call says 0 until another. */
uint64_t migrate__request_ns(void);
/* The user asked for a checkpoint (--migrate-after, --checkpoint-every,
 * SIGUSR1), not only the program (hexo_force_migration). */
bool migrate__user_asked(void);
/* 1: the image's manifest says it has migration points, 0: it has none, -1: unknown */
int migrate__image_points(const struct hexo_image *img);
/* --status: a periodic timer (its SIGALRM interrupts KVM_RUN) from
 * migrate__start(); migrate__status_due() takes its flag. */
void migrate__status_every(double seconds);
bool migrate__status_due(void);

/* status.c: --status FILE (path NULL: none), written from the run loop */
void status__begin(struct hexo_vm *vm, const char *path); /* the clock starts: "running" */
void status__tick(struct hexo_vm *vm);                    /* "running" again */
void status__end(struct hexo_vm *vm);                     /* the final state */
/* The guest's progress count now: at boot_info.points_addr once the kernel
 * published it (checked against guest memory), else boot_info.points. */
uint64_t status__points(const struct hexo_vm *vm);

/* loader.c: the ELF's loadable segments, checked against the file */
int loader__segments(const void *elf, size_t size, unsigned machine, uint64_t *entry,
                     struct guest_segment *segs, size_t *n, char *err, size_t errlen);
int loader__copy(const struct guest_mem *mem, const void *elf, const struct guest_segment *segs,
                 size_t n);
void loader__section(const void *elf, size_t size, const char *name, uint64_t *addr,
                     uint64_t *len);
int loader__reload_section(const struct guest_mem *mem, const void *elf, size_t size,
                           const char *name);

/* kvm.c */
int kvm__open(struct hexo_vm *vm);
int kvm__alloc_memory(struct hexo_vm *vm, uint64_t size);
void kvm__hugepages(struct hexo_vm *vm, uint64_t start, uint64_t end); /* 2 MiB blocks inside */
int kvm__create_vm(struct hexo_vm *vm);
int kvm__run(struct hexo_vm *vm); /* runs to the end; returns the exit status */
const char *kvm__exit_name(uint32_t reason);
int kvm__vcpu_stats(struct hexo_vm *vm, const char *const *names, uint64_t *values, bool *found,
                    size_t n);

/* files.c */
int files__init(struct files *files, const char *dir, char *err, size_t errlen);
/*
 * The guest-opened files a checkpoint saves: *out (allocated, paths too) gets
 * *n entries, *std_closed bit n for each of fds 0-2 the guest closed. 0, or
 * -errno with the reason in err (a file deleted or not a regular file or
 * folder: it could not be reopened). Free with files__saved_free().
 */
int files__save(struct files *files, struct hexo_ckpt_open_file **out, size_t *n,
                uint32_t *std_closed, char *err, size_t errlen);
void files__saved_free(struct hexo_ckpt_open_file *f, size_t n);
/*
 * Reopens a checkpoint's file at guest fd `fd`: its path beneath the job
 * directory, its flags without O_CREAT/O_TRUNC/O_EXCL, at its offset. 0, or
 * -errno with the reason in err.
 */
int files__restore(struct files *files, const struct hexo_ckpt_file *f, const char *path,
                   char *err, size_t errlen);
void files__close_std(struct files *files, uint32_t std_closed);
/* Whether a guest fd open for writing is the file fd (a restored job's
 * checkpoint, which then is not mapped: HEXO_RESTORE=mmap). */
bool files__writes_to(const struct files *files, int fd);
/* The guest's memory is mapped from checkpoint file fd: the guest may not
 * open it for writing (ETXTBSY) from now on. */
void files__protect_mapped(struct files *files, int fd);

/* crash.c: print a report, return HEXO_EXIT_CRASH */
int crash__fault(struct hexo_vm *vm, const struct hexo_hc_fault *f);
int crash__vcpu(struct hexo_vm *vm, const char *what);

/* stats.c */
void stats__print(struct hexo_vm *vm);

#endif
