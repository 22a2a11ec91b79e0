/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing .hexo image files (include/hexo/image.h) on the host.
 * Used by the monitor, hexocc, `hexo check`/`inspect` and hexod.
 *
 * Every function that can fail returns 0 or a negative errno value and, on
 * failure, writes one line naming the file and what is wrong into `err`
 * (no trailing newline), e.g.
 *   "app.hexo: checksum mismatch (file damaged?): rebuild it with hexocc".
 */
#ifndef HEXO_LIB_IMAGE_FILE_H
#define HEXO_LIB_IMAGE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <hexo/image.h>

#include "isa.h" /* hexo_isa_name() and co., once declared here */

#define HEXO_ERR_LEN 512

struct hexo_image {
	const uint8_t *data; /* whole file, read-only mapping */
	size_t size;
	const struct hexo_image_header *hdr;
	const struct hexo_image_entry *entries;
};

/* One payload to write. */
struct hexo_image_part {
	uint32_t kind; /* enum hexo_image_kind */
	uint32_t isa;  /* enum hexo_isa */
	const void *data;
	size_t size;
};

/*
 * Maps and fully verifies `path`: magic, version, sizes, entry bounds and
 * alignment, checksum. A truncated, damaged, foreign or unknown-version file
 * is refused; nothing is half-accepted.
 */
int hexo_image_open(const char *path, struct hexo_image *img, char *err, size_t errlen);

/* Verifies an image already in memory (used by hexo_image_open and tests). */
int hexo_image_verify(const void *data, size_t size, const char *name, char *err, size_t errlen);

/* The payload of the given kind and ISA, or NULL (size set when found). */
const void *hexo_image_find(const struct hexo_image *img, uint32_t kind, uint32_t isa,
			    size_t *size);

void hexo_image_close(struct hexo_image *img);

/* The manifest's JSON text (not NUL-terminated) or NULL when there is none. */
const char *hexo_image_manifest(const struct hexo_image *img, size_t *size);

/*
 * The build id of an image made of `parts`: XXH3-128 over its ELF payloads in
 * order (the manifest carries the build id, so it is not part of it).
 */
int hexo_image_build_id(const struct hexo_image_part *parts, size_t n, uint8_t id[16]);
void hexo_build_id_hex(const uint8_t id[16], char out[33]); /* 32 hex digits */

/* Writes a new image atomically (temp file + rename). */
int hexo_image_write(const char *path, const struct hexo_image_part *parts, size_t n,
		     char *err, size_t errlen);

#endif
