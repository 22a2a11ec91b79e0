// SPDX-License-Identifier: MIT
/*
 * newlib file calls over the file hypercalls. Guest paths are relative to the
 * job directory, which the monitor confines them to. The monitor holds the
 * guest's descriptors (it numbers them, and a checkpoint carries them): the
 * kernel keeps no table of its own and passes fds through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hexo/abi.h>

#include "hypercall.h"
#include "kernel.h"
#include "newlib_syscalls.h"

/* The ABI's error numbers are newlib's; the kernel passes them through. */
_Static_assert(HEXO_EPERM == EPERM && HEXO_ENOENT == ENOENT && HEXO_EIO == EIO &&
                   HEXO_EBADF == EBADF && HEXO_ENOMEM == ENOMEM && HEXO_EACCES == EACCES &&
                   HEXO_EFAULT == EFAULT && HEXO_EBUSY == EBUSY && HEXO_EEXIST == EEXIST &&
                   HEXO_EXDEV == EXDEV && HEXO_ENOTDIR == ENOTDIR && HEXO_EISDIR == EISDIR &&
                   HEXO_EINVAL == EINVAL && HEXO_ENFILE == ENFILE && HEXO_EMFILE == EMFILE &&
                   HEXO_ENOTTY == ENOTTY && HEXO_EFBIG == EFBIG && HEXO_ENOSPC == ENOSPC &&
                   HEXO_ESPIPE == ESPIPE && HEXO_EROFS == EROFS && HEXO_ENOSYS == ENOSYS &&
                   HEXO_ENOTEMPTY == ENOTEMPTY && HEXO_ENAMETOOLONG == ENAMETOOLONG &&
                   HEXO_ELOOP == ELOOP,
               "HEXO_E* must equal newlib's errno values");
_Static_assert(O_RDONLY == HEXO_O_RDONLY && O_WRONLY == HEXO_O_WRONLY && O_RDWR == HEXO_O_RDWR,
               "access modes are passed through");
_Static_assert(SEEK_SET == HEXO_SEEK_SET && SEEK_CUR == HEXO_SEEK_CUR && SEEK_END == HEXO_SEEK_END,
               "whence values are passed through");

/* Largest read or write in one call: the result must fit newlib's int. */
#define RW_MAX 0x7ffff000u

static int fail(int64_t err)
{
	errno = (int)-err;
	return -1;
}

/* 0, or -errno for a path the monitor would refuse as malformed. */
static int path_check(const char *path)
{
	if (!path)
		return -EFAULT;
	if (strnlen(path, HEXO_PATH_MAX) == HEXO_PATH_MAX)
		return -ENAMETOOLONG;
	if (!path[0])
		return -ENOENT;
	return 0;
}

/* Flags without a HEXO_O_* meaning (O_NONBLOCK, O_NOCTTY, ...) are ignored. */
static uint32_t open_flags(int flags)
{
	uint32_t h = (uint32_t)(flags & O_ACCMODE);

	if (flags & O_CREAT)
		h |= HEXO_O_CREAT;
	if (flags & O_EXCL)
		h |= HEXO_O_EXCL;
	if (flags & O_TRUNC)
		h |= HEXO_O_TRUNC;
	if (flags & O_APPEND)
		h |= HEXO_O_APPEND;
	return h;
}

int _open(const char *path, int flags, ...)
{
	uint32_t hflags = open_flags(flags);
	unsigned int mode = 0;
	int64_t fd, err;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (unsigned int)va_arg(ap, int) & 07777;
		va_end(ap);
	}
	err = path_check(path);
	if (err)
		return fail(err);
	fd = hc_open(path, hflags, mode);
	if (fd < 0)
		return fail(fd);
	if (fd >= KERNEL_OPEN_MAX) {
		hc_close(fd);
		return fail(-EMFILE);
	}
	return (int)fd;
}

int _close(int fd)
{
	int64_t ret = hc_close(fd);

	return ret < 0 ? fail(ret) : 0;
}

