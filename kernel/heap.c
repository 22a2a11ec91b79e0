// SPDX-License-Identifier: MIT
/*
 * The heap: one contiguous range from boot_info.heap_start up to
 * boot_info.heap_limit (the stack guard page). All guest memory is mapped by
 * the monitor, so sbrk only moves the break.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>
#include <hexo/layout.h>

#include "kernel.h"
#include "newlib_syscalls.h"

/* End of the app image, page-aligned (linker script). */
extern char __app_end[];

static struct {
	uintptr_t start;
	uintptr_t brk;
	uintptr_t limit;
} heap;

void heap_init(const struct hexo_boot_info *bi)
{
	uintptr_t end = (uintptr_t)__app_end;

	/* Never hand out the image, whatever the boot info says. */
	heap.start = bi->heap_start > end ? bi->heap_start : end;
	heap.limit = bi->heap_limit > heap.start ? bi->heap_limit : heap.start;
	heap.brk = heap.start;
	/* A restored job's heap is back in memory up to its old break. */
	if (bi->restore && bi->restore_brk >= heap.start && bi->restore_brk <= heap.limit)
		heap.brk = bi->restore_brk;
}

uintptr_t heap_start(void)
{
	return heap.start;
}

uintptr_t heap_brk(void)
{
	return heap.brk;
}

void *_sbrk(ptrdiff_t incr)
{
	uintptr_t old = heap.brk;
	uintptr_t size = incr < 0 ? -(uintptr_t)incr : (uintptr_t)incr;

	if (incr < 0 ? size > old - heap.start : size > heap.limit - old) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap.brk = incr < 0 ? old - size : old + size;
	return (void *)old;
}
