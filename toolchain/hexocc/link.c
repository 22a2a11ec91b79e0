// SPDX-License-Identifier: MIT
/*
 * Linking (docs/layout.md): the objects of one ISA (compiled here, or
 * through the IR pipeline, ir.c), its ld.lld command and ELF, then the
 * common layout: the second link of every ISA with one placement of the
 * shared app sections, and the app ends aligned so the shadow stack and
 * the heap start at one address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "align.h" /* toolchain/align */
#include "image_file.h"
#include "hexocc.h"

/* -lNAME: the first libNAME.a in the -L folders, in order. */
static int find_lib(const struct options *o, const char *name, struct strvec *out)
{
	struct stat st;

	for (size_t i = 0; i < o->libdirs.n; i++) {
		char *path = xasprintf("%s/lib%s.a", o->libdirs.v[i], name);

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			sv_push(out, path);
			free(path);
			return 0;
		}
		free(path);
	}
	fprintf(stderr,
	        "hexocc: -l%s: lib%s.a not found in the -L folders (%s): hexo links static "
	        "libraries built with hexocc\n",
	        name, name, o->libdirs.n ? "searched in order" : "none given");
	return -ENOENT;
}

int find_libs(const struct options *o, struct strvec *paths)
{
	int ret;

	for (size_t i = 0; i < o->libs.n; i++) {
		ret = find_lib(o, o->libs.v[i], paths);
		if (ret)
			return ret;
	}
	return 0;
}

/* Compiles every source for `t` into the temporary folder; objects (ours
 * and the user's, in command-line order) are appended to `objs`. With the
 * IR pipeline, the C sources and the objects that carry bitcode (hexocc -c)
 * become one object, where the first of them was. */
static int compile_for_link(const struct options *o, const struct isa_target *t,
                            struct strvec *objs, struct strvec *aliases)
{
	struct strvec bcs = {0};
	bool ir = ir_pipeline();
	char *ir_obj = xasprintf("%s/app-ir.%s.o", tmpdir_path(), t->name);
	char *obj_level = NULL;
	int ret, first = 0;

	for (size_t i = 0; i < o->n_inputs && first != -EINTR; i++) {
		const struct input *in = &o->inputs[i];
		char *base, *obj;

		if (ir && in->kind == IN_C) {
			base = derived_name(in->path, "");
			obj = xasprintf("%s/%zu-%s.%s.bc", tmpdir_path(), i, base, t->name);
			ret = compile_one(o, t, in->path, "-emit-llvm", obj);
			if (!bcs.n)
				sv_push(objs, ir_obj);
			sv_push(&bcs, obj);
			free(obj);
			free(base);
			if (ret && (!first || ret == -EINTR))
				first = ret;
			continue;
		}
		if (ir && in->kind == IN_OBJECT) {
			size_t before = bcs.n;

			ret = object_bitcode(in, i, t, &bcs, &obj_level);
			if (ret == 1 && !before)
				sv_push(objs, ir_obj);
			if (ret < 0 && (!first || ret == -EINTR))
				first = ret;
			if (ret)
				continue;
		}
		if (!is_compiled(in)) {
			size_t before = objs->n;

			ret = multiobj_inputs(t, in->path, in->kind, i, objs, aliases);
			/* An object is one input under another path on each ISA. */
			if (!ret && in->kind == IN_OBJECT && objs->n == before + 1) {
				sv_push(aliases, objs->v[before]);
				sv_pushf(aliases, "input-%zu", i);
			}
			if (ret && (!first || ret == -EINTR))
				first = ret;
			continue;
		}
		/* "<i>-<name>.<isa>.o": never ends in crt0.o, which hexo.ld matches. */
		base = derived_name(in->path, "");
		obj = xasprintf("%s/%zu-%s.%s.o", tmpdir_path(), i, base, t->name);
		ret = compile_one(o, t, in->path, "-c", obj);
		sv_push(objs, obj);
		free(obj);
		free(base);
		if (ret && (!first || ret == -EINTR))
			first = ret;
	}
	if (!first && bcs.n) {
		struct options lo;

		link_ir_options(o, t, obj_level, &lo);
		first = ir_link_compile(&lo, t, &bcs, ir_obj);
		sv_free(&lo.cflags);
	}
	sv_free(&bcs);
	free(obj_level);
	free(ir_obj);
	return first;
}

