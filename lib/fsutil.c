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

int hexo_dir_names(int dfd, char ***out, size_t *count)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	/* A description of its own: reading moves no offset of dfd's. */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
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

/* Empties the directory dfd (consumed), recursively. */
static int rm_contents(int keep, int depth)
{
	char **names;
	size_t n;
	int ret, sub, first = 0;

	ret = hexo_dir_names(keep, &names, &n);
	if (ret) {
		close(keep);
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		if (!unlinkat(keep, names[i], 0) || errno == ENOENT)
			continue;
		ret = -errno;
		if ((errno == EISDIR || errno == EPERM) && depth < HEXO_TREE_MAX_DEPTH) {
			sub =
			    openat(keep, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			ret = sub < 0 ? -errno : rm_contents(sub, depth + 1);
			if (!ret && unlinkat(keep, names[i], AT_REMOVEDIR) < 0)
				ret = -errno;
		}
		if (ret && !first)
			first = ret;
	}
	hexo_dir_names_free(names, n);
	close(keep);
	return first;
}

int hexo_tree_rm(const char *path)
{
	int dfd, ret;

	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return -errno;
		return unlink(path) < 0 ? -errno : 0;
	}
	ret = rm_contents(dfd, 0);
	if (rmdir(path) < 0 && !ret)
		ret = -errno;
	return ret;
}
