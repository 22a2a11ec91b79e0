// SPDX-License-Identifier: MIT
/*
 * The guest's open files. The monitor owns the host descriptors and numbers
 * the guest fds; the kernel remembers, per guest fd, the path and the
 * HEXO_O_* flags it was opened with. That is the arch-neutral file state a
 * migration carries (the offset is asked from the monitor when needed).
 */
#include <stdint.h>
#include <string.h>

#include <hexo/abi.h>

#include "file.h"
#include "kernel.h"

static struct file files[FILE_MAX];

void file_table_init(void)
{
	/* 0, 1, 2: the monitor's own stdin, stdout, stderr. */
	for (int fd = 0; fd < 3; fd++) {
		files[fd].used = 1;
		files[fd].flags = fd ? HEXO_O_WRONLY : HEXO_O_RDONLY;
	}
}

int file_add(int64_t fd, const char *path, uint32_t flags)
{
	size_t len = strlen(path);

	if (fd < 0 || fd >= FILE_MAX || len >= sizeof(files[fd].path))
		return -HEXO_EMFILE;
	memcpy(files[fd].path, path, len + 1);
	files[fd].flags = flags;
	files[fd].used = 1;
	return 0;
}

void file_remove(int64_t fd)
{
	if (fd >= 0 && fd < FILE_MAX)
		files[fd].used = 0;
}

const struct file *file_get(int64_t fd)
{
	if (fd < 0 || fd >= FILE_MAX || !files[fd].used)
		return NULL;
	return &files[fd];
}
