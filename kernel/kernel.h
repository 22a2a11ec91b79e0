/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of the arch-neutral kernel core.
 */
#ifndef HEXO_KERNEL_KERNEL_H
#define HEXO_KERNEL_KERNEL_H

#include <stdint.h>

#include <hexo/abi.h>

/* The boot info the monitor filled; set before any C code but kernel_main. */
extern struct hexo_boot_info *kernel_boot_info;

/* Called by the arch entry code with the clock counter read at entry. */
_Noreturn void kernel_main(struct hexo_boot_info *bi, uint64_t t_entry);

/*
 * Reports an unhandled exception to the monitor and stops. The arch vector
 * code fills kind, vector, pc, addr, error_code, sp and flags; this adds
 * HEXO_FAULT_STACK_OVERFLOW when the fault hit the stack guard page.
 */
_Noreturn void kernel_fault(const struct hexo_hc_fault *f);

/* Monotonic and real-time clocks (clock.c). */
void clock_init(const struct hexo_boot_info *bi, uint64_t t_entry);
uint64_t clock_mono_ns(void);
int64_t clock_real_ns(void);

/* The heap behind sbrk (heap.c); a restored job gets its break back. */
void heap_init(const struct hexo_boot_info *bi);
uintptr_t heap_start(void);
uintptr_t heap_brk(void);

/*
 * The migration runtime's root (kernel/runtime/root.c): calls main, and
 * when main returns because the job unwound, has the monitor write a
 * checkpoint, then rewinds (docs/migration.md). On restore it rewinds at
 * once.
 */
int hexo_root(int argc, char **argv, char **envp);
/* The progress count (runtime/migrate.c): from bi->points, published at bi->points_addr. */
void rt_points_init(struct hexo_boot_info *bi);

/* Guest fds are 0..KERNEL_OPEN_MAX-1: _open refuses a higher one (EMFILE). */
#define KERNEL_OPEN_MAX 64

#endif /* HEXO_KERNEL_KERNEL_H */