static void push_runtime(struct strvec *cmd, const struct isa_target *t, const char *rel)
{
	char *path = runtime_path(t, rel);

	sv_push(cmd, path);
	free(path);
}

static void link_command(struct strvec *cmd, const struct options *o, const struct isa_target *t,
                         const struct strvec *objs, const struct strvec *libs, const char *elf)
{
	sv_push(cmd, tool_lld());
	sv_push(cmd, "-static");
	sv_push(cmd, "-nostdlib");
	sv_push(cmd, "-T");
	push_runtime(cmd, t, "hexo.ld");
	sv_push(cmd, "-o");
	sv_push(cmd, elf);
	push_runtime(cmd, t, "crt0.o");
	sv_extend(cmd, objs);
	/*
	 * The -l libraries come before the group: for other ISAs than the
	 * primary they are --start-lib lists, which ld.lld refuses inside a
	 * group. ld.lld resolves archives in any order, so this links the same.
	 */
	sv_extend(cmd, libs);
	sv_push(cmd, "--start-group");
	push_runtime(cmd, t, "libhexokernel.a");
	push_runtime(cmd, t, "newlib/lib/libm.a");
	push_runtime(cmd, t, "newlib/lib/libc.a");
	push_runtime(cmd, t, "libbuiltins.a");
	sv_push(cmd, "--end-group");
	sv_push(cmd, "-z");
	sv_push(cmd, "max-page-size=4096");
	sv_push(cmd, "--gc-sections");
	/* No merging of constants and strings across input sections: merged
	 * ones could not be placed at one address on every ISA (docs/layout.md). */
	sv_push(cmd, "-O0");
	sv_extend(cmd, &o->ldflags);
}

/* The -l archives for `t` (numbered after the inputs, for file names). */
static int libs_for_isa(const struct options *o, const struct isa_target *t,
                        const struct strvec *libs, struct strvec *out, struct strvec *aliases)
{
	int ret = 0;

	for (size_t i = 0; i < libs->n && !ret; i++)
		ret = multiobj_inputs(t, libs->v[i], IN_ARCHIVE, o->n_inputs + i, out, aliases);
	return ret;
}

/* Compiles for `t` and links <tmp>/app.<isa>.elf. */
int build_elf(const struct options *o, const struct isa_target *t, const struct strvec *libs,
              struct isa_build *b)
{
	struct strvec objs = {0}, isa_libs = {0};
	int ret;

	b->elf = xasprintf("%s/app.%s.elf", tmpdir_path(), t->name);
	b->map = xasprintf("%s/app.%s.map", tmpdir_path(), t->name);
	ret = compile_for_link(o, t, &objs, &b->aliases);
	if (!ret)
		ret = libs_for_isa(o, t, libs, &isa_libs, &b->aliases);
	if (ret)
		goto out_free;
	link_command(&b->link, o, t, &objs, &isa_libs, b->elf);
	if (hexo_n_targets == 2)
		sv_pushf(&b->link, "-Map=%s", b->map);
	ret = run_command(b->link.v);
	if (!ret)
		ret = elf_app_layout(b->elf, &b->lay);
out_free:
	sv_free(&isa_libs);
	sv_free(&objs);
	return ret;
}

/* The link command of `b` with `script` for hexo.ld, writing `elf`, no map. */
static void relink_command(struct strvec *cmd, const struct isa_build *b, const char *script,
                           const char *elf)
{
	for (size_t i = 0; i < b->link.n; i++) {
		const char *a = b->link.v[i];

		if (!strncmp(a, "-Map=", 5) && !strcmp(a + 5, b->map))
			continue; /* ours (a -Wl,-Map of the user's stays) */
		sv_push(cmd, a);
		if (i + 1 < b->link.n && (!strcmp(a, "-T") || !strcmp(a, "-o")))
			sv_push(cmd, !strcmp(a, "-T") ? script : elf), i++;
	}
}

