/* SPDX-License-Identifier: MIT */
/*
 * The kernel's table of open guest files (file.c).
 */
#ifndef HEXO_KERNEL_FILE_H
#define HEXO_KERNEL_FILE_H

#include <stdint.h>

#include <hexo/abi.h>

/* Guest fds are 0..FILE_MAX-1; an open beyond that fails with EMFILE. */
#define FILE_MAX 64

struct file {
	uint32_t used;
	uint32_t flags;           /* HEXO_O_* given to HEXO_HC_OPEN */
	char path[HEXO_PATH_MAX]; /* as the guest named it; "" for 0, 1, 2 */
};

/* Records an fd the monitor returned: 0, or -HEXO_EMFILE when out of range. */
int file_add(int64_t fd, const char *path, uint32_t flags);
void file_remove(int64_t fd);
const struct file *file_get(int64_t fd);

#endif /* HEXO_KERNEL_FILE_H */
