// SPDX-License-Identifier: MIT
/*
 * sysconf() and getpagesize(): newlib leaves them to the system.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <hexo/abi.h>
#include <hexo/layout.h>

#include "kernel.h"

long sysconf(int name)
{
	switch (name) {
	case _SC_PAGESIZE:
		return HEXO_PAGE_SIZE;
	case _SC_CLK_TCK:
		return CLOCKS_PER_SEC;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return 1;
	case _SC_OPEN_MAX:
		return KERNEL_OPEN_MAX;
	case _SC_PHYS_PAGES:
		return (long)(kernel_boot_info->mem_size / HEXO_PAGE_SIZE);
	default:
		errno = EINVAL;
		return -1;
	}
}

int getpagesize(void)
{
	return HEXO_PAGE_SIZE;
}
