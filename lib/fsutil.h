/* SPDX-License-Identifier: MIT */
/*
 * Small file-system helpers every host part uses (one copy each):
 * writing a whole buffer, mkdir -p, the sorted names of a directory, and
 * removing a tree without following links. All return 0 or -errno.
 */
#ifndef HEXO_LIB_FSUTIL_H
#define HEXO_LIB_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Deepest tree proto_fs.h walks (hexo_tree_rm() has no limit). */
#define HEXO_TREE_MAX_DEPTH 128

/* write(2) until all of p is written, retrying on EINTR. */
int hexo_write_all(int fd, const void *p, size_t len);

/*
 * Replaces path with data, atomically: a temporary file beside it (mode),
 * written and fsync'd, renamed over path, then the folder fsync'd. Readers
 * see the old file or the new one, never a part.
 */
int hexo_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

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
