// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

int hexo_write_all(int fd, const void *p, size_t len)
{
	const char *b = p;
	ssize_t w;

	while (len) {
		w = write(fd, b, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

int hexo_open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	*base = slash ? slash + 1 : path;
	if (!**base)
		return -EISDIR;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* "XXXXXX" at the end of tmp replaced by six letters or digits. */
static void temp_fill(char *tmp, unsigned attempt)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct timespec ts;
	uint64_t x;
	char *p = tmp + strlen(tmp) - 6;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 40) ^
	    (attempt * 0x9e3779b97f4a7c15u);
	for (int i = 0; i < 6; i++, x /= 62)
		p[i] = chars[x % 62];
}

/* Creates f->tmp = ".NAME.XXXXXX" in f->dirfd with flags (O_CREAT|O_EXCL added). */
static int create_named(struct hexo_newfile *f, const char *name, int flags, mode_t mode)
{
	if (snprintf(f->tmp, sizeof(f->tmp), ".%.*s.XXXXXX", NAME_MAX - 8, name) < 0)
		return -EINVAL;
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		temp_fill(f->tmp, attempt);
		f->fd = openat(f->dirfd, f->tmp, flags | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
		if (f->fd >= 0 || errno != EEXIST)
			return f->fd < 0 ? -errno : 0;
	}
	return -EEXIST;
}

int hexo_newfile_open(struct hexo_newfile *f, int dirfd, const char *name, mode_t mode)
{
	int ret;

	f->dirfd = dirfd;
	f->tmp[0] = '\0';
	/* linkat() of an unnamed file needs its /proc/self/fd entry */
	f->fd = access("/proc/self/fd", X_OK) ? -1
	                                       : openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC,
	                                                mode & 07777);
	if (f->fd < 0) {
		ret = create_named(f, name, O_WRONLY | O_CLOEXEC, mode & 07777);
		if (ret)
			return ret;
	}
	/* the umask applied at creation: set exactly the mode asked for */
	if (fchmod(f->fd, mode & 07777) < 0) {
		ret = -errno;
		hexo_newfile_abort(f);
		return ret;
	}
	return 0;
}

/* Gives the unnamed file a temporary name in its folder, to rename. */
static int link_unnamed(struct hexo_newfile *f, const char *name)
{
	char proc[32];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	snprintf(f->tmp, sizeof(f->tmp), ".%.*s.XXXXXX", NAME_MAX - 8, name);
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		temp_fill(f->tmp, attempt);
		if (!linkat(AT_FDCWD, proc, f->dirfd, f->tmp, AT_SYMLINK_FOLLOW))
			return 0;
		if (errno != EEXIST) {
			f->tmp[0] = '\0';
			return -errno;
		}
	}
	f->tmp[0] = '\0';
	return -EEXIST;
}

int hexo_newfile_commit(struct hexo_newfile *f, const char *name, bool durable)
{
	int ret = 0;

	if (durable && fsync(f->fd) < 0)
		ret = -errno;
	if (!ret && !f->tmp[0])
		ret = link_unnamed(f, name);
	if (close(f->fd) < 0 && !ret)
		ret = -errno;
	f->fd = -1;
	if (!ret && renameat(f->dirfd, f->tmp, f->dirfd, name) < 0)
		ret = -errno;
	if (ret) {
		hexo_newfile_abort(f);
		return ret;
	}
	f->tmp[0] = '\0';
	/* some file systems cannot sync a folder (EINVAL): the rename stands */
	if (durable && fsync(f->dirfd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

void hexo_newfile_abort(struct hexo_newfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp[0])
		unlinkat(f->dirfd, f->tmp, 0);
	f->tmp[0] = '\0';
}

int hexo_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct hexo_newfile f;
	const char *base;
	int dfd, ret;

	dfd = hexo_open_parent(path, &base);
	if (dfd < 0)
		return dfd;
	ret = hexo_newfile_open(&f, dfd, base, mode);
	if (!ret) {
		ret = hexo_write_all(f.fd, data, len);
		if (ret)
			hexo_newfile_abort(&f);
		else
			ret = hexo_newfile_commit(&f, base, true);
	}
	close(dfd);
	return ret;
}

int hexo_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hexo_dir_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/*
 * A stream over the directory dfd with a description of its own, so reading
 * it moves no offset of dfd's; NULL with errno set on failure.
 */
static DIR *dir_stream(int dfd)
{
	int fd, err;
	DIR *d;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		err = errno;
		close(fd);
		errno = err;
	}
	return d;
}

