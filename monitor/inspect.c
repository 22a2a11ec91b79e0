// SPDX-License-Identifier: MIT
/*
 * `hexo inspect IMAGE [--json]`: what an image holds. Its entries, build id
 * and manifest; per ISA the ELF size, entry point, kernel range and the app
 * image's text, rodata, data and bss ranges, its shadow stack and the bytes
 * of the app region not covered by any section (alignment and layout
 * padding, docs/layout.md); and how many app symbols the ISAs share at one
 * address (what `hexo check` verifies). One JSON object with --json.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <hexo/layout.h>

#include "image_elf.h"
#include "inspect.h"
#include "json_out.h"
#include "monitor.h"

void inspect__help(void)
{
	fputs("Usage: hexo inspect [--json] IMAGE|CHECKPOINT\n"
	      "\n"
	      "Describes IMAGE (built by hexocc): its ISAs and ELF sizes, build id,\n"
	      "manifest, and per ISA the kernel range and the app image's text, rodata,\n"
	      "data and bss ranges and shadow stack, the layout's padding; then how many app\n"
	      "symbols the ISAs share at one address ('hexo check' verifies that all do).\n"
	      "\n"
	      "Describes CHECKPOINT (hexo run --checkpoint): format version, image and build\n"
	      "id, the ISA that wrote it and when, its memory regions with their sizes and\n"
	      "whether their checksums are OK or BAD, the open files, the clock and the\n"
	      "number of frame records.\n"
	      "\n"
	      "  --json         print one JSON object instead of text\n"
	      "\n"
	      "Exit status: 0, or 125 when the file is not a usable image or checkpoint\n"
	      "(a checkpoint with a BAD section is described first).\n",
	      stdout);
}

enum app_class { C_TEXT, C_RODATA, C_DATA, C_BSS, C_SHADOW, N_CLASSES };
static const char *const class_name[N_CLASSES] = {"text", "rodata", "data", "bss",
                                                  "shadow_stack"};

struct range {
	uint64_t start, end, bytes; /* bytes: sum of the section sizes */
};

static enum app_class classify(const struct elf_sect *s)
{
	if (!strcmp(s->name, ".hexo_shadow_stack"))
		return C_SHADOW;
	if (s->flags & SHF_EXECINSTR)
		return C_TEXT;
	if (!(s->flags & SHF_WRITE))
		return C_RODATA;
	return s->type == SHT_NOBITS ? C_BSS : C_DATA;
}

static struct json_object *range_json(const struct range *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "start", json_out__hex(r->start));
	json_object_object_add(o, "end", json_out__hex(r->end));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)(r->end - r->start)));
	return o;
}

static struct json_object *elf_json(const struct image_elf *e)
{
	struct json_object *o = json_object_new_object(), *app = json_object_new_object();
	struct range cls[N_CLASSES] = {0}, kernel = {0};
	uint64_t padding = 0, app_end = 0;

	for (size_t i = 0; i < e->n_sects; i++) {
		const struct elf_sect *s = &e->sects[i];
		struct range *r;

		if (s->addr < HEXO_APP_BASE) {
			r = &kernel;
		} else {
			r = &cls[classify(s)];
			if (classify(s) != C_SHADOW && s->addr + s->size > app_end)
				app_end = s->addr + s->size;
		}
		if (!r->start || s->addr < r->start)
			r->start = s->addr;
		if (s->addr + s->size > r->end)
			r->end = s->addr + s->size;
		r->bytes += s->size;
	}
	/* Padding: the bytes of each app range that no section covers. */
	for (int c = 0; c < C_SHADOW; c++)
		if (cls[c].end)
			padding += cls[c].end - cls[c].start - cls[c].bytes;
	json_object_object_add(o, "isa", json_object_new_string(hexo_isa_name(e->isa)));
	json_object_object_add(o, "elf_bytes", json_object_new_int64((int64_t)e->size));
	json_object_object_add(o, "entry", json_out__hex(e->entry));
	json_object_object_add(o, "kernel", range_json(&kernel));
	for (int c = 0; c < N_CLASSES; c++)
		if (cls[c].end)
			json_object_object_add(app, class_name[c], range_json(&cls[c]));
	json_object_object_add(app, "end", json_out__hex(app_end));
	json_object_object_add(app, "gap_bytes", json_object_new_int64((int64_t)padding));
	json_object_object_add(app, "symbols", json_object_new_int64((int64_t)e->n_syms));
	json_object_object_add(o, "app", app);
	return o;
}

