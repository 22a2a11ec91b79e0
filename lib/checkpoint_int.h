/* SPDX-License-Identifier: MIT */
/*
 * What the checkpoint writer (checkpoint_write.c) and reader
 * (checkpoint_read.c) share: the sizes of the format's parts, a page of
 * zeros, and the helpers both compute the same way (the header checksum,
 * each type's region). Private to lib/; the API is checkpoint.h.
 */
#ifndef HEXO_LIB_CHECKPOINT_INT_H
#define HEXO_LIB_CHECKPOINT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <xxhash.h>

#include "checkpoint.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the checkpoint format is little-endian; this code reads it in place"
#endif

#define PAGE      ((uint64_t)HEXO_CKPT_PAGE)
#define HDR_SIZE  sizeof(struct hexo_ckpt_header)
#define SEC_SIZE  sizeof(struct hexo_ckpt_section)
#define FENT_SIZE sizeof(struct hexo_ckpt_file)
#define MAGIC_LEN 8

_Static_assert(sizeof(HEXO_CKPT_MAGIC) - 1 == MAGIC_LEN, "magic is 8 bytes");

/* One page of zeros (checkpoint_read.c). */
extern const uint8_t hexo_ckpt_zero_page[HEXO_CKPT_PAGE];

static inline uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

/* The region [start, end) of each type, from the kernel state. */
static inline void type_regions(const struct hexo_ckpt_kernel *k, uint64_t lo[HEXO_CKPT_NTYPES],
                                uint64_t hi[HEXO_CKPT_NTYPES])
{
	lo[0] = hi[0] = 0;
	lo[HEXO_CKPT_ARGS] = k->args_start;
	hi[HEXO_CKPT_ARGS] = k->args_end;
	lo[HEXO_CKPT_DATA] = k->data_start;
	hi[HEXO_CKPT_DATA] = k->data_end;
	lo[HEXO_CKPT_SHADOW] = k->shadow_lo;
	hi[HEXO_CKPT_SHADOW] = k->shadow_hi;
	lo[HEXO_CKPT_HEAP] = k->heap_start;
	hi[HEXO_CKPT_HEAP] = k->brk;
}

static inline uint64_t header_checksum(const struct hexo_ckpt_header *h)
{
	struct hexo_ckpt_header c = *h;

	c.header_checksum = 0;
	return XXH3_64bits(&c, sizeof(c));
}

#endif
