/* SPDX-License-Identifier: MIT */
/*
 * Conversions between the host's file-system vocabulary and the ABI's
 * (errno values, open flags, stat, paths). Pure logic: unit-tested.
 */
#ifndef HEXO_MONITOR_FS_CONV_H
#define HEXO_MONITOR_FS_CONV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <hexo/abi.h>

/* Host errno (positive) -> HEXO_E* (positive); HEXO_EIO when there is none. */
int fs_conv__errno(int host_errno);

/* HEXO_O_* -> host O_* (with O_CLOEXEC | O_NOCTTY); -1 for unknown bits or a
 * bad access mode. */
int fs_conv__open_flags(uint32_t hexo_flags);

void fs_conv__stat(const struct stat *host, struct hexo_stat *st);

/*
 * Splits a guest path for unlink: "a/b/c" -> dir "a/b", name "c";
 * "c" -> ".", "c"; "/c" -> "/", "c". *name points into path and keeps any
 * trailing slashes ("a/b/" -> "a", "b/"), so unlinkat() refuses "file/" with
 * ENOTDIR as unlink() would. dir needs strlen(path) + 2 bytes. Returns 0,
 * -ENOENT for "", -EINVAL when the last component is "." or ".." (or the
 * path is "/"), -ENAMETOOLONG when dir is too small.
 */
int fs_conv__split_path(const char *path, char *dir, size_t dirlen, const char **name);

/*
 * A guest path as a path relative to the job directory, lexically: the
 * guest's "/" and working directory are the job directory, so "/a//b/./c",
 * "a/b/c" and "../a/x/../b/c" all give "a/b/c" (".." stops at the root, as
 * RESOLVE_IN_ROOT does); the root itself is ".". Returns 0, -ENOENT for "",
 * -ENAMETOOLONG when out (outlen bytes) is too small.
 */
int fs_conv__job_path(const char *path, char *out, size_t outlen);

#endif
