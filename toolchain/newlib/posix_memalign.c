/* SPDX-License-Identifier: MIT */
/*
 * posix_memalign() for newlib 3.3, which declares it (and builds
 * aligned_alloc() on it) but does not define it. Added by hexo's newlib
 * build into libc/stdlib, so it sits with the rest of the app-side libc.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

int posix_memalign(void **out, size_t alignment, size_t size)
{
	void *p;

	/* A power of two and a multiple of sizeof(void *), as POSIX requires. */
	if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	p = memalign(alignment, size ? size : 1);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
