// SPDX-License-Identifier: MIT
/*
 * The guest's files. The job directory (--dir) is opened once; every guest
 * path is resolved by openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * beneath it, so "..", absolute paths and symlinks stay inside: the guest
 * sees the job directory as "/" and as its working directory.
 *
 * Guest fds index files->host; 0, 1, 2 are the monitor's stdin, stdout and
 * stderr (a guest close() only forgets them). Errors go back to the guest as
 * -HEXO_E*; only a malformed call (bad buffer or path) stops it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs_conv.h"
#include "hypercall.h"
#include "monitor.h"

#define RESOLVE_JOB_DIR (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define IO_CHUNK        (1u << 30) /* largest single read(2)/write(2) */

int files__init(struct files *files, const char *dir, char *err, size_t errlen)
{
	for (int i = 0; i < HEXO_MAX_FDS; i++) {
		files->host[i] = -1;
		files->path[i] = NULL;
		files->flags[i] = 0;
	}
	/*
	 * fds 0, 1, 2 the monitor was started without stay closed for the guest
	 * too (EBADF, as for a native program), but get /dev/null on the host
	 * side, so no file the guest opens can land on them.
	 */
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0) {
			files->host[fd] = fd;
			continue;
		}
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd) {
			snprintf(err, errlen, "/dev/null: %s", strerror(errno));
			return -EBADF;
		}
	}
	files->ckpt_mapped = false;
	/* umask() cannot be read without setting it; nothing runs in between. */
	files->create_mask = umask(0);
	umask((mode_t)files->create_mask);
	files->create_mask |= 022;
	files->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (files->dir_fd < 0) {
		int e = errno;

		snprintf(err, errlen, "--dir '%s': %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

static int job_open(struct files *files, const char *path, int flags, unsigned mode);

/*
 * -ETXTBSY when path is the checkpoint file the guest's memory is mapped
 * from (HEXO_RESTORE=mmap): truncated, it would take the pages of the
 * running job away (SIGBUS); written, it would change them. As Linux
 * refuses to write a running program. 0 otherwise (also when path does not
 * exist yet). The guest runs alone, so nothing renames in between.
 */
static int mapped_checkpoint(struct files *files, const char *path)
{
	struct stat st;
	int fd = job_open(files, path, O_PATH | O_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && st.st_dev == files->ckpt_dev && st.st_ino == files->ckpt_ino)
		ret = -ETXTBSY;
	close(fd);
	return ret;
}

/*
 * openat2 beneath the job directory; -errno on failure. A file the guest
 * creates gets only permission bits (no set-user-ID, set-group-ID or sticky
 * bit), less the caller's umask and group/other write.
 */
static int job_open(struct files *files, const char *path, int flags, unsigned mode)
{
	struct open_how how = {
	    .flags = (uint64_t)flags,
	    .mode = (flags & O_CREAT) ? (mode & 0777 & ~files->create_mask) : 0,
	    .resolve = RESOLVE_JOB_DIR,
	};
	long fd;

	if (files->ckpt_mapped && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))) {
		int ret = mapped_checkpoint(files, path);

		if (ret)
			return ret;
	}
	/* EAGAIN: a concurrent rename or mount raced the lookup; try again. */
	for (int tries = 0; tries < 8; tries++) {
		fd = syscall(SYS_openat2, files->dir_fd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno == ENOSYS)
			hexo_die("openat2: %s: hexo needs Linux 5.6 or later", strerror(ENOSYS));
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

static int host_fd(const struct files *files, int64_t fd)
{
	if (fd < 0 || fd >= HEXO_MAX_FDS)
		return -1;
	return files->host[fd];
}

static void wait_fd(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	poll(&p, 1, -1);
}

static int64_t write_all(int fd, const uint8_t *buf, uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t left = len - done;
		ssize_t n = write(fd, buf + done, left < IO_CHUNK ? left : IO_CHUNK);

		if (n > 0) {
			done += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_fd(fd, POLLOUT);
			continue;
		}
		if (done)
			break;
		return n < 0 ? -fs_conv__errno(errno) : 0;
	}
	return (int64_t)done;
}

int files__hc_write(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_rw *a = arg;
	const uint8_t *buf = hc__guest_ptr(vm, a->buf, a->len, "buffer");
	int fd;

	if (!buf)
		return -EFAULT;
	fd = host_fd(&vm->files, a->fd);
	a->ret = fd < 0 ? -HEXO_EBADF : write_all(fd, buf, a->len);
	return HC_CONTINUE;
}

int files__hc_read(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_rw *a = arg;
	uint8_t *buf = hc__guest_ptr(vm, a->buf, a->len, "buffer");
	ssize_t n;
	int fd;

	if (!buf)
		return -EFAULT;
	fd = host_fd(&vm->files, a->fd);
	if (fd < 0) {
		a->ret = -HEXO_EBADF;
		return HC_CONTINUE;
	}
	for (;;) {
		n = read(fd, buf, a->len < IO_CHUNK ? a->len : IO_CHUNK);
		if (n >= 0 || (errno != EINTR && errno != EAGAIN))
			break;
		if (errno == EAGAIN)
			wait_fd(fd, POLLIN);
	}
	a->ret = n >= 0 ? n : -fs_conv__errno(errno);
	return HC_CONTINUE;
}

static int free_slot(const struct files *files)
{
	for (int i = 0; i < HEXO_MAX_FDS; i++)
		if (files->host[i] < 0)
			return i;
	return -1;
}

int files__hc_open(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_open *a = arg;
	char path[HEXO_PATH_MAX], rel[HEXO_PATH_MAX];
	int flags, slot, fd;

	if (hc__guest_path(vm, a->path, path))
		return -EFAULT;
	flags = fs_conv__open_flags(a->flags);
	slot = free_slot(&vm->files);
	if (flags < 0) {
		a->ret = -HEXO_EINVAL;
	} else if (slot < 0) {
		a->ret = -HEXO_EMFILE;
	} else {
		/* Linux itself refuses a directory opened for writing (EISDIR). */
		fd = job_open(&vm->files, path, flags, a->mode);
		if (fd >= 0 && (fs_conv__job_path(path, rel, sizeof(rel)) ||
		                !(vm->files.path[slot] = strdup(rel)))) {
			close(fd);
			fd = -ENOMEM;
		}
		if (fd >= 0) {
			vm->files.host[slot] = fd;
			vm->files.flags[slot] = a->flags;
		}
		a->ret = fd >= 0 ? slot : -fs_conv__errno(-fd);
	}
	return HC_CONTINUE;
}

int files__hc_close(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_fd *a = arg;
	int fd = host_fd(&vm->files, a->fd);

	a->ret = 0;
	if (fd < 0) {
		a->ret = -HEXO_EBADF;
		return HC_CONTINUE;
	}
	vm->files.host[a->fd] = -1;
	free(vm->files.path[a->fd]);
	vm->files.path[a->fd] = NULL;
	if (fd > 2 && close(fd) < 0 && errno != EINTR)
		a->ret = -fs_conv__errno(errno);
	return HC_CONTINUE;
}

int files__hc_lseek(struct hexo_vm *vm, void *arg)
{
	static const int whence[] = {
	    [HEXO_SEEK_SET] = SEEK_SET, [HEXO_SEEK_CUR] = SEEK_CUR, [HEXO_SEEK_END] = SEEK_END};
	struct hexo_hc_lseek *a = arg;
	int fd = host_fd(&vm->files, a->fd);
	off_t off;

	if (fd < 0) {
		a->ret = -HEXO_EBADF;
	} else if (a->whence > HEXO_SEEK_END) {
		a->ret = -HEXO_EINVAL;
	} else {
		off = lseek(fd, a->offset, whence[a->whence]);
		a->ret = off >= 0 ? off : -fs_conv__errno(errno);
	}
	return HC_CONTINUE;
}

int files__hc_isatty(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_fd *a = arg;
	int fd = host_fd(&vm->files, a->fd);

	if (fd < 0)
		a->ret = -HEXO_EBADF;
	else if (isatty(fd))
		a->ret = 1;
	else
		a->ret = errno == EBADF ? -HEXO_EBADF : 0;
	return HC_CONTINUE;
}

int files__hc_fstat(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_fstat *a = arg;
	int fd = host_fd(&vm->files, a->fd);
	struct stat st;

	memset(&a->st, 0, sizeof(a->st));
	if (fd < 0) {
		a->ret = -HEXO_EBADF;
	} else if (fstat(fd, &st) < 0) {
		a->ret = -fs_conv__errno(errno);
	} else {
		fs_conv__stat(&st, &a->st);
		a->ret = 0;
	}
	return HC_CONTINUE;
}

int files__hc_stat(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_stat *a = arg;
	char path[HEXO_PATH_MAX];
	struct stat st;
	int fd;

	if (hc__guest_path(vm, a->path, path))
		return -EFAULT;
	memset(&a->st, 0, sizeof(a->st));
	fd = job_open(&vm->files, path, O_PATH | O_CLOEXEC, 0);
	if (fd < 0) {
		a->ret = -fs_conv__errno(-fd);
		return HC_CONTINUE;
	}
	if (fstat(fd, &st) < 0) {
		a->ret = -fs_conv__errno(errno);
	} else {
		fs_conv__stat(&st, &a->st);
		a->ret = 0;
	}
	close(fd);
	return HC_CONTINUE;
}

int files__hc_unlink(struct hexo_vm *vm, void *arg)
{
	struct hexo_hc_path *a = arg;
	char path[HEXO_PATH_MAX], dir[HEXO_PATH_MAX + 2];
	const char *name;
	int ret, dfd;

	if (hc__guest_path(vm, a->path, path))
		return -EFAULT;
	ret = fs_conv__split_path(path, dir, sizeof(dir), &name);
	if (ret) {
		a->ret = -fs_conv__errno(-ret);
		return HC_CONTINUE;
	}
	dfd = job_open(&vm->files, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0) {
		a->ret = -fs_conv__errno(-dfd);
		return HC_CONTINUE;
	}
	a->ret = unlinkat(dfd, name, 0) < 0 ? -fs_conv__errno(errno) : 0;
	close(dfd);
	return HC_CONTINUE;
}

/* ------------------------------------------------------------ checkpoints */

/* readlink() of /proc/self/fd/N: the file's current absolute path. */
static int fd_path(int fd, char *buf, size_t len)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0 || (size_t)n >= len - 1)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * Where the file is now, relative to the job directory: a file renamed
 * since it was opened is found under its new name. Falls back to the path
 * it was opened with when /proc is missing or the file is outside the job
 * directory's tree as seen from here (a bind mount).
 */
