// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: what the monitor reads from an image's ELF payload
 * once the image is verified (fuzz_image covers that part): the loader's
 * program-header checks, the guest layout and the section lookups of
 * `hexo run`/`hexo resume` (monitor/loader.c, monitor/memmap.c), and the
 * symbols, sections and regions of `hexo check`/`hexo inspect`
 * (monitor/image_elf.c). The input is the ELF, given as the x86-64 and as
 * the aarch64 payload of an image (the one its e_machine names loads).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hexo/layout.h>

#include "image_elf.h"
#include "monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_SIZE (64u << 20) /* the guest memory the layout is computed for */

/* `hexo run`: segments, layout, the shadow stack, the GOT reloaded. */
static void run_side(const uint8_t *elf, size_t size, unsigned machine)
{
	static struct guest_mem mem;
	struct guest_segment segs[MEMMAP_MAX_SEGMENTS];
	struct guest_layout lay;
	char err[HEXO_ERR_LEN];
	uint64_t entry, addr, len;
	size_t n;

	if (loader__segments(elf, size, machine, &entry, segs, &n, err, sizeof(err)))
		return;
	if (layout__compute(MEM_SIZE, 1u << 20, segs, n, &lay, err, sizeof(err)))
		return;
	loader__section(elf, size, ".hexo_shadow_stack", &addr, &len);
	if (!mem.base) { /* guest memory, once: only written where the ELF says */
		mem.base = calloc(1, MEM_SIZE);
		mem.size = MEM_SIZE;
		if (!mem.base)
			abort();
	}
	(void)loader__copy(&mem, elf, segs, n);
	(void)loader__reload_section(&mem, elf, size, ".got");
}

/* `hexo check`: symbols, sections, regions, the cross-ISA comparison. */
static void check_side(const uint8_t *elf, size_t size)
{
	struct hexo_image_header hdr = {.n_entries = 2};
	struct hexo_image_entry tbl[2] = {
	    {.kind = HEXO_IMAGE_ELF, .isa = HEXO_ISA_X86_64, .offset = 0, .size = size},
	    {.kind = HEXO_IMAGE_ELF, .isa = HEXO_ISA_AARCH64, .offset = 0, .size = size},
	};
	struct hexo_image img = {.data = elf, .size = size, .hdr = &hdr, .entries = tbl};
	char err[HEXO_ERR_LEN];

	for (int i = 0; i < 2; i++) {
		struct image_elf e;
		struct layout_report r;

		if (image_elf_load(&img, tbl[i].isa, &e, err, sizeof(err)))
			continue;
		(void)layout_regions(&e, err, sizeof(err));
		layout_compare(&e, &e, &r, NULL, NULL);
		image_elf_free(&e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *elf;

	/* An exact-size, 8-byte aligned copy (libelf reads the headers in
	 * place): ASan sees any read past the end. */
	elf = malloc(size ? size : 1);
	if (!elf)
		return 0;
	memcpy(elf, data, size);
	run_side(elf, size, EM_X86_64);
	run_side(elf, size, EM_AARCH64);
	check_side(elf, size);
	free(elf);
	return 0;
}
