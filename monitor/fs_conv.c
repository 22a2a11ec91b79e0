// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fs_conv.h"

int fs_conv__errno(int host_errno)
{
	switch (host_errno) {
	case EPERM:
		return HEXO_EPERM;
	case ENOENT:
		return HEXO_ENOENT;
	case EIO:
		return HEXO_EIO;
	case EBADF:
		return HEXO_EBADF;
	case ENOMEM:
		return HEXO_ENOMEM;
	case EACCES:
		return HEXO_EACCES;
	case EFAULT:
		return HEXO_EFAULT;
	case EBUSY:
	case ETXTBSY:
		return HEXO_EBUSY;
	case EEXIST:
		return HEXO_EEXIST;
	case EXDEV:
		/* openat2 with RESOLVE_IN_ROOT: a path that tried to leave the job
		 * directory in a way it cannot follow. */
		return HEXO_EXDEV;
	case ENOTDIR:
		return HEXO_ENOTDIR;
	case EISDIR:
		return HEXO_EISDIR;
	case EINVAL:
		return HEXO_EINVAL;
	case ENFILE:
		return HEXO_ENFILE;
	case EMFILE:
		return HEXO_EMFILE;
	case ENOTTY:
		return HEXO_ENOTTY;
	case EFBIG:
	case EOVERFLOW:
		return HEXO_EFBIG;
	case ENOSPC:
	case EDQUOT:
		return HEXO_ENOSPC;
	case ESPIPE:
		return HEXO_ESPIPE;
	case EROFS:
		return HEXO_EROFS;
	case EPIPE:
		return HEXO_EPIPE;
	case ENOSYS:
		return HEXO_ENOSYS;
	case ENOTEMPTY:
		return HEXO_ENOTEMPTY;
	case ENAMETOOLONG:
		return HEXO_ENAMETOOLONG;
	case ELOOP:
		return HEXO_ELOOP;
	default:
		return HEXO_EIO;
	}
}

int fs_conv__open_flags(uint32_t f)
{
	const uint32_t known =
	    HEXO_O_ACCMODE | HEXO_O_CREAT | HEXO_O_EXCL | HEXO_O_TRUNC | HEXO_O_APPEND;
	int flags = O_CLOEXEC | O_NOCTTY;

	if (f & ~known)
		return -1;
	switch (f & HEXO_O_ACCMODE) {
	case HEXO_O_RDONLY:
		flags |= O_RDONLY;
		break;
	case HEXO_O_WRONLY:
		flags |= O_WRONLY;
		break;
	case HEXO_O_RDWR:
		flags |= O_RDWR;
		break;
	default:
		return -1;
	}
	if (f & HEXO_O_CREAT)
		flags |= O_CREAT;
	if (f & HEXO_O_EXCL)
		flags |= O_EXCL;
	if (f & HEXO_O_TRUNC)
		flags |= O_TRUNC;
	if (f & HEXO_O_APPEND)
		flags |= O_APPEND;
	return flags;
}

void fs_conv__stat(const struct stat *host, struct hexo_stat *st)
{
	if (S_ISREG(host->st_mode))
		st->type = HEXO_FT_REG;
	else if (S_ISDIR(host->st_mode))
		st->type = HEXO_FT_DIR;
	else if (S_ISCHR(host->st_mode))
		st->type = HEXO_FT_CHR;
	else if (S_ISFIFO(host->st_mode))
		st->type = HEXO_FT_FIFO;
	else
		st->type = HEXO_FT_OTHER;
	st->perm = host->st_mode & 07777;
	st->size = host->st_size > 0 ? (uint64_t)host->st_size : 0;
	st->blksize = host->st_blksize > 0 ? (uint64_t)host->st_blksize : 4096;
	st->mtime_ns = (int64_t)host->st_mtim.tv_sec * 1000000000 + host->st_mtim.tv_nsec;
}

int fs_conv__split_path(const char *path, char *dir, size_t dirlen, const char **name)
{
	size_t len = strlen(path), name_start, dir_len;

	if (len == 0)
		return -ENOENT;
	while (len > 1 && path[len - 1] == '/')
		len--;
	name_start = len;
	while (name_start > 0 && path[name_start - 1] != '/')
		name_start--;
	/* path[name_start, len) is the last component. */
	if (len - name_start == 0 || (len - name_start == 1 && path[name_start] == '.') ||
	    (len - name_start == 2 && !strncmp(path + name_start, "..", 2)))
		return -EINVAL;
	dir_len = name_start;
	while (dir_len > 1 && path[dir_len - 1] == '/')
		dir_len--;
	if (dirlen < dir_len + 2)
		return -ENAMETOOLONG;
	if (dir_len == 0) {
		strcpy(dir, ".");
	} else {
		memcpy(dir, path, dir_len);
		dir[dir_len] = '\0';
	}
	*name = path + name_start;
	return 0;
}

int fs_conv__job_path(const char *path, char *out, size_t outlen)
{
	size_t len = 0;

	if (!*path)
		return -ENOENT;
	while (*path) {
		size_t n = strcspn(path, "/");

		if (n == 2 && path[0] == '.' && path[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash before the dropped component */
		} else if (n && !(n == 1 && path[0] == '.')) {
			if (len + (len > 0) + n + 1 > outlen)
				return -ENAMETOOLONG;
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, path, n);
			len += n;
		}
		path += n;
		while (*path == '/')
			path++;
	}
	if (len == 0) {
		if (outlen < 2)
			return -ENAMETOOLONG;
		out[len++] = '.';
	}
	out[len] = '\0';
	return 0;
}