static const char *current_path(const struct files *files, int fd, char *buf, size_t len)
{
	char dir[HEXO_PATH_MAX];
	size_t dlen;

	if (fd_path(files->dir_fd, dir, sizeof(dir)) || fd_path(files->host[fd], buf, len))
		return files->path[fd];
	dlen = strlen(dir);
	if (!strcmp(dir, "/"))
		dlen = 0;
	if (strncmp(buf, dir, dlen) || buf[dlen] != '/' || !buf[dlen + 1])
		return files->path[fd];
	return buf + dlen + 1;
}

static int save_one(const struct files *files, int fd, struct hexo_ckpt_open_file *f, char *err,
                    size_t errlen)
{
	char buf[HEXO_PATH_MAX + 512];
	const char *path = files->path[fd];
	struct stat st;
	off_t off;

	if (fstat(files->host[fd], &st) < 0) {
		snprintf(err, errlen, "fd %d (%s): %s", fd, path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
		         "fd %d (%s) is not a regular file: a restored job could not reopen it", fd,
		         path);
		return -EINVAL;
	}
	if (st.st_nlink == 0) {
		snprintf(err, errlen,
		         "fd %d (%s): the file was deleted while open: a restored job could not "
		         "reopen it",
		         fd, path);
		return -ENOENT;
	}
	path = current_path(files, fd, buf, sizeof(buf));
	off = lseek(files->host[fd], 0, SEEK_CUR);
	*f = (struct hexo_ckpt_open_file){
	    .fd = fd,
	    .flags = files->flags[fd],
	    .offset = off >= 0 ? (uint64_t)off : 0,
	    .state = off >= 0 ? 0 : HEXO_CKPT_FILE_NOSEEK,
	    .path = strdup(path),
	};
	if (!f->path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int files__save(struct files *files, struct hexo_ckpt_open_file **out, size_t *n,
                uint32_t *std_closed, char *err, size_t errlen)
{
	struct hexo_ckpt_open_file *f = calloc(HEXO_MAX_FDS, sizeof(*f));
	size_t k = 0;
	int ret;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*std_closed = 0;
	for (int fd = 0; fd < HEXO_MAX_FDS; fd++) {
		if (fd < 3 && files->host[fd] < 0)
			*std_closed |= 1u << fd;
		if (files->host[fd] < 0 || !files->path[fd])
			continue;
		ret = save_one(files, fd, &f[k], err, errlen);
		if (ret) {
			files__saved_free(f, k);
			return ret;
		}
		k++;
	}
	*out = f;
	*n = k;
	return 0;
}

void files__saved_free(struct hexo_ckpt_open_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)f[i].path);
	free(f);
}

