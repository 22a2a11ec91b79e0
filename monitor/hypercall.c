// SPDX-License-Identifier: MIT
/*
 * The one table of hypercall handlers, indexed by enum hexo_hypercall, and
 * the handlers that are not about files (exit, fault, clock).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hypercall.h"
#include "monitor.h"

union hc_args {
	struct hexo_hc_exit exit;
	struct hexo_hc_fault fault;
	struct hexo_hc_rw rw;
	struct hexo_hc_open open;
	struct hexo_hc_fd fd;
	struct hexo_hc_lseek lseek;
	struct hexo_hc_fstat fstat;
	struct hexo_hc_stat stat;
	struct hexo_hc_path path;
	struct hexo_hc_nanosleep nanosleep;
	struct hexo_hc_wallclock wallclock;
	struct hexo_hc_checkpoint checkpoint;
};

struct hc_desc {
	const char *name;
	int (*fn)(struct hexo_vm *vm, void *arg);
	size_t size;  /* of the argument struct */
	bool has_out; /* copy the struct back to the guest afterwards */
};

static int hc_exit(struct hexo_vm *vm, void *arg)
{
	const struct hexo_hc_exit *a = arg;

	vm->status = (int)(a->status & 0xff);
	return HC_STOP;
}

static int hc_fault(struct hexo_vm *vm, void *arg)
{
	vm->status = crash__fault(vm, arg);
	return HC_STOP;
}

static int hc_nanosleep(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_nanosleep *a = arg;
	struct timespec ts = {.tv_sec = (time_t)(a->ns / 1000000000u),
	                      .tv_nsec = (long)(a->ns % 1000000000u)};

	(void)vm;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	a->ret = 0;
	return HC_CONTINUE;
}

static int hc_wallclock(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_wallclock *a = arg;
	struct timespec ts;

	(void)vm;
	clock_gettime(CLOCK_REALTIME, &ts);
	a->ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return HC_CONTINUE;
}

#define HC(nr, handler, type, out) [nr] = {#nr, handler, sizeof(type), out}

static const struct hc_desc hc_table[HEXO_HC_MAX] = {
    HC(HEXO_HC_EXIT, hc_exit, struct hexo_hc_exit, false),
    HC(HEXO_HC_FAULT, hc_fault, struct hexo_hc_fault, false),
    HC(HEXO_HC_WRITE, files__hc_write, struct hexo_hc_rw, true),
    HC(HEXO_HC_READ, files__hc_read, struct hexo_hc_rw, true),
    HC(HEXO_HC_OPEN, files__hc_open, struct hexo_hc_open, true),
    HC(HEXO_HC_CLOSE, files__hc_close, struct hexo_hc_fd, true),
    HC(HEXO_HC_LSEEK, files__hc_lseek, struct hexo_hc_lseek, true),
    HC(HEXO_HC_FSTAT, files__hc_fstat, struct hexo_hc_fstat, true),
    HC(HEXO_HC_STAT, files__hc_stat, struct hexo_hc_stat, true),
    HC(HEXO_HC_UNLINK, files__hc_unlink, struct hexo_hc_path, true),
    HC(HEXO_HC_NANOSLEEP, hc_nanosleep, struct hexo_hc_nanosleep, true),
    HC(HEXO_HC_WALLCLOCK, hc_wallclock, struct hexo_hc_wallclock, true),
    HC(HEXO_HC_CHECKPOINT, checkpoint__hc, struct hexo_hc_checkpoint, true),
    HC(HEXO_HC_ISATTY, files__hc_isatty, struct hexo_hc_fd, true),
};

const char *hc__name(uint64_t nr)
{
	return nr < HEXO_HC_MAX ? hc_table[nr].name : NULL;
}

void *hc__guest_ptr(struct hexo_vm *vm, hexo_gpa_t gpa, uint64_t len, const char *what)
{
	void *p = guest_mem__ptr(&vm->mem, gpa, len);
	char size[32];

	if (!p)
		vm__error(vm, -EFAULT,
		          "%s: %s 0x%" PRIx64 " +0x%" PRIx64 " outside guest memory (%s)",
		          vm->hc_name, what, gpa, len,
		          guest_mem__size_str(vm->mem.size, size, sizeof(size)));
	return p;
}

int hc__guest_path(struct hexo_vm *vm, hexo_gpa_t gpa, char *buf)
{
	long len = guest_mem__strcpy(&vm->mem, gpa, buf, HEXO_PATH_MAX);
	char size[32];

	if (len == -ENAMETOOLONG)
		return vm__error(vm, -EFAULT,
		                 "%s: path at 0x%" PRIx64 " not NUL-terminated within %u bytes",
		                 vm->hc_name, gpa, HEXO_PATH_MAX);
	if (len < 0)
		return vm__error(vm, -EFAULT, "%s: path 0x%" PRIx64 " %s guest memory (%s)",
		                 vm->hc_name, gpa,
		                 gpa < vm->mem.size ? "runs past the end of" : "outside",
		                 guest_mem__size_str(vm->mem.size, size, sizeof(size)));
	return 0;
}

int hc__dispatch(struct hexo_vm *vm, uint64_t nr, hexo_gpa_t gpa)
{
	const struct hc_desc *d;
	union hc_args args;
	void *p;
	int ret;

	if (nr >= HEXO_HC_MAX || !hc_table[nr].fn)
		return vm__error(vm, -EINVAL,
		                 "unknown hypercall %" PRIu64 " (argument 0x%" PRIx64 ")", nr, gpa);
	d = &hc_table[nr];
	vm->hc_name = d->name;
	vm->stats.hypercalls[nr]++;
	if (gpa % 8)
		return vm__error(vm, -EINVAL,
		                 "%s: argument struct 0x%" PRIx64 " is not 8-byte aligned", d->name,
		                 gpa);
	p = hc__guest_ptr(vm, gpa, d->size, "argument struct");
	if (!p)
		return -EFAULT;
	memcpy(&args, p, d->size);
	ret = d->fn(vm, &args);
	if (ret >= 0 && d->has_out)
		memcpy(p, &args, d->size);
	return ret;
}
