/* SPDX-License-Identifier: MIT */
/*
 * Guest memory as the monitor sees it: one anonymous mapping holding guest
 * physical addresses [0, size). Guest addresses are hexo_gpa_t (abi.h) and
 * are turned into host pointers only by guest_mem__ptr(), which checks the
 * whole range [gpa, gpa + len) and catches wrap-around. Hypercall handlers
 * go through hc__guest_ptr() (hypercall.h), which adds the error report.
 *
 * No KVM here: this file is linked into the unit tests.
 */
#ifndef HEXO_MONITOR_GUEST_MEM_H
#define HEXO_MONITOR_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>

struct guest_mem {
	uint8_t *base; /* host address of gpa 0 */
	uint64_t size; /* bytes */
};

/* True when [gpa, gpa + len) lies inside [0, mem_size). len 0 is allowed. */
static inline bool guest_range_ok(uint64_t mem_size, hexo_gpa_t gpa, uint64_t len)
{
	return gpa <= mem_size && len <= mem_size - gpa;
}

/* The host address of gpa, or NULL when [gpa, gpa + len) is not all memory. */
void *guest_mem__ptr(const struct guest_mem *mem, hexo_gpa_t gpa, uint64_t len);

/*
 * Copies the NUL-terminated string at gpa into buf (bufsize bytes, NUL
 * included). Returns its length, -EFAULT when gpa is outside memory or the
 * string runs past the end of memory, -ENAMETOOLONG when no NUL is found in
 * the first bufsize bytes.
 */
long guest_mem__strcpy(const struct guest_mem *mem, hexo_gpa_t gpa, char *buf, size_t bufsize);

/* "512 MiB", "2 GiB", "1536 KiB", "12345 bytes": for messages. */
const char *guest_mem__size_str(uint64_t bytes, char *buf, size_t len);

#endif
