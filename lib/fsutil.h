/* SPDX-License-Identifier: MIT */
/*
 * Small file-system helpers every host part uses (one copy each):
 * writing a whole buffer, mkdir -p, the sorted names of a directory, and
 * removing a tree without following links. All return 0 or -errno.
 */
#ifndef HEXO_LIB_FSUTIL_H
#define HEXO_LIB_FSUTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Deepest tree proto_fs.h walks (hexo_tree_rm() has no limit). */
#define HEXO_TREE_MAX_DEPTH 128

/* write(2) until all of p is written, retrying on EINTR. */
int hexo_write_all(int fd, const void *p, size_t len);

/*
 * A file being written in the folder dirfd that nobody sees under its final
 * name until it is whole: unnamed (O_TMPFILE) where the file system allows,
 * so a writer killed on the way leaves nothing behind; else a named
 * ".NAME.XXXXXX" beside the final name. Open it with hexo_newfile_open(),
 * write to fd, then hexo_newfile_commit() or hexo_newfile_abort(). dirfd
 * stays the caller's.
 */
struct hexo_newfile {
	int fd;                 /* where the contents go */
	int dirfd;              /* the folder it goes into */
	char tmp[NAME_MAX + 1]; /* its temporary name; "" while unnamed */
};

/* A new file for `name` in dirfd, with exactly `mode` (no umask). */
int hexo_newfile_open(struct hexo_newfile *f, int dirfd, const char *name, mode_t mode);

/*
 * Gives the file `name` in its folder, replacing what had that name, and
 * closes it. durable: fsync the file before and the folder after, so the
 * new contents survive a crash. On failure nothing is left of it.
 */
int hexo_newfile_commit(struct hexo_newfile *f, const char *name, bool durable);

/* Drops the file: nothing is left of it. */
void hexo_newfile_abort(struct hexo_newfile *f);

/*
 * Replaces path with data, atomically: a temporary file beside it (mode),
 * written and fsync'd, renamed over path, then the folder fsync'd. Readers
 * see the old file or the new one, never a part.
 */
int hexo_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Opens the folder that holds path (O_DIRECTORY) and points *base at path's
 * last component: the fd, or -errno (-EISDIR when path ends in '/').
 */
int hexo_open_parent(const char *path, const char **base);

/* Creates path and its missing parents with mode (existing ones are kept). */
int hexo_mkdir_p(const char *path, mode_t mode);

/*
 * The names in the directory dfd (left open, its offset untouched), without
 * "." and "..", sorted by strcmp; free them with hexo_dir_names_free().
 */
int hexo_dir_names(int dfd, char ***names, size_t *count);
void hexo_dir_names_free(char **names, size_t count);

/*
 * rm -rf path: never follows a symbolic link (a link is removed, not its
 * target), at any depth. A missing path is success. hexo_tree_rm_at():
 * name in the directory dfd (or AT_FDCWD).
 */
int hexo_tree_rm(const char *path);
int hexo_tree_rm_at(int dfd, const char *name);
/* Removes everything inside the directory dfd (left open), at any depth. */
int hexo_tree_empty(int dfd);

#endif
