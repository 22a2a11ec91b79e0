// SPDX-License-Identifier: MIT
/*
 * What every part of the monitor uses: vm__error() (the one line a failing
 * step leaves in vm->error), now_ns(), and the version line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "arch.h"
#include "monitor.h"

int vm__error(struct hexo_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->error, sizeof(vm->error), fmt, ap);
	va_end(ap);
	return err;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void monitor__version(void)
{
	printf("hexo %s (ABI %d, %s)\n", HEXO_VERSION, HEXO_ABI_VERSION, arch__info.name);
}
