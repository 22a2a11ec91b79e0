// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "proto.h"
#include "proto_fs.h"
#include "secret.h"


struct walk {
	int (*fn)(const char *relpath, const struct stat *st, void *arg);
	void *arg;
	unsigned flags;
	char path[HEXO_PROTO_PATH_MAX];
	char *err;
	size_t errlen;
};

static int walk_dir(struct walk *w, int dfd, size_t plen, int depth);

static int walk_entry(struct walk *w, int dfd, size_t plen, const char *name, int depth)
{
	size_t nlen = strlen(name);
	struct stat st;
	int sub, ret;

	if (plen + (plen ? 1 : 0) + nlen >= sizeof(w->path)) {
		snprintf(w->err, w->errlen, "'%.100s...': path too long", w->path);
		return -ENAMETOOLONG;
	}
	if (plen)
		w->path[plen++] = '/';
	memcpy(w->path + plen, name, nlen + 1);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0; /* vanished while we walked */
		snprintf(w->err, w->errlen, "'%s': %s", w->path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return w->fn(w->path, &st, w->arg);
	if (w->flags & HEXO_TREE_DIRS) {
		ret = w->fn(w->path, &st, w->arg);
		if (ret)
			return ret;
	}
	if (depth >= HEXO_TREE_MAX_DEPTH) {
		snprintf(w->err, w->errlen, "'%s': directories nested too deep", w->path);
		return -ELOOP;
	}
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0) {
		snprintf(w->err, w->errlen, "'%s': %s", w->path, strerror(errno));
		return -errno;
	}
	return walk_dir(w, sub, plen + nlen, depth + 1);
}

static int walk_dir(struct walk *w, int dfd, size_t plen, int depth)
{
	char **names;
	size_t n;
	int ret;

	ret = hexo_dir_names(dfd, &names, &n);
	if (ret) {
		close(dfd);
		snprintf(w->err, w->errlen, "'%s': %s", plen ? w->path : ".", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		ret = walk_entry(w, dfd, plen, names[i], depth);
		w->path[plen] = '\0';
	}
	hexo_dir_names_free(names, n);
	close(dfd);
	return ret;
}

int hexo_tree_walk(const char *root, unsigned flags,
                   int (*fn)(const char *relpath, const struct stat *st, void *arg), void *arg,
                   char *err, size_t errlen)
{
	int dfd, ret;

	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "directory '%s': %s", root, strerror(errno));
		return -errno;
	}
	ret = hexo_tree_walk_at(dfd, flags, fn, arg, err, errlen);
	close(dfd);
	return ret;
}

int hexo_tree_walk_at(int rootfd, unsigned flags,
                      int (*fn)(const char *relpath, const struct stat *st, void *arg),
                      void *arg, char *err, size_t errlen)
{
	struct walk *w;
	int dfd, ret;

	dfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "directory: %s", strerror(errno));
		return -errno;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(dfd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->fn = fn;
	w->arg = arg;
	w->flags = flags;
	w->err = err;
	w->errlen = errlen;
	ret = walk_dir(w, dfd, 0, 0);
	free(w);
	return ret;
}

int hexo_tree_parent(int rootfd, const char *relpath, int create, const char **base)
{
	char comp[HEXO_PROTO_NAME_MAX + 1];
	const char *s = relpath, *slash;
	int dfd, next;
	size_t n;

	if (!hexo_proto_path_valid(relpath))
		return -EINVAL;
	dfd = dup(rootfd);
	if (dfd < 0)
		return -errno;
	while ((slash = strchr(s, '/'))) {
		n = (size_t)(slash - s);
		memcpy(comp, s, n);
		comp[n] = '\0';
		if (create && mkdirat(dfd, comp, 0777) < 0 && errno != EEXIST)
			goto fail;
		next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail;
		close(dfd);
		dfd = next;
		s = slash + 1;
	}
	*base = s;
	return dfd;

fail:
	n = (size_t)errno;
	close(dfd);
	return n == ELOOP ? -ENOTDIR : -(int)n;
}

int hexo_tree_open_read(int rootfd, const char *relpath)
{
	const char *base;
	int dfd, fd;

	dfd = hexo_tree_parent(rootfd, relpath, 0, &base);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(dfd);
	return fd;
}

int hexo_tree_create(int rootfd, const char *relpath, unsigned mode, struct hexo_newfile *f)
{
	const char *base;
	int dfd, ret;

	dfd = hexo_tree_parent(rootfd, relpath, 1, &base);
	if (dfd < 0)
		return dfd;
	ret = hexo_newfile_open(f, dfd, base, mode & 0777);
	if (ret)
		close(dfd);
	return ret;
}

static const char *last_component(const char *relpath)
{
	const char *slash = strrchr(relpath, '/');

	return slash ? slash + 1 : relpath;
}

int hexo_tree_commit(struct hexo_newfile *f, const char *relpath)
{
	int ret = hexo_newfile_commit(f, last_component(relpath), false);

	close(f->dirfd);
	return ret;
}

void hexo_tree_abort(struct hexo_newfile *f)
{
	hexo_newfile_abort(f);
	close(f->dirfd);
}

int hexo_tree_unlink(int rootfd, const char *relpath)
{
	const char *base;
	struct stat st;
	int dfd, ret = 0;

	dfd = hexo_tree_parent(rootfd, relpath, 0, &base);
	if (dfd == -ENOENT || dfd == -ENOTDIR)
		return 0;
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		ret = errno == ENOENT ? 0 : -errno;
	else if (S_ISDIR(st.st_mode))
		ret = -EISDIR;
	else if (unlinkat(dfd, base, 0) < 0)
		ret = -errno;
	close(dfd);
	return ret;
}
