/* SPDX-License-Identifier: MIT */
/*
 * Job-directory trees for the hexod protocol, on both sides: walking a tree
 * (regular files only, symlinks never followed), creating and opening files
 * under a root by a validated relative path without following symlinks, and
 * removing a tree. Functions return 0 or a negative errno value.
 */
#ifndef HEXO_LIB_PROTO_FS_H
#define HEXO_LIB_PROTO_FS_H

#include <stddef.h>
#include <sys/stat.h>

/* hexo_tree_walk() flags */
#define HEXO_TREE_DIRS 0x1u /* also call fn for each directory, before its contents */

/*
 * Calls fn(relpath, st, arg) for every entry under root that is not a
 * directory (st says what it is: callers skip non-regular files), and with
 * HEXO_TREE_DIRS for every directory too, in sorted order, descending into
 * subdirectories without following symlinks. Stops when fn returns
 * non-zero and returns that value.
 */
int hexo_tree_walk(const char *root, unsigned flags,
                   int (*fn)(const char *relpath, const struct stat *st, void *arg), void *arg,
                   char *err, size_t errlen);
/* The same under the directory rootfd (left open). */
int hexo_tree_walk_at(int rootfd, unsigned flags,
                      int (*fn)(const char *relpath, const struct stat *st, void *arg),
                      void *arg, char *err, size_t errlen);

/*
 * Opens the directory that holds relpath under rootfd (creating missing
 * directories when create is set), refusing symlinks on the way. Returns a
 * directory fd and points *base at the last component.
 */
int hexo_tree_parent(int rootfd, const char *relpath, int create, const char **base);

/* Opens relpath under rootfd for reading; never follows a symlink. */
int hexo_tree_open_read(int rootfd, const char *relpath);

/*
 * Writes a file atomically: creates a temporary file beside relpath,
 * returns its fd and name in tmp (size >= 300). Finish with
 * hexo_tree_commit() or hexo_tree_abort().
 */
int hexo_tree_create_tmp(int rootfd, const char *relpath, unsigned mode, int *dirfd, char *tmp,
                         size_t tmplen);
int hexo_tree_commit(int dirfd, const char *tmp, const char *relpath);
void hexo_tree_abort(int dirfd, const char *tmp);

/* Removes a file (not a directory) under rootfd; ENOENT is not an error. */
int hexo_tree_unlink(int rootfd, const char *relpath);


#endif
