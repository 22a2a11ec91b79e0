// SPDX-License-Identifier: MIT
/*
 * The layout facts hexocc reads back from the linked ELFs (libelf) and the
 * image manifest it writes from them (json-c). See docs/image-format.md
 * ("Manifest") and docs/layout.md.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <hexo/layout.h>

#include "align.h"
#include "image_file.h"
#include "hexocc.h"

/* Looks up the values of the symbols names[0..n) in a linked ELF. */
static int elf_symbols(const void *data, size_t size, const char *const *names, uint64_t *vals,
                       size_t n)
{
	Elf_Scn *scn = NULL;
	size_t found = 0;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_memory((char *)(uintptr_t)data, size);
	if (!elf)
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn)) && found < n) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym))
				break;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			for (size_t k = 0; name && k < n; k++) {
				if (!strcmp(name, names[k]) && vals[k] == UINT64_MAX) {
					vals[k] = sym.st_value;
					found++;
				}
			}
		}
	}
	elf_end(elf);
	return found == n ? 0 : -ENOENT;
}

int elf_app_layout(const char *path, struct app_layout *lay)
{
	static const char *const names[] = {"__app_end", "__hexo_shadow_stack_start",
	                                    "__hexo_shadow_stack_end"};
	uint64_t v[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
	void *data;
	size_t size;
	int ret;

	ret = read_file(path, &data, &size);
	if (ret)
		return ret;
	ret = elf_symbols(data, size, names, v, 3);
	free(data);
	if (ret) {
		fprintf(stderr,
		        "hexocc: %s: no __app_end or __hexo_shadow_stack_* symbol: the runtime's "
		        "hexo.ld is out of date (make all)\n",
		        path);
		return ret;
	}
	lay->app_end = v[0];
	lay->shadow_start = v[1];
	lay->shadow_end = v[2];
	return 0;
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

char *manifest_json(const char *image, const uint8_t build_id[16], const struct app_layout *lay,
                    const struct align_stats *common, const char *clang_version,
                    const struct migration_info *mig)
{
	struct json_object *migj = json_object_new_object();
	struct json_object *root = json_object_new_object();
	struct json_object *isas = json_object_new_array();
	struct json_object *mem = json_object_new_object();
	struct json_object *shadow = json_object_new_object();
	struct json_object *tc = json_object_new_object();
	char *copy = xstrdup(image), *base = basename(copy), *dot, *text;
	char id[33];

	dot = strrchr(base, '.');
	if (dot && dot != base && !strcmp(dot, ".hexo"))
		*dot = 0;
	hexo_build_id_hex(build_id, id);
	json_object_object_add(root, "format", json_object_new_string("hexo-manifest"));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "name", json_object_new_string(base));
	json_object_object_add(root, "build_id", json_object_new_string(id));
	for (size_t i = 0; i < hexo_n_targets; i++)
		json_object_array_add(isas, json_object_new_string(hexo_targets[i].name));
	json_object_object_add(root, "isas", isas);
	add_u64(mem, "app_base", HEXO_APP_BASE);
	add_u64(mem, "app_end", lay->app_end);
	add_u64(shadow, "start", lay->shadow_start);
	add_u64(shadow, "size", lay->shadow_end - lay->shadow_start);
	json_object_object_add(mem, "shadow_stack", shadow);
	add_u64(mem, "heap_start", lay->shadow_end);
	json_object_object_add(root, "memory", mem);
	/* "common": every shared app section at one address on all ISAs
	 * (docs/layout.md); "separate": only the heap and shadow stack are. */
	json_object_object_add(root, "layout",
	                       json_object_new_string(common ? "common" : "separate"));
	if (common) {
		struct json_object *pad = json_object_new_object();

		add_u64(pad, hexo_targets[0].name, common->padding[0]);
		add_u64(pad, hexo_targets[1].name, common->padding[1]);
		json_object_object_add(root, "padding_bytes", pad);
		add_u64(root, "shared_sections", common->shared);
	}
	json_object_object_add(migj, "points", json_object_new_string(mig->points));
	add_u64(migj, "instrumented_functions", mig->instrumented);
	json_object_object_add(migj, "cross_isa", json_object_new_boolean(mig->migratable));
	json_object_object_add(root, "migration", migj);
	json_object_object_add(tc, "hexocc", json_object_new_string(HEXOCC_VERSION));
	json_object_object_add(tc, "clang", json_object_new_string(clang_version));
	json_object_object_add(root, "toolchain", tc);
	text = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	                                                        JSON_C_TO_STRING_SPACED |
	                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	free(copy);
	return text;
}