static struct json_object *image_json(const char *path, const struct hexo_image *img,
                                      const struct image_elf *e, int n)
{
	struct json_object *root = json_object_new_object(), *ents = json_object_new_array();
	struct json_object *elves = json_object_new_array(), *man = NULL;
	const char *text;
	char id[33];
	size_t len;

	hexo_build_id_hex(img->hdr->build_id, id);
	json_object_object_add(root, "file", json_object_new_string(path));
	json_object_object_add(root, "bytes", json_object_new_int64((int64_t)img->size));
	json_object_object_add(root, "format_version", json_object_new_int((int)img->hdr->version));
	json_object_object_add(root, "build_id", json_object_new_string(id));
	for (uint32_t i = 0; i < img->hdr->n_entries; i++) {
		const struct hexo_image_entry *en = &img->entries[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(
		                                      en->kind == HEXO_IMAGE_ELF ? "elf" : "manifest"));
		if (en->kind == HEXO_IMAGE_ELF)
			json_object_object_add(o, "isa", json_object_new_string(hexo_isa_name(en->isa)));
		json_object_object_add(o, "offset", json_object_new_int64((int64_t)en->offset));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)en->size));
		json_object_array_add(ents, o);
	}
	json_object_object_add(root, "entries", ents);
	text = hexo_image_manifest(img, &len);
	if (text) {
		char *copy = strndup(text, len); /* not NUL-terminated */

		man = copy ? json_tokener_parse(copy) : NULL;
		free(copy);
	}
	json_object_object_add(root, "manifest", man);
	for (int i = 0; i < n; i++)
		json_object_array_add(elves, elf_json(&e[i]));
	json_object_object_add(root, "elves", elves);
	for (int i = 1; i < n; i++) {
		struct json_object *o = json_object_new_object();
		struct layout_report r;
		char pair[64];

		layout_compare(&e[0], &e[i], &r, NULL, NULL);
		snprintf(pair, sizeof(pair), "%s/%s", hexo_isa_name(e[0].isa),
		         hexo_isa_name(e[i].isa));
		json_object_object_add(o, "isas", json_object_new_string(pair));
		json_object_object_add(o, "shared_symbols", json_object_new_int64((int64_t)r.shared));
		json_object_object_add(o, "same_address",
		                       json_object_new_int64((int64_t)(r.shared - r.mismatched)));
		json_object_object_add(o, "mismatched", json_object_new_int64((int64_t)r.mismatched));
		json_object_object_add(o, "first_mismatch",
		                       r.mismatched ? json_object_new_string(r.first) : NULL);
		json_object_object_add(root, "common_layout", o);
	}
	return root;
}