int files__restore(struct files *files, const struct hexo_ckpt_file *f, const char *path, char *err,
                   size_t errlen)
{
	uint32_t hflags = f->flags & ~(HEXO_O_CREAT | HEXO_O_TRUNC | HEXO_O_EXCL);
	int flags = fs_conv__open_flags(hflags), fd;

	if (f->fd < 0 || f->fd >= HEXO_MAX_FDS || flags < 0) {
		snprintf(err, errlen, "file '%s': bad fd %d or flags 0x%x", path, f->fd, f->flags);
		return -EINVAL;
	}
	fd = job_open(files, path, flags, 0);
	if (fd < 0) {
		snprintf(err, errlen,
		         "cannot reopen the job's file '%s' (fd %d) in the job directory: %s", path,
		         f->fd, strerror(-fd));
		return fd;
	}
	if (!(f->state & HEXO_CKPT_FILE_NOSEEK) && lseek(fd, (off_t)f->offset, SEEK_SET) < 0) {
		int e = errno;

		close(fd);
		snprintf(err, errlen, "the job's file '%s' (fd %d): cannot seek to %llu: %s", path,
		         f->fd, (unsigned long long)f->offset, strerror(e));
		return -e;
	}
	/* A guest fd 0-2 that was a file: the monitor's own stays open beneath. */
	files->host[f->fd] = fd;
	files->flags[f->fd] = f->flags;
	files->path[f->fd] = strdup(path);
	if (!files->path[f->fd]) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void files__close_std(struct files *files, uint32_t std_closed)
{
	for (int fd = 0; fd < 3; fd++)
		if ((std_closed & (1u << fd)) && !files->path[fd])
			files->host[fd] = -1;
}

bool files__writes_to(const struct files *files, int fd)
{
	struct stat ck, st;

	if (fstat(fd, &ck) < 0)
		return true; /* cannot tell: do not map */
	for (int i = 0; i < HEXO_MAX_FDS; i++)
		if (files->path[i] && (files->flags[i] & HEXO_O_ACCMODE) != HEXO_O_RDONLY &&
		    fstat(files->host[i], &st) == 0 && st.st_dev == ck.st_dev &&
		    st.st_ino == ck.st_ino)
			return true;
	return false;
}

void files__protect_mapped(struct files *files, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		hexo_die("fstat of the checkpoint: %s", strerror(errno));
	files->ckpt_dev = st.st_dev;
	files->ckpt_ino = st.st_ino;
	files->ckpt_mapped = true;
}
