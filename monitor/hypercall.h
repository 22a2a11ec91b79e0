/* SPDX-License-Identifier: MIT */
/*
 * Hypercall handling, arch-neutral: every arch decodes its exits (x86-64
 * port I/O, aarch64 MMIO) into a number and an argument address and feeds
 * hc__dispatch(). Handlers see a copy of the argument struct, reach guest
 * memory only through hc__guest_ptr()/hc__guest_path(), and return:
 */
#ifndef HEXO_MONITOR_HYPERCALL_H
#define HEXO_MONITOR_HYPERCALL_H

#include <stdint.h>

#include <hexo/abi.h>

#define HC_CONTINUE 0 /* resume the guest */
#define HC_STOP     1 /* the guest is done: vm->status is the exit status */
/* < 0: malformed call, the guest is stopped with status 125 (vm->error) */

struct hexo_vm;

int hc__dispatch(struct hexo_vm *vm, uint64_t nr, hexo_gpa_t arg);

/* "HEXO_HC_WRITE", or NULL for an unknown number. */
const char *hc__name(uint64_t nr);

/*
 * The host address of the guest range [gpa, gpa + len), or NULL after
 * writing "HEXO_HC_WRITE: buffer 0x... +0x... outside guest memory (512 MiB)"
 * into vm->error; the handler then returns -EFAULT.
 */
void *hc__guest_ptr(struct hexo_vm *vm, hexo_gpa_t gpa, uint64_t len, const char *what);

/* Copies the guest path at gpa into buf (HEXO_PATH_MAX bytes); 0 or -EFAULT
 * (vm->error set: outside memory or not terminated within HEXO_PATH_MAX). */
int hc__guest_path(struct hexo_vm *vm, hexo_gpa_t gpa, char *buf);

/* Handlers in files.c. */
int files__hc_write(struct hexo_vm *vm, void *arg);
int files__hc_read(struct hexo_vm *vm, void *arg);
int files__hc_open(struct hexo_vm *vm, void *arg);
int files__hc_close(struct hexo_vm *vm, void *arg);
int files__hc_lseek(struct hexo_vm *vm, void *arg);
int files__hc_isatty(struct hexo_vm *vm, void *arg);
int files__hc_fstat(struct hexo_vm *vm, void *arg);
int files__hc_stat(struct hexo_vm *vm, void *arg);
int files__hc_unlink(struct hexo_vm *vm, void *arg);

#endif