static void print_text(struct json_object *root)
{
	struct json_object *ents, *elves, *man, *cl, *mem;

	printf("image:     %s (%" PRId64 " bytes, format %" PRId64 ")\n", json_out__str(root, "file"),
	       json_out__int(root, "bytes"), json_out__int(root, "format_version"));
	printf("build id:  %s\n", json_out__str(root, "build_id"));
	json_object_object_get_ex(root, "entries", &ents);
	printf("entries:  ");
	for (size_t i = 0; i < json_object_array_length(ents); i++) {
		struct json_object *en = json_object_array_get_idx(ents, i);

		if (!strcmp(json_out__str(en, "kind"), "elf"))
			printf(" %s ELF (%" PRId64 " bytes)", json_out__str(en, "isa"), json_out__int(en, "bytes"));
		else
			printf(" manifest (%" PRId64 " bytes)", json_out__int(en, "bytes"));
	}
	putchar('\n');
	if (json_object_object_get_ex(root, "manifest", &man) && man) {
		struct json_object *tc;

		printf("manifest:  name %s, layout %s", json_out__str(man, "name"), json_out__str(man, "layout"));
		if (json_object_object_get_ex(man, "toolchain", &tc))
			printf(", hexocc %s, clang %s", json_out__str(tc, "hexocc"), json_out__str(tc, "clang"));
		putchar('\n');
		if (json_object_object_get_ex(man, "memory", &mem)) {
			struct json_object *sh;

			printf("memory:    app 0x%" PRIx64 "-0x%" PRIx64, json_out__int(mem, "app_base"),
			       json_out__int(mem, "app_end"));
			if (json_object_object_get_ex(mem, "shadow_stack", &sh))
				printf(", shadow stack 0x%" PRIx64 " (%" PRId64 " KiB)", json_out__int(sh, "start"),
				       json_out__int(sh, "size") / 1024);
			printf(", heap from 0x%" PRIx64 "\n", json_out__int(mem, "heap_start"));
		}
		if (json_object_object_get_ex(man, "padding_bytes", &mem)) {
			printf("layout:    %" PRId64 " shared sections; padding added per ISA:",
			       json_out__int(man, "shared_sections"));
			json_object_object_foreach(mem, isa, v)
				printf(" %s %" PRId64 " bytes", isa, json_object_get_int64(v));
			putchar('\n');
		}
	} else {
		printf("manifest:  none\n");
	}
	json_object_object_get_ex(root, "elves", &elves);
	for (size_t i = 0; i < json_object_array_length(elves); i++) {
		struct json_object *e = json_object_array_get_idx(elves, i), *k, *app, *r;

		printf("%s:\n", json_out__str(e, "isa"));
		printf("  ELF %" PRId64 " bytes, entry %s\n", json_out__int(e, "elf_bytes"), json_out__str(e, "entry"));
		json_object_object_get_ex(e, "kernel", &k);
		printf("  kernel        %10s-%-10s %9" PRId64 " bytes\n", json_out__str(k, "start"),
		       json_out__str(k, "end"), json_out__int(k, "size"));
		json_object_object_get_ex(e, "app", &app);
		for (int c = 0; c < N_CLASSES; c++) {
			if (!json_object_object_get_ex(app, class_name[c], &r))
				continue;
			printf("  %-13s %10s-%-10s %9" PRId64 " bytes\n",
			       c == C_SHADOW ? "shadow stack" : class_name[c], json_out__str(r, "start"),
			       json_out__str(r, "end"), json_out__int(r, "size"));
		}
		printf("  app end %s, %" PRId64 " bytes between sections, %" PRId64 " app symbols\n",
		       json_out__str(app, "end"), json_out__int(app, "gap_bytes"), json_out__int(app, "symbols"));
	}
	if (json_object_object_get_ex(root, "common_layout", &cl)) {
		printf("common layout (%s): %" PRId64 " of %" PRId64
		       " shared app symbols at the same address",
		       json_out__str(cl, "isas"), json_out__int(cl, "same_address"), json_out__int(cl, "shared_symbols"));
		if (json_out__int(cl, "mismatched"))
			printf("; first mismatch: %s", json_out__str(cl, "first_mismatch"));
		putchar('\n');
	}
}

bool inspect__is_checkpoint(const char *path)
{
	char magic[8];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	      hexo_ckpt_is_checkpoint(magic, sizeof(magic));
	fclose(f);
	return yes;
}

const char *inspect__args(int argc, char **argv, const char *flag, bool *on, void (*help)(void))
{
	const char *cmd = argv[0], *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help();
			return NULL;
		}
		if (!strcmp(argv[i], flag))
			*on = true;
		else if (argv[i][0] == '-' && argv[i][1])
			hexo_die("%s: unknown option '%s': see 'hexo %s --help'", cmd, argv[i],
			         cmd);
		else if (path)
			hexo_die("%s: one IMAGE only: see 'hexo %s --help'", cmd, cmd);
		else
			path = argv[i];
	}
	if (!path)
		hexo_die("%s: no IMAGE given: see 'hexo %s --help'", cmd, cmd);
	return path;
}

int inspect__main(int argc, char **argv, uint64_t t_start)
{
	struct image_elf e[IMAGE_MAX_ELVES];
	struct json_object *root;
	struct hexo_image img;
	char err[HEXO_ERR_LEN];
	const char *path;
	bool json = false;
	int n;

	(void)t_start;
	path = inspect__args(argc, argv, "--json", &json, inspect__help);
	if (!path)
		return 0;
	if (inspect__is_checkpoint(path))
		return inspect__checkpoint(path, json);
	if (hexo_image_open(path, &img, err, sizeof(err)))
		hexo_die("%s", err);
	n = image_elves_load(&img, e, err, sizeof(err));
	if (n < 0)
		hexo_die("%s: %s", path, err);
	root = image_json(path, &img, e, n);
	if (json)
		json_out__print(root);
	else
		print_text(root);
	json_object_put(root);
	while (n--)
		image_elf_free(&e[n]);
	hexo_image_close(&img);
	return 0;
}