/*
 * The common layout (docs/layout.md): toolchain/align reads the first
 * links' maps and writes one script per ISA placing every shared app
 * section at one address; then each ISA is linked again with it. Returns 1
 * when the image keeps its separate layouts (HEXOCC_LAYOUT=separate, or a
 * final link failed: a warning says why).
 */
int common_layout(struct isa_build *b, struct align_stats *st)
{
	struct align_isa isa[2];
	char err[HEXO_ERR_LEN], *script[2], *elf[2];
	const char *env = getenv("HEXOCC_LAYOUT");
	int ret = 0;

	if (hexo_n_targets != 2 || (env && !strcmp(env, "separate")))
		return 1;
	for (int k = 0; k < 2; k++) {
		script[k] = xasprintf("%s/app.%s.ld", tmpdir_path(), hexo_targets[k].name);
		elf[k] = xasprintf("%s/app.%s.common.elf", tmpdir_path(), hexo_targets[k].name);
		isa[k] = (struct align_isa){
		    .name = hexo_targets[k].name,
		    .base_script = runtime_path(&hexo_targets[k], "hexo.ld"),
		    .map = b[k].map,
		    .out_script = script[k],
		    .aliases = b[k].aliases.v,
		    .n_aliases = b[k].aliases.n,
		};
	}
	verbose_note("# common layout: %s, %s", script[0], script[1]);
	ret = align_layout(isa, st, err, sizeof(err));
	if (ret)
		fprintf(stderr, "hexocc: warning: common layout: %s\n", err);
	for (int k = 0; k < 2 && !ret; k++) {
		struct strvec cmd = {0};

		relink_command(&cmd, &b[k], script[k], elf[k]);
		ret = run_command(cmd.v);
		sv_free(&cmd);
		if (ret == -EINTR)
			break;
		if (ret)
			fprintf(stderr,
			        "hexocc: warning: the %s link with the common layout failed: the "
			        "image's ISAs keep separate layouts (docs/layout.md)\n",
			        hexo_targets[k].name);
	}
	if (!ret) {
		for (int k = 0; k < 2; k++) {
			free(b[k].elf);
			b[k].elf = elf[k];
			elf[k] = NULL;
		}
		for (int k = 0; k < 2 && !ret; k++)
			ret = elf_app_layout(b[k].elf, &b[k].lay);
	}
	for (int k = 0; k < 2; k++) {
		free(script[k]);
		free(elf[k]);
		free((char *)isa[k].base_script);
	}
	if (ret == -EINTR)
		return ret;
	return ret ? 1 : 0;
}

/*
 * The ISAs' app images end at different addresses until every section is
 * laid out in common (docs/layout.md); the shadow stack and the heap follow
 * the end. Each ISA whose app ends below the largest end is linked again
 * with __hexo_common_end set to it (hexo.ld moves the shadow stack there),
 * so the shadow stack and the heap start at one address on every ISA.
 */
int align_app_ends(struct isa_build *b, size_t n)
{
	uint64_t end = 0;
	int ret;

	for (size_t i = 0; i < n; i++)
		if (b[i].lay.app_end > end)
			end = b[i].lay.app_end;
	for (size_t i = 0; i < n; i++) {
		if (b[i].lay.app_end == end)
			continue;
		sv_pushf(&b[i].link, "--defsym=__hexo_common_end=0x%llx", (unsigned long long)end);
		ret = run_command(b[i].link.v);
		if (!ret)
			ret = elf_app_layout(b[i].elf, &b[i].lay);
		if (ret)
			return ret;
	}
	for (size_t i = 1; i < n; i++) {
		if (b[i].lay.shadow_start != b[0].lay.shadow_start ||
		    b[i].lay.shadow_end != b[0].lay.shadow_end) {
			fprintf(stderr,
			        "hexocc: the shadow stack of %s (0x%llx) and %s (0x%llx) differ: "
			        "check the runtime's hexo.ld\n",
			        hexo_targets[0].name, (unsigned long long)b[0].lay.shadow_start,
			        hexo_targets[i].name, (unsigned long long)b[i].lay.shadow_start);
			return -EINVAL;
		}
	}
	b[0].lay.app_end = end;
	return 0;
}
