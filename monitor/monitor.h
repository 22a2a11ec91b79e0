/* SPDX-License-Identifier: MIT */
/*
 * The hexo monitor: one process runs one guest on one vCPU under Linux KVM.
 *
 *   main.c       `hexo` command line: subcommands, --help, --version, die()
 *   run.c        `hexo run`: image -> guest memory -> boot info -> run
 *   loader.c     the guest ELF's PT_LOAD segments (libelf)
 *   memmap.c     layout (heap, stack) and per-page permissions, arch-neutral
 *   kvm.c        /dev/kvm, the VM, its memory slot, the vCPU and the run loop
 *   hypercall.c  the table of hypercall handlers, fed by every arch's exits
 *   files.c      the guest's files: fd table, job directory (openat2)
 *   crash.c      crash reports (guest faults, triple faults, ...)
 *   stats.c      --stats
 *   arch/<arch>/ vCPU set-up, page tables, exit decoding (arch.h)
 *
 * Errors: functions return 0 or -errno; those that can fail for a reason the
 * user must see also write it into vm->error (one line, no "hexo: "). The
 * caller at the top dies with it: die() is the one fatal path (status 125).
 */
#ifndef HEXO_MONITOR_H
#define HEXO_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include <hexo/abi.h>

#include "arch_vm.h"
#include "guest_mem.h"
#include "memmap.h"

#define HEXO_VERSION "0.1.0"

/* Exit statuses of the monitor itself (the guest's own pass through). */
#define HEXO_EXIT_MONITOR 125 /* monitor error, one line on stderr */
#define HEXO_EXIT_CRASH   139 /* guest crashed, crash report on stderr */

#define HEXO_MAX_FDS   256
#define HEXO_ERROR_LEN 512

/* Guest fd -> host fd. fds 0, 1, 2 are the monitor's own and never closed. */
struct files {
	int dir_fd; /* the job directory (O_PATH), the guest's "/" */
	int host[HEXO_MAX_FDS];
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

	const char *hc_name; /* the hypercall being served, for messages */
	int status;          /* exit status once the guest has stopped */
	char error[HEXO_ERROR_LEN];
	struct vm_stats stats;
};

/* main.c */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vm__error(struct hexo_vm *vm, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint64_t now_ns(void); /* CLOCK_MONOTONIC */

/* run.c */
int run__main(int argc, char **argv, uint64_t t_start);
void run__help(void);

/* loader.c: the ELF's loadable segments, checked against the file */
int loader__segments(const void *elf, size_t size, unsigned machine, uint64_t *entry,
                     struct guest_segment *segs, size_t *n, char *err, size_t errlen);
int loader__copy(const struct guest_mem *mem, const void *elf, const struct guest_segment *segs,
                 size_t n);

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

/* crash.c: print a report, return HEXO_EXIT_CRASH */
int crash__fault(struct hexo_vm *vm, const struct hexo_hc_fault *f);
int crash__vcpu(struct hexo_vm *vm, const char *what);

/* stats.c */
void stats__print(struct hexo_vm *vm);

#endif
