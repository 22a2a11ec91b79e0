// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int hexo_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX + 16], dir[PATH_MAX], *slash;
	int fd, dfd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	ret = fchmod(fd, mode) < 0 ? -errno : 0;
	if (!ret)
		ret = hexo_write_all(fd, data, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	dfd = open(slash ? (slash == dir ? "/" : dir) : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
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
