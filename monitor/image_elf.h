/* SPDX-License-Identifier: MIT */
/*
 * `hexo check` and `hexo inspect` (check.c, inspect.c): what they read from
 * an image's ELFs (image_elf.c, libelf) and compare across ISAs.
 * docs/layout.md describes what must match.
 */
#ifndef HEXO_MONITOR_IMAGE_ELF_H
#define HEXO_MONITOR_IMAGE_ELF_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_file.h"

/* A function or object symbol of the app region. */
struct app_sym {
	const char *name;
	const char *file; /* STT_FILE before a local symbol; NULL for globals */
	uint64_t addr, size;
	unsigned char type; /* STT_FUNC, STT_OBJECT */
	bool local;
};

/* An allocated section of the ELF. */
struct elf_sect {
	const char *name;
	uint64_t addr, size, flags;
	uint32_t type;
};

struct image_elf {
	uint32_t isa;
	size_t size; /* ELF bytes */
	uint64_t entry;
	Elf *elf;
	struct app_sym *syms; /* sorted by address */
	size_t n_syms;
	struct elf_sect *sects; /* SHF_ALLOC sections, sorted by address */
	size_t n_sects;
	GElf_Phdr *loads; /* PT_LOAD headers with memsz > 0 */
	size_t n_loads;
	uint64_t shadow_start, shadow_end; /* __hexo_shadow_stack_*; 0 if none */
};

/* Reads the ELF payload of `isa`; 0 or -errno with one line in err. */
int image_elf_load(const struct hexo_image *img, uint32_t isa, struct image_elf *e, char *err,
                   size_t errlen);
void image_elf_free(struct image_elf *e);

/* All ELFs of an opened image, in table order; returns how many or -errno. */
#define IMAGE_MAX_ELVES 4
int image_elves_load(const struct hexo_image *img, struct image_elf *e, char *err, size_t errlen);

/* The outcome of comparing two ELFs (check.c). */
struct layout_report {
	size_t shared;     /* symbols present on both ISAs */
	size_t mismatched; /* ... of which at different addresses/types/sizes */
	size_t only_a, only_b;
	char first[512];   /* first problem, one line; empty if none */
};

/* Compares `a` and `b`; `each` (may be NULL) gets every problem line. */
void layout_compare(const struct image_elf *a, const struct image_elf *b,
                    struct layout_report *r, void (*each)(const char *line, void *ctx),
                    void *ctx);

/* Checks one ELF's regions: kernel below HEXO_APP_BASE, app above, no
 * overlaps; 0, or -EINVAL with the problem in err. */
int layout_regions(const struct image_elf *e, char *err, size_t errlen);

#endif
