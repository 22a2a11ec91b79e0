// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the checkpoint parser and verifier
 * (lib/checkpoint_read.c), what `hexo check`, `hexo inspect` and
 * `hexo resume` run on a checkpoint before anything is loaded, then the
 * readers they use on an accepted one (strings, section descriptions and
 * checksums, the build-id check, loading a section into memory).
 *
 * Each input is parsed as it is, then with its header and tables checksums
 * set to the right values (with and without the section checksums checked,
 * then with those set right too), so that mutations reach the structural
 * checks behind the checksums.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "checkpoint.h"
#include "image_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR ((size_t)sizeof(struct hexo_ckpt_header))
#define LOAD_MAX (1u << 20) /* sections loaded into a buffer, at most */

static void use(const struct hexo_ckpt *ck)
{
	const struct hexo_ckpt_header *h = ck->hdr;
	static const uint8_t other[16];
	char err[HEXO_ERR_LEN], desc[96];
	static uint8_t buf[LOAD_MAX];

	(void)strlen(hexo_ckpt_string(ck, h->image_path));
	(void)strlen(hexo_ckpt_string(ck, h->image_name));
	(void)strlen(hexo_ckpt_string(ck, h->argv0));
	for (uint32_t i = 0; i < h->n_files; i++)
		(void)strlen(hexo_ckpt_string(ck, ck->files[i].path));
	(void)hexo_ckpt_check_build_id(ck, other, "other.hexo", err, sizeof(err));
	for (uint32_t i = 0; i < h->n_sections; i++) {
		hexo_ckpt_section_desc(&ck->sections[i], i, desc, sizeof(desc));
		(void)hexo_ckpt_section_ok(ck, i);
		if (ck->sections[i].size <= LOAD_MAX)
			(void)hexo_ckpt_load_section(ck, i, buf, false, err, sizeof(err));
	}
}

static int parse(const uint8_t *data, size_t size, unsigned flags)
{
	struct hexo_ckpt ck;
	char err[HEXO_ERR_LEN];

	if (hexo_ckpt_parse(data, size, "fuzz.ckpt", flags, &ck, err, sizeof(err)))
		return -1;
	use(&ck);
	hexo_ckpt_close(&ck); /* fd -1: only resets ck */
	return 0;
}

/* Sets the tables and header checksums of the checkpoint at data right. */
static void fix_meta(uint8_t *data, size_t size)
{
	struct hexo_ckpt_header h;

	memcpy(&h, data, HDR);
	if (h.meta_size >= HDR && h.meta_size <= size)
		h.tables_checksum = XXH3_64bits(data + HDR, h.meta_size - HDR);
	h.header_checksum = 0;
	h.header_checksum = XXH3_64bits(&h, HDR);
	memcpy(data, &h, HDR);
}

/* Sets every section checksum right (a checkpoint that passed the checks
 * but those): they lie in the sections table, so the metadata again. */
static void fix_sections(uint8_t *data, size_t size)
{
	const struct hexo_ckpt_header *h = (const void *)data;
	struct hexo_ckpt_section *s = (void *)(data + h->sections_offset);

	for (uint32_t i = 0; i < h->n_sections; i++)
		if (!(s[i].flags & HEXO_CKPT_SEC_ZERO))
			s[i].checksum = XXH3_64bits(data + s[i].offset, (size_t)s[i].size);
	fix_meta(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	/* An exact-size copy (malloc: 8-byte aligned, as the parser wants), so
	 * that ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	parse(copy, size, 0);
	if (size >= HDR) {
		fix_meta(copy, size);
		if (!parse(copy, size, HEXO_CKPT_NO_DATA_CHECK) && parse(copy, size, 0)) {
			fix_sections(copy, size);
			parse(copy, size, 0);
		}
	}
	free(copy);
	return 0;
}
