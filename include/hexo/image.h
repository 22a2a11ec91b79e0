/* SPDX-License-Identifier: MIT */
/*
 * The .hexo image file: one file holding a job's ELF for each ISA.
 * Written by hexocc, read by the monitor, `hexo check`/`inspect` and hexod.
 * See docs/image-format.md.
 *
 *   struct hexo_image_header            (64 bytes)
 *   struct hexo_image_entry[n_entries]  (32 bytes each)
 *   payloads, each starting on a 4096-byte boundary
 *
 * Little-endian. `checksum` is XXH3-64 (xxhash) over the whole file with the
 * checksum field itself read as zero. `build_id` is XXH3-128 over the
 * payloads in table order; it names the build (checkpoints carry it).
 */
#ifndef HEXO_IMAGE_H
#define HEXO_IMAGE_H

#include <stdint.h>

#define HEXO_IMAGE_MAGIC "HEXOIMG\x1a"
#define HEXO_IMAGE_VERSION 1u
#define HEXO_IMAGE_ALIGN 4096u
#define HEXO_IMAGE_MAX_ENTRIES 16u

enum hexo_isa {
	HEXO_ISA_NONE = 0,
	HEXO_ISA_X86_64 = 1,
	HEXO_ISA_AARCH64 = 2,
};

enum hexo_image_kind {
	HEXO_IMAGE_ELF = 1,      /* a static ELF executable for `isa` */
	HEXO_IMAGE_MANIFEST = 2, /* JSON text describing the build (isa 0) */
};

struct hexo_image_header {
	char magic[8];          /* HEXO_IMAGE_MAGIC */
	uint32_t version;       /* HEXO_IMAGE_VERSION */
	uint32_t n_entries;     /* 1..HEXO_IMAGE_MAX_ENTRIES */
	uint64_t file_size;     /* whole file, bytes */
	uint64_t checksum;      /* XXH3-64, see above */
	uint8_t build_id[16];   /* XXH3-128 of the payloads */
	uint32_t flags;         /* 0 */
	uint32_t reserved0;
	uint64_t reserved1;
};

struct hexo_image_entry {
	uint32_t kind;   /* enum hexo_image_kind */
	uint32_t isa;    /* enum hexo_isa */
	uint64_t offset; /* from the start of the file, HEXO_IMAGE_ALIGN-aligned */
	uint64_t size;   /* bytes */
	uint64_t reserved;
};

_Static_assert(sizeof(struct hexo_image_header) == 64, "image header");
_Static_assert(sizeof(struct hexo_image_entry) == 32, "image entry");

#endif /* HEXO_IMAGE_H */
