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

#include "fsutil.h"

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
 * Writes relpath under rootfd atomically, with exactly `mode`: a new file
 * (lib/fsutil.h, hexo_newfile) in relpath's folder, created as needed;
 * write to f->fd, then hexo_tree_commit() (not synced: results, not
 * checkpoints) or hexo_tree_abort(), which also close f->dirfd.
 */
int hexo_tree_create(int rootfd, const char *relpath, unsigned mode, struct hexo_newfile *f);
int hexo_tree_commit(struct hexo_newfile *f, const char *relpath);
void hexo_tree_abort(struct hexo_newfile *f);

/* Removes a file (not a directory) under rootfd; ENOENT is not an error. */
int hexo_tree_unlink(int rootfd, const char *relpath);


#endif
