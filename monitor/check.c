// SPDX-License-Identifier: MIT
/*
 * `hexo check IMAGE`: does the image keep its promise of one address space
 * (docs/layout.md)? Every app function and data object present on two ISAs
 * at the same address (data objects also the same size), kernel and app
 * regions apart, the shadow stack and the heap where the manifest says.
 * Exit 0 when it does, 1 naming the first offending symbol when it does not,
 * 125 when the image cannot be read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "checkpoint.h"
#include "image_elf.h"
#include "inspect.h"
#include "json_out.h"
#include "monitor.h"

void check__help(void)
{
	fputs("Usage: hexo check [--all] IMAGE|CHECKPOINT\n"
	      "\n"
	      "Verifies that IMAGE (built by hexocc) can move between ISAs: every app\n"
	      "function and data object shared by its ELFs sits at the same address on\n"
	      "each ISA (a data object also has the same size), the kernel and app\n"
	      "regions do not overlap, and the shadow stack and heap start where the\n"
	      "manifest says on every ISA.\n"
	      "\n"
	      "  --all          list every mismatch, not just the first\n"
	      "\n"
	      "Given a CHECKPOINT, verifies all of it (header, tables, every section's\n"
	      "checksum) and whether its image is where 'hexo resume' would look.\n"
	      "\n"
	      "Exit status: 0 when the image passes, 1 when it does not (the first\n"
	      "offending symbol is named), 125 when IMAGE is not a usable .hexo image\n"
	      "or CHECKPOINT is damaged.\n",
	      stdout);
}

static void print_line(const char *line, void *ctx)
{
	printf("  %s: %s\n", (const char *)ctx, json_out__text(line)); /* ELF symbol names */
}

/* The manifest's memory.shadow_stack.start/size and memory.heap_start. */
static bool manifest_memory(const struct hexo_image *img, uint64_t *shadow, uint64_t *size,
                            uint64_t *heap)
{
	struct json_object *root, *mem, *sh, *v;
	const char *text;
	char *copy;
	size_t len;
	bool ok = false;

	text = hexo_image_manifest(img, &len);
	if (!text)
		return false;
	copy = strndup(text, len); /* the manifest is not NUL-terminated */
	root = copy ? json_tokener_parse(copy) : NULL;
	free(copy);
	if (json_object_object_get_ex(root, "memory", &mem) &&
	    json_object_object_get_ex(mem, "shadow_stack", &sh) &&
	    json_object_object_get_ex(sh, "start", &v)) {
		*shadow = (uint64_t)json_object_get_int64(v);
		ok = json_object_object_get_ex(sh, "size", &v);
		*size = (uint64_t)json_object_get_int64(v);
		ok = ok && json_object_object_get_ex(mem, "heap_start", &v);
		*heap = (uint64_t)json_object_get_int64(v);
	}
	json_object_put(root);
	return ok;
}

/* The shadow stack of every ELF where the manifest has it. */
static int check_memory(const struct hexo_image *img, const struct image_elf *e, int n,
                        char *err, size_t errlen)
{
	uint64_t shadow, size, heap;

	if (!manifest_memory(img, &shadow, &size, &heap))
		return 0; /* an image from before the manifest: nothing to compare */
	for (int i = 0; i < n; i++) {
		if (e[i].shadow_start != shadow || e[i].shadow_end != shadow + size ||
		    heap != shadow + size) {
			snprintf(err, errlen,
			         "%s: shadow stack 0x%" PRIx64 "-0x%" PRIx64
			         " but the manifest has 0x%" PRIx64 "-0x%" PRIx64 ", heap at 0x%" PRIx64,
			         hexo_isa_name(e[i].isa), e[i].shadow_start, e[i].shadow_end, shadow,
			         shadow + size, heap);
			return -EINVAL;
		}
		for (size_t k = 0; k < e[i].n_loads; k++) {
			const GElf_Phdr *p = &e[i].loads[k];

			if (p->p_vaddr + p->p_memsz > heap) {
				snprintf(err, errlen,
				         "%s: segment 0x%" PRIx64 "-0x%" PRIx64
				         " reaches past the manifest's heap start 0x%" PRIx64,
				         hexo_isa_name(e[i].isa), (uint64_t)p->p_vaddr,
				         (uint64_t)(p->p_vaddr + p->p_memsz), heap);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* `hexo check CHECKPOINT`: all of it verified, and where its image is. */
static int check_checkpoint(const char *path)
{
	struct hexo_ckpt ck;
	struct hexo_image img;
	char err[HEXO_ERR_LEN], image[4096 + 256];

	if (hexo_ckpt_open(path, 0, &ck, err, sizeof(err)))
		hexo_die("%s", err);
	printf("%s: checkpoint OK: format %u, %u sections verified, from %s", path, ck.hdr->version,
	       ck.hdr->n_sections, hexo_isa_name(ck.hdr->source_isa));
	if (hexo_ckpt_find_image(&ck, path, NULL, &img, image, sizeof(image), err, sizeof(err))) {
		printf("; its image: %s\n", json_out__text(err)); /* paths from the checkpoint */
	} else {
		printf("; its image %s has the same build id\n", json_out__text(image));
		hexo_image_close(&img);
	}
	hexo_ckpt_close(&ck);
	return 0;
}

int check__main(int argc, char **argv, uint64_t t_start)
{
	struct image_elf e[IMAGE_MAX_ELVES];
	struct hexo_image img;
	char err[HEXO_ERR_LEN];
	const char *path;
	bool all = false;
	int n, status = 0;

	(void)t_start;
	path = inspect__args(argc, argv, "--all", &all, check__help);
	if (!path)
		return 0;
	if (inspect__is_checkpoint(path))
		return check_checkpoint(path);
	if (hexo_image_open(path, &img, err, sizeof(err)))
		hexo_die("%s", err);
	n = image_elves_load(&img, e, err, sizeof(err));
	if (n < 0)
		hexo_die("%s: %s", path, err);
	for (int i = 0; i < n && !status; i++) {
		if (layout_regions(&e[i], err, sizeof(err))) {
			fprintf(stderr, "hexo check: %s: %s\n", path, err);
			status = 1;
		}
	}
	if (!status && check_memory(&img, e, n, err, sizeof(err))) {
		fprintf(stderr, "hexo check: %s: %s\n", path, err);
		status = 1;
	}
	for (int i = 1; i < n && !status; i++) {
		struct layout_report r;
		char pair[64];

		snprintf(pair, sizeof(pair), "%s/%s", hexo_isa_name(e[0].isa),
		         hexo_isa_name(e[i].isa));
		layout_compare(&e[0], &e[i], &r, all ? print_line : NULL, pair);
		if (r.mismatched) {
			fprintf(stderr, "hexo check: %s: %s (%zu of %zu shared symbols differ)\n", path,
			        json_out__text(r.first),
			       r.mismatched, r.shared);
			status = 1;
		} else {
			printf("%s: ok: %zu shared symbols at the same address on %s (%zu and %zu "
			       "ISA-private)\n",
			       path, r.shared, pair, r.only_a, r.only_b);
		}
	}
	if (n == 1 && !status)
		printf("%s: ok: one ISA (%s) only\n", path, hexo_isa_name(e[0].isa));
	while (n--)
		image_elf_free(&e[n]);
	hexo_image_close(&img);
	return status;
}
