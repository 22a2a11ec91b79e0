// SPDX-License-Identifier: MIT
/*
 * Hypercall wrappers over the arch transport (arch_hypercall). The argument
 * structs are static: they sit in kernel .bss, whose address fits the 32-bit
 * x86-64 port value (checked by the linker script).
 */
#include <stdint.h>

#include <hexo/abi.h>
#include <hexo/layout.h>

#include "arch.h"
#include "hypercall.h"

_Static_assert(HEXO_KERNEL_LIMIT <= 0x100000000ull, "hypercall structs must sit below 4 GiB");

static inline hexo_gpa_t gpa(const void *p)
{
	return (hexo_gpa_t)(uintptr_t)p;
}

_Noreturn void hc_exit(int status)
{
	static struct hexo_hc_exit arg;

	arg.status = status & 0xff;
	arch_hypercall(HEXO_HC_EXIT, &arg);
	arch_halt();
}

_Noreturn void hc_fault(const struct hexo_hc_fault *f)
{
	static struct hexo_hc_fault arg;

	arg = *f;
	arch_hypercall(HEXO_HC_FAULT, &arg);
	arch_halt();
}

static int64_t hc_rw(unsigned int nr, int64_t fd, hexo_gpa_t buf, uint64_t len)
{
	static struct hexo_hc_rw arg;

	arg.fd = fd;
	arg.buf = buf;
	arg.len = len;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(nr, &arg);
	return arg.ret;
}

int64_t hc_write(int64_t fd, const void *buf, uint64_t len)
{
	return hc_rw(HEXO_HC_WRITE, fd, gpa(buf), len);
}

int64_t hc_read(int64_t fd, void *buf, uint64_t len)
{
	return hc_rw(HEXO_HC_READ, fd, gpa(buf), len);
}

int64_t hc_open(const char *path, uint32_t flags, uint32_t mode)
{
	static struct hexo_hc_open arg;

	arg.path = gpa(path);
	arg.flags = flags;
	arg.mode = mode;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_OPEN, &arg);
	return arg.ret;
}

/* A call whose one argument is an fd (struct hexo_hc_fd). */
static int64_t hc_fd(uint32_t nr, int64_t fd)
{
	static struct hexo_hc_fd arg;

	arg.fd = fd;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(nr, &arg);
	return arg.ret;
}

int64_t hc_close(int64_t fd)
{
	return hc_fd(HEXO_HC_CLOSE, fd);
}

int64_t hc_isatty(int64_t fd)
{
	return hc_fd(HEXO_HC_ISATTY, fd);
}

int64_t hc_lseek(int64_t fd, int64_t offset, uint32_t whence)
{
	static struct hexo_hc_lseek arg;

	arg.fd = fd;
	arg.offset = offset;
	arg.whence = whence;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_LSEEK, &arg);
	return arg.ret;
}

int64_t hc_fstat(int64_t fd, struct hexo_stat *st)
{
	static struct hexo_hc_fstat arg;

	arg.fd = fd;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_FSTAT, &arg);
	*st = arg.st;
	return arg.ret;
}

int64_t hc_stat(const char *path, struct hexo_stat *st)
{
	static struct hexo_hc_stat arg;

	arg.path = gpa(path);
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_STAT, &arg);
	*st = arg.st;
	return arg.ret;
}

int64_t hc_unlink(const char *path)
{
	static struct hexo_hc_path arg;

	arg.path = gpa(path);
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_UNLINK, &arg);
	return arg.ret;
}

int64_t hc_nanosleep(uint64_t ns)
{
	static struct hexo_hc_nanosleep arg;

	arg.ns = ns;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_NANOSLEEP, &arg);
	return arg.ret;
}

int64_t hc_wallclock(void)
{
	static struct hexo_hc_wallclock arg;

	arch_hypercall(HEXO_HC_WALLCLOCK, &arg);
	return arg.ns;
}

int64_t hc_checkpoint(const struct hexo_hc_checkpoint *c)
{
	static struct hexo_hc_checkpoint arg;

	arg = *c;
	arg.ret = -HEXO_ENOSYS;
	arch_hypercall(HEXO_HC_CHECKPOINT, &arg);
	return arg.ret;
}
