/* SPDX-License-Identifier: MIT */
/*
 * The hooks every architecture provides to the arch-neutral kernel core.
 * Declared here once; kernel/arch/<isa>/ implements them. Keep this list
 * short: a new port implements exactly these plus its entry code, exception
 * vectors and linker script.
 *
 * The arch entry code (`_start`) must, before anything else, read the clock
 * counter, make the FPU/SIMD registers usable (the compiler may use them in
 * any C function), give the stack the C ABI alignment and call
 *	kernel_main(boot_info, counter_at_entry)	(kernel.h)
 * Its exception vectors build a struct hexo_hc_fault and call kernel_fault().
 */
#ifndef HEXO_KERNEL_ARCH_H
#define HEXO_KERNEL_ARCH_H

#include <stdint.h>

struct hexo_boot_info;

/* The free-running clock counter (TSC, CNTVCT_EL0) and its rate in Hz. */
uint64_t arch_counter_read(void);
uint64_t arch_counter_hz(const struct hexo_boot_info *bi);

/*
 * Issues hypercall `nr` (enum hexo_hypercall). `arg` is the argument struct;
 * it must live in kernel .bss (below 4 GiB, see layout.h). When this returns,
 * the monitor has filled the struct's OUT fields.
 */
void arch_hypercall(unsigned int nr, void *arg);

/* Stops the vCPU for good (used after EXIT/FAULT, and on broken state). */
_Noreturn void arch_halt(void);

#endif /* HEXO_KERNEL_ARCH_H */
