// SPDX-License-Identifier: MIT
/*
 * The one translation from guest-physical addresses to host pointers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "guest_mem.h"

void *guest_mem__ptr(const struct guest_mem *mem, hexo_gpa_t gpa, uint64_t len)
{
	if (!mem->base || !guest_range_ok(mem->size, gpa, len))
		return NULL;
	return mem->base + gpa;
}

long guest_mem__strcpy(const struct guest_mem *mem, hexo_gpa_t gpa, char *buf, size_t bufsize)
{
	uint64_t avail;
	const char *src, *nul;

	if (!mem->base || gpa >= mem->size || bufsize == 0)
		return -EFAULT;
	avail = mem->size - gpa;
	src = (const char *)mem->base + gpa;
	nul = memchr(src, '\0', avail < bufsize ? avail : bufsize);
	if (!nul)
		return avail < bufsize ? -EFAULT : -ENAMETOOLONG;
	memcpy(buf, src, (size_t)(nul - src) + 1);
	return nul - src;
}

const char *guest_mem__size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	const char *unit = NULL;
	uint64_t v = bytes;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v == 0 || v % 1024)
			break;
		v /= 1024;
		unit = units[i];
	}
	if (unit)
		snprintf(buf, len, "%" PRIu64 " %s", v, unit);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
	return buf;
}