int hexo_dir_names(int dfd, char ***out, size_t *count)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	d = dir_stream(dfd);
	if (!d)
		return -errno;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				goto fail_nomem;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto fail_nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*count = n;
	return 0;

fail_nomem:
	closedir(d);
	hexo_dir_names_free(names, n);
	return -ENOMEM;
}

/*
 * Removes what it can of the directory cur's entries that are not
 * directories; *sub is the name of the first directory left (malloc'd), or
 * NULL when there is none. *first keeps the first error.
 */
static int scan_dir(int cur, char **sub, int *first)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err;

	*sub = NULL;
	d = dir_stream(cur);
	if (!d)
		return -errno;
	while (!*sub && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!unlinkat(cur, de->d_name, 0) || errno == ENOENT)
			continue;
		err = errno;
		if (!fstatat(cur, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode)) {
			*sub = strdup(de->d_name);
			if (!*sub) {
				closedir(d);
				return -ENOMEM;
			}
		} else if (!*first) {
			*first = -err;
		}
	}
	closedir(d);
	return 0;
}

struct rm_level {
	char *name;   /* the directory gone into */
	dev_t dev;    /* its parent's identity, checked on the way back up */
	ino_t ino;
};

/*
 * Empties the directory top (left open) at any depth with two descriptors
 * at most: down by name (O_NOFOLLOW), back up by "..", checked to be the
 * directory it came from.
 */
int hexo_tree_empty(int top)
{
	struct rm_level *lv = NULL, *nl;
	size_t n = 0, cap = 0;
	int cur, sub, ret = 0, first = 0;
	struct stat st;
	char *name;

	cur = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	while (!ret) {
		ret = scan_dir(cur, &name, &first);
		if (ret)
			break;
		if (name) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				nl = realloc(lv, cap * sizeof(*lv));
				if (!nl) {
					free(name);
					ret = -ENOMEM;
					break;
				}
				lv = nl;
			}
			if (fstat(cur, &st) < 0) {
				free(name);
				ret = -errno;
				break;
			}
			lv[n++] = (struct rm_level){name, st.st_dev, st.st_ino};
			sub = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				ret = -errno;
				break;
			}
			close(cur);
			cur = sub;
			continue;
		}
		if (!n)
			break; /* top is empty */
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0) {
			ret = -errno;
			break;
		}
		close(cur);
		cur = sub;
		if (fstat(cur, &st) < 0 || st.st_dev != lv[n - 1].dev || st.st_ino != lv[n - 1].ino) {
			ret = -EXDEV; /* moved under us */
			break;
		}
		if (unlinkat(cur, lv[n - 1].name, AT_REMOVEDIR) < 0)
			ret = -errno; /* stop: it would be found again and again */
		free(lv[--n].name);
	}
	close(cur);
	while (n)
		free(lv[--n].name);
	free(lv);
	return ret ? ret : first;
}

int hexo_tree_rm_at(int dfd, const char *name)
{
	int sub, ret;

	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return -errno;
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	ret = hexo_tree_empty(sub);
	close(sub);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && !ret)
		ret = -errno;
	return ret;
}

int hexo_tree_rm(const char *path)
{
	return hexo_tree_rm_at(AT_FDCWD, path);
}