_READ_WRITE_RETURN_TYPE _read(int fd, void *buf, size_t len)
{
	int64_t ret = hc_read(fd, buf, len < RW_MAX ? len : RW_MAX);

	return ret < 0 ? fail(ret) : (_READ_WRITE_RETURN_TYPE)ret;
}

_READ_WRITE_RETURN_TYPE _write(int fd, const void *buf, size_t len)
{
	int64_t ret = hc_write(fd, buf, len < RW_MAX ? len : RW_MAX);

	return ret < 0 ? fail(ret) : (_READ_WRITE_RETURN_TYPE)ret;
}

_off_t _lseek(int fd, _off_t offset, int whence)
{
	int64_t ret;

	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return fail(-EINVAL);
	ret = hc_lseek(fd, offset, (uint32_t)whence);
	return ret < 0 ? fail(ret) : (_off_t)ret;
}

#define GUEST_BLKSIZE_MIN 65536u

static mode_t file_type_mode(uint32_t type)
{
	switch (type) {
	case HEXO_FT_REG:
		return S_IFREG;
	case HEXO_FT_DIR:
		return S_IFDIR;
	case HEXO_FT_CHR:
		return S_IFCHR;
	case HEXO_FT_FIFO:
		return S_IFIFO;
	default:
		return 0;
	}
}

static void stat_from_hexo(const struct hexo_stat *h, struct stat *st)
{
	struct timespec t;

	t.tv_sec = h->mtime_ns / 1000000000;
	t.tv_nsec = h->mtime_ns % 1000000000;
	if (t.tv_nsec < 0) {
		t.tv_sec--;
		t.tv_nsec += 1000000000;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = file_type_mode(h->type) | (h->perm & 07777);
	st->st_nlink = 1;
	st->st_size = (off_t)h->size;
	/* The preferred I/O size: every read or write is a VM exit, far dearer
	 * than a host system call, so at least GUEST_BLKSIZE_MIN. newlib's
	 * stdio sizes a stream's buffer from it. */
	st->st_blksize = (blksize_t)(h->blksize > GUEST_BLKSIZE_MIN ? h->blksize
	                                                           : GUEST_BLKSIZE_MIN);
	st->st_blocks = (blkcnt_t)((h->size + 511) / 512);
	st->st_atim = t;
	st->st_mtim = t;
	st->st_ctim = t;
}

int _fstat(int fd, struct stat *st)
{
	struct hexo_stat h;
	int64_t ret = hc_fstat(fd, &h);

	if (ret < 0)
		return fail(ret);
	stat_from_hexo(&h, st);
	return 0;
}

int _stat(const char *path, struct stat *st)
{
	struct hexo_stat h;
	int64_t ret = path_check(path);

	if (!ret)
		ret = hc_stat(path, &h);
	if (ret < 0)
		return fail(ret);
	stat_from_hexo(&h, st);
	return 0;
}

/*
 * The monitor asks its host (isatty(3) on the host fd): a character device
 * such as /dev/null is no terminal. newlib's stdio makes a stream
 * line-buffered only when this says 1 (stdout included, see docs/newlib.md).
 */
int _isatty(int fd)
{
	int64_t ret = hc_isatty(fd);

	if (ret < 0) {
		fail(ret);
		return 0;
	}
	if (ret == 0) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

int _unlink(const char *path)
{
	int64_t ret = path_check(path);

	if (!ret)
		ret = hc_unlink(path);
	return ret < 0 ? fail(ret) : 0;
}

/* No hypercall for these: the job directory holds plain files only. */
int _link(const char *old, const char *new)
{
	(void)old;
	(void)new;
	return fail(-ENOSYS);
}

int _mkdir(const char *path, mode_t mode)
{
	(void)path;
	(void)mode;
	return fail(-ENOSYS);
}

int _fcntl(int fd, int cmd, ...)
{
	(void)fd;
	(void)cmd;
	return fail(-ENOSYS);
}
