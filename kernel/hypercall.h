/* SPDX-License-Identifier: MIT */
/*
 * Typed hypercall wrappers. Each keeps its argument struct in kernel .bss
 * (the transport passes a 32-bit address); one vCPU and no interrupts make
 * that safe. Calls return the monitor's `ret` field: a count, an offset, a
 * guest fd or 0 on success, -HEXO_E* on failure.
 */
#ifndef HEXO_KERNEL_HYPERCALL_H
#define HEXO_KERNEL_HYPERCALL_H

#include <stdint.h>

#include <hexo/abi.h>

_Noreturn void hc_exit(int status);
_Noreturn void hc_fault(const struct hexo_hc_fault *f);
int64_t hc_write(int64_t fd, const void *buf, uint64_t len);
int64_t hc_read(int64_t fd, void *buf, uint64_t len);
int64_t hc_open(const char *path, uint32_t flags, uint32_t mode);
int64_t hc_close(int64_t fd);
/* 1 if fd is a terminal, 0 if not, or -HEXO_E*. */
int64_t hc_isatty(int64_t fd);
int64_t hc_lseek(int64_t fd, int64_t offset, uint32_t whence);
int64_t hc_fstat(int64_t fd, struct hexo_stat *st);
int64_t hc_stat(const char *path, struct hexo_stat *st);
int64_t hc_unlink(const char *path);
int64_t hc_nanosleep(uint64_t ns);
int64_t hc_wallclock(void);
/* Returns only for HEXO_MIGRATE_CHECKPOINT or a failed write (abi.h). */
int64_t hc_checkpoint(const struct hexo_hc_checkpoint *c);

#endif /* HEXO_KERNEL_HYPERCALL_H */
