// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the .hexo image verifier (lib/image_file.c), as
 * hexo_image_open() runs it on a mapped file, then what its callers read
 * from an accepted image (hexo_image_find, the manifest).
 *
 * Each input is verified twice: as it is, and with its checksum field set
 * to the right value, so that mutations reach the structural checks behind
 * the checksum (a fuzzer does not find a matching XXH3-64 by itself).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "image_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void verify(const uint8_t *data, size_t size)
{
	struct hexo_image img;
	char err[HEXO_ERR_LEN];
	size_t n;

	if (hexo_image_verify(data, size, "fuzz.hexo", err, sizeof(err)))
		return;
	/* Accepted: what hexo_image_open() keeps and its callers read. */
	img = (struct hexo_image){.data = data,
	                          .size = size,
	                          .hdr = (const void *)data,
	                          .entries = (const void *)(data + sizeof(struct hexo_image_header))};
	const char *m = hexo_image_manifest(&img, &n);
	if (m && n)
		(void)m[n - 1];
	for (uint32_t isa = HEXO_ISA_NONE; isa <= HEXO_ISA_AARCH64 + 1; isa++) {
		const uint8_t *p = hexo_image_find(&img, HEXO_IMAGE_ELF, isa, &n);

		if (p && n)
			(void)(p[0] + p[n - 1]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t csum_off = offsetof(struct hexo_image_header, checksum);
	uint8_t *copy;
	uint64_t sum;

	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	verify(copy, size);
	if (size >= sizeof(struct hexo_image_header)) {
		memset(copy + csum_off, 0, sizeof(sum));
		sum = XXH3_64bits(copy, size);
		memcpy(copy + csum_off, &sum, sizeof(sum));
		verify(copy, size);
	}
	free(copy);
	return 0;
}
