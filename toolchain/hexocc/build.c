// SPDX-License-Identifier: MIT
/*
 * The build steps: compile each source for each guest ISA, link one static
 * ELF per ISA, package the ELFs into one .hexo image (lib/image_file.h).
 * -c compiles each source for every ISA into one object (multiobj.c); -S and
 * -E stop after the compile step, for the first ISA only.
 */
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "align.h" /* toolchain/align */
#include "image_file.h"
#include "hexocc.h"

/* What a link needs from the runtime folder of each ISA. */
static const char *const link_runtime[] = {
    "crt0.o",         "libhexokernel.a",   "hexo.ld",           "libbuiltins.a",
    "newlib/include", "newlib/lib/libc.a", "newlib/lib/libm.a", NULL,
};
static const char *const compile_runtime[] = {"newlib/include", NULL};

static int errno_line(const char *what)
{
	int err = errno;

	fprintf(stderr, "hexocc: %s: %s\n", what, strerror(err));
	return -err;
}

static int check_inputs(const struct options *o)
{
	struct stat st;

	for (size_t i = 0; i < o->n_inputs; i++) {
		const char *path = o->inputs[i].path;

		if (stat(path, &st) < 0)
			return errno_line(path);
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return errno_line(path);
		}
	}
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!strcmp(a, b))
		return true;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int check_output(const struct options *o)
{
	if (!o->output)
		return 0;
	for (size_t i = 0; i < o->n_inputs; i++) {
		if (same_file(o->output, o->inputs[i].path)) {
			fprintf(stderr, "hexocc: %s: the output would overwrite an input file\n",
			        o->output);
			return -EINVAL;
		}
	}
	return 0;
}

/* "dir/foo.c" -> "foo<ext>" (in the current folder, as cc does). */
static char *derived_name(const char *src, const char *ext)
{
	char *copy = xstrdup(src);
	char *base = basename(copy);
	char *dot = strrchr(base, '.');
	char *name;

	if (dot && dot != base)
		*dot = 0;
	name = xasprintf("%s%s", base, ext);
	free(copy);
	return name;
}

/* Dependency-file options: -MD -MMD -MP, -MF/-MT/-MQ VALUE, -Wp,-M... */
static size_t dep_option_len(char *const *v)
{
	if (!strcmp(v[0], "-MD") || !strcmp(v[0], "-MMD") || !strcmp(v[0], "-MP") ||
	    !strncmp(v[0], "-Wp,-M", 6))
		return 1;
	if ((!strcmp(v[0], "-MF") || !strcmp(v[0], "-MT") || !strcmp(v[0], "-MQ")) && v[1])
		return 2;
	return 0;
}

/*
 * The user's compiler flags for `t`. Only the primary ISA's compile writes
 * the dependency file: the sources and headers are the same for every ISA,
 * and a second compile would overwrite it naming a temporary object.
 */
static void push_user_cflags(struct strvec *cmd, const struct options *o,
                             const struct isa_target *t)
{
	for (size_t i = 0; i < o->cflags.n;) {
		size_t n = t == PRIMARY_TARGET ? 0 : dep_option_len(&o->cflags.v[i]);

		if (!n)
			sv_push(cmd, o->cflags.v[i++]);
		i += n;
	}
}

static int compile_one(const struct options *o, const struct isa_target *t, const char *src,
                       const char *mode_flag, const char *out)
{
	struct strvec cmd = {0};
	int ret;

	ret = guest_cc_command(&cmd, t);
	if (ret)
		goto out_free;
	push_user_cflags(&cmd, o, t);
	sv_push(&cmd, mode_flag);
	if (!strcmp(mode_flag, "-emit-llvm")) {
		/*
		 * Bitcode for the IR pipeline, not yet optimized: the -O level
		 * is recorded in the IR, and the optimizer runs once, on the
		 * linked program, in the final compile. Optimizing here too
		 * made dgemm 7% slower (docs/PERFORMANCE.md).
		 */
		sv_push(&cmd, "-c");
		sv_push(&cmd, "-Xclang");
		sv_push(&cmd, "-disable-llvm-passes");
	}
	sv_push(&cmd, src);
	if (out) {
		sv_push(&cmd, "-o");
		sv_push(&cmd, out);
	}
	ret = run_command(cmd.v);
out_free:
	sv_free(&cmd);
	return ret;
}

static size_t count_compiled(const struct options *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n_inputs; i++)
		n += is_compiled(&o->inputs[i]);
	return n;
}

static void warn_unused_linker_inputs(const struct options *o, const char *flag)
{
	for (size_t i = 0; i < o->n_inputs; i++) {
		if (!is_compiled(&o->inputs[i]))
			fprintf(stderr, "hexocc: warning: %s: linker input unused with %s\n",
			        o->inputs[i].path, flag);
	}
}

static const char *mode_flag(enum mode m)
{
	return m == MODE_COMPILE ? "-c" : m == MODE_ASSEMBLY ? "-S" : "-E";
}

/* The output for one source with -c/-S/-E (NULL: standard output). */
static char *separate_output(const struct options *o, const char *src)
{
	if (o->output)
		return xstrdup(o->output);
	if (o->mode == MODE_PREPROCESS)
		return NULL;
	return derived_name(src, o->mode == MODE_COMPILE ? ".o" : ".s");
}

static bool ir_pipeline(void);

/* Options whose value is the next argument in `cflags` (options.c). */
static bool takes_value(const char *a)
{
	static const char *const with_value[] = {"-MF",     "-MT",    "-MQ",       "-include",
	                                         "-isystem", "-iquote", "-idirafter"};

	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (!strcmp(a, with_value[i]))
			return true;
	return false;
}

/* The last -O option in `cflags`, or NULL. */
static const char *last_opt_level(const struct strvec *cflags)
{
	const char *last = NULL;

	for (size_t i = 0; i < cflags->n; i++) {
		if (takes_value(cflags->v[i]))
			i++;
		else if (!strncmp(cflags->v[i], "-O", 2))
			last = cflags->v[i];
	}
	return last;
}

/* `o` with the dependency-file options left out of its cflags (free the
 * copy's cflags with sv_free). */
static void without_dep_options(const struct options *o, struct options *copy)
{
	*copy = *o;
	copy->cflags = (struct strvec){0};
	for (size_t i = 0; i < o->cflags.n;) {
		size_t n = dep_option_len(&o->cflags.v[i]);

		if (!n)
			sv_push(&copy->cflags, o->cflags.v[i++]);
		i += n;
	}
}

/*
 * -c: what the object of source number `i` carries besides the primary
 * ISA's code (multiobj.c): the object of every other ISA and, for a C source
 * when the IR pipeline is on, every ISA's bitcode exactly as a link of the
 * source makes it (compile_one -emit-llvm: not optimized, the -O level
 * recorded in its function attributes) plus the -O option (for a link that
 * gives none, compile_for_link). Only the primary compile writes the
 * dependency file. An output that is not a regular file (-o /dev/null) gets
 * nothing added.
 */
static int add_other_isas(const struct options *o, size_t i, const char *out)
{
	const char *src = o->inputs[i].path;
	bool bitcode = o->inputs[i].kind == IN_C && ir_pipeline();
	struct multiobj_part *parts = xmalloc((2 * hexo_n_targets + 1) * sizeof(*parts));
	struct strvec files = {0};
	struct options nodeps;
	char *base = derived_name(src, "");
	const char *level = last_opt_level(&o->cflags);
	struct stat st;
	size_t n = 0;
	int ret = 0;

	if (stat(out, &st) < 0 || !S_ISREG(st.st_mode))
		goto out_free;
	without_dep_options(o, &nodeps);
	for (size_t k = 1; k < hexo_n_targets && !ret; k++) {
		const struct isa_target *t = &hexo_targets[k];

		sv_pushf(&files, "%s/%zu-%s.%s.o", tmpdir_path(), i, base, t->name);
		ret = compile_one(o, t, src, "-c", files.v[files.n - 1]);
		parts[n++] = (struct multiobj_part){MO_OBJECT, t, files.v[files.n - 1]};
	}
	for (size_t k = 0; k < hexo_n_targets && bitcode && !ret; k++) {
		const struct isa_target *t = &hexo_targets[k];

		sv_pushf(&files, "%s/%zu-%s.%s.bc", tmpdir_path(), i, base, t->name);
		ret = compile_one(&nodeps, t, src, "-emit-llvm", files.v[files.n - 1]);
		parts[n++] = (struct multiobj_part){MO_BITCODE, t, files.v[files.n - 1]};
	}
	if (bitcode)
		parts[n++] = (struct multiobj_part){MO_OPT, NULL, level ? level : "-O0"};
	if (!ret && n)
		ret = multiobj_add(out, parts, n);
	sv_free(&nodeps.cflags);
	/* A half-made object must not pass for a good one in a later link. */
	if (ret && ret != -EINTR)
		unlink(out);
out_free:
	sv_free(&files);
	free(base);
	free(parts);
	return ret;
}

/* -c, -S, -E: every source compiled on its own; carry on after a failure. */
static int build_separately(const struct options *o)
{
	const struct isa_target *t = PRIMARY_TARGET;
	const char *flag = mode_flag(o->mode);
	bool all_isas = o->mode == MODE_COMPILE;
	int ret, first = 0;

	if (o->output && count_compiled(o) > 1) {
		fprintf(stderr, "hexocc: -o: cannot name one output for several sources with %s\n",
		        flag);
		return -EINVAL;
	}
	warn_unused_linker_inputs(o, flag);
	for (size_t n = 0; n < (all_isas ? hexo_n_targets : 1); n++) {
		ret = check_runtime(&hexo_targets[n], compile_runtime);
		if (ret)
			return ret;
	}
	if (all_isas && count_compiled(o)) {
		ret = tmpdir_create(o->save_temps);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < o->n_inputs && first != -EINTR; i++) {
		char *out;

		if (!is_compiled(&o->inputs[i]))
			continue;
		out = separate_output(o, o->inputs[i].path);
		ret = compile_one(o, t, o->inputs[i].path, flag, out);
		if (!ret && all_isas)
			ret = add_other_isas(o, i, out);
		free(out);
		if (ret && (!first || ret == -EINTR))
			first = ret;
	}
	return first;
}

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

static int find_libs(const struct options *o, struct strvec *paths)
{
	int ret;

	for (size_t i = 0; i < o->libs.n; i++) {
		ret = find_lib(o, o->libs.v[i], paths);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The IR pipeline (docs/layout.md): C sources are compiled to LLVM bitcode
 * per ISA, linked into one module (llvm-link, command-line order),
 * instrumented for migration (hexo-instrument, unless --no-migration), given
 * one section per function and global (hexo-irsect), then optimized and
 * compiled once per ISA. HEXOCC_PIPELINE=native compiles each source to an
 * object instead.
 */
static bool ir_pipeline(void)
{
	const char *e = getenv("HEXOCC_PIPELINE");

	return !(e && !strcmp(e, "native"));
}

static const char *tool_llvm_link(void)
{
	const char *e = getenv("HEXO_LLVM_LINK");

	return e && *e ? e : "llvm-link";
}

/* A helper tool: $ENV if set, else NAME next to this executable. */
static char *tool_beside(const char *env, const char *name)
{
	const char *e = getenv(env);
	char exe[4096];
	ssize_t n;

	if (e && *e)
		return xstrdup(e);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return xstrdup(name);
	exe[n] = 0;
	return xasprintf("%s/%s", dirname(exe), name);
}

/* The layout file hexo-instrument writes for `t` (docs/migration.md). */
static char *layout_path(const struct isa_target *t)
{
	return xasprintf("%s/app.%s.layout", tmpdir_path(), t->name);
}

/*
 * The migration instrumentation (toolchain/pass, docs/migration.md) of the
 * linked module `in` for `t`, into `out`.
 */
static int instrument(const struct options *o, const struct isa_target *t, const char *in,
                      const char *out)
{
	char *tool = tool_beside("HEXO_INSTRUMENT", "hexo-instrument");
	char *layout = layout_path(t);
	struct strvec cmd = {0};
	int ret;

	sv_push(&cmd, tool);
	sv_push(&cmd, o->migration == MIG_AUTO ? "-points=auto" : "-points=manual");
	if (o->verbose && t == PRIMARY_TARGET)
		sv_push(&cmd, "-v");
	sv_pushf(&cmd, "-isa=%s", t->name);
	sv_pushf(&cmd, "-layout=%s", layout);
	sv_push(&cmd, in);
	sv_push(&cmd, out);
	ret = run_command(cmd.v);
	sv_free(&cmd);
	free(layout);
	free(tool);
	return ret;
}

/*
 * The cross-ISA check: every instrumented function saves the same frame
 * records on every ISA, or no image is written (hexo-instrument -verify
 * names the function and call site).
 */
static int verify_layouts(const struct options *o)
{
	char *tool, *a, *b;
	struct strvec cmd = {0};
	int ret;

	if (o->migration == MIG_NONE || hexo_n_targets != 2 || !ir_pipeline())
		return 0;
	a = layout_path(&hexo_targets[0]);
	b = layout_path(&hexo_targets[1]);
	if (access(a, F_OK) || access(b, F_OK)) {
		free(a);
		free(b);
		return 0; /* no C sources: nothing instrumented */
	}
	tool = tool_beside("HEXO_INSTRUMENT", "hexo-instrument");
	sv_push(&cmd, tool);
	sv_push(&cmd, "-verify");
	sv_push(&cmd, a);
	sv_push(&cmd, b);
	sv_pushf(&cmd, "-names=%s,%s", hexo_targets[0].name, hexo_targets[1].name);
	ret = run_command(cmd.v);
	sv_free(&cmd);
	free(tool);
	free(a);
	free(b);
	return ret;
}

/* Instrumented functions in `t`'s layout file (0 without one). */
static size_t count_instrumented(const struct isa_target *t)
{
	char *path = layout_path(t), line[64];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "fn ", 3))
			n++;
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			;
	}
	fclose(f);
	return n;
}

/* The linked module of `bcs` for `t`, compiled into `obj`. */
static int ir_link_compile(const struct options *o, const struct isa_target *t,
                           const struct strvec *bcs, const char *obj)
{
	char *linked = xasprintf("%s/app.%s.bc", tmpdir_path(), t->name);
	char *inst = xasprintf("%s/app.%s.instrumented.bc", tmpdir_path(), t->name);
	char *sect = xasprintf("%s/app.%s.sections.bc", tmpdir_path(), t->name);
	char *irsect = tool_beside("HEXO_IRSECT", "hexo-irsect");
	bool mig = o->migration != MIG_NONE;
	struct strvec cmd = {0};
	int ret;

	sv_push(&cmd, tool_llvm_link());
	sv_push(&cmd, "-o");
	sv_push(&cmd, linked);
	sv_extend(&cmd, bcs);
	ret = run_command(cmd.v);
	sv_free(&cmd);
	if (!ret && mig)
		ret = instrument(o, t, linked, inst);
	if (!ret) {
		sv_push(&cmd, irsect);
		sv_push(&cmd, mig ? inst : linked);
		sv_push(&cmd, sect);
		ret = run_command(cmd.v);
		sv_free(&cmd);
	}
	if (!ret)
		ret = guest_cc_command(&cmd, t);
	if (!ret) {
		/* The user's flags but the dependency-file ones (-O, -g, -f, -m
		 * apply to the code; the preprocessor's are unused here). */
		sv_push(&cmd, "-Qunused-arguments");
		for (size_t i = 0; i < o->cflags.n;) {
			size_t n = dep_option_len(&o->cflags.v[i]);

			if (!n)
				sv_push(&cmd, o->cflags.v[i++]);
			i += n;
		}
		sv_push(&cmd, "-x");
		sv_push(&cmd, "ir");
		sv_push(&cmd, "-c");
		sv_push(&cmd, sect);
		sv_push(&cmd, "-o");
		sv_push(&cmd, obj);
		ret = run_command(cmd.v);
	}
	sv_free(&cmd);
	free(irsect);
	free(sect);
	free(inst);
	free(linked);
	return ret;
}

/* -O levels, for a link without -O whose objects were compiled with several. */
static int opt_rank(const char *opt)
{
	static const char *const order[] = {"-O0", "-O1", "-Oz", "-Os", "-O2", "-O3"};

	if (!strcmp(opt, "-O") || !strcmp(opt, "-Og"))
		opt = "-O1";
	for (int i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
		if (!strcmp(opt, order[i]))
			return i;
	return -1;
}

/*
 * The IR step's options: `o`'s, plus, when the link's command line gives no
 * -O, the highest -O level the bitcode objects were compiled with (their
 * `.hexo.opt` sections). Functions keep what their compile recorded in
 * them (optnone at -O0, optsize/minsize at -Os/-Oz).
 */
static void link_ir_options(const struct options *o, const struct isa_target *t,
                            const char *obj_level, struct options *lo)
{
	*lo = *o;
	lo->cflags = (struct strvec){0};
	sv_extend(&lo->cflags, &o->cflags);
	if (!obj_level || last_opt_level(&o->cflags))
		return;
	sv_push(&lo->cflags, obj_level);
	if (t == PRIMARY_TARGET)
		verbose_note("# no -O given: %s, from the objects' compile", obj_level);
}

/*
 * An object input for the IR pipeline: when it carries bitcode for every ISA
 * (hexocc -c), `t`'s is written to the temporary folder, appended to `bcs`
 * and 1 returned; `*level` becomes the higher of itself and the object's -O
 * level. 0: the object links natively. Else -errno.
 */
static int object_bitcode(const struct input *in, size_t i, const struct isa_target *t,
                          struct strvec *bcs, char **level)
{
	char *base = derived_name(in->path, "");
	char *bc = xasprintf("%s/%zu-%s.%s.bc", tmpdir_path(), i, base, t->name);
	char *opt = NULL;
	int ret;

	ret = multiobj_bitcode(in->path, t, bc, &opt);
	if (ret == 1) {
		sv_push(bcs, bc);
		if (t == PRIMARY_TARGET)
			verbose_note("# %s: linked from its bitcode (%s)", in->path,
			             opt ? opt : "no -O recorded");
		if (opt && opt_rank(opt) >= 0 && (!*level || opt_rank(opt) > opt_rank(*level))) {
			free(*level);
			*level = opt;
			opt = NULL;
		}
	}
	free(opt);
	free(bc);
	free(base);
	return ret;
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

/* One ISA's ELF: its path, its link command (kept for a second link) and
 * its app layout (manifest.c). */
struct isa_build {
	char *elf;
	char *map;             /* the first link's map (toolchain/align) */
	struct strvec link;
	struct strvec aliases; /* align_isa.aliases */
	struct app_layout lay;
};

/* Compiles for `t` and links <tmp>/app.<isa>.elf. */
static int build_elf(const struct options *o, const struct isa_target *t, const struct strvec *libs,
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
static int common_layout(struct isa_build *b, struct align_stats *st)
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
static int align_app_ends(struct isa_build *b, size_t n)
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

/* A cheap guard against a misconfigured linker or script. */
static int check_elf(const char *path, const uint8_t *d, size_t size, const struct isa_target *t)
{
	const Elf64_Ehdr *eh = (const void *)d;

	if (size < sizeof(*eh) || memcmp(d, ELFMAG, SELFMAG) != 0 || d[EI_CLASS] != ELFCLASS64 ||
	    d[EI_DATA] != ELFDATA2LSB) {
		fprintf(stderr, "hexocc: %s: the linker did not produce a 64-bit ELF\n", path);
		return -EINVAL;
	}
	if (eh->e_type != ET_EXEC || eh->e_machine != t->elf_machine) {
		fprintf(stderr,
		        "hexocc: %s: not a static %s executable (type %u, machine %u): check "
		        "HEXO_LLD and %s/hexo.ld\n",
		        path, t->name, eh->e_type, eh->e_machine, t->name);
		return -EINVAL;
	}
	return 0;
}

static void free_parts(struct hexo_image_part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)parts[i].data);
}

static int load_part(const struct isa_target *t, const char *elf, struct hexo_image_part *part)
{
	void *data;
	size_t size;
	int ret;

	ret = read_file(elf, &data, &size);
	if (ret)
		return ret;
	ret = check_elf(elf, data, size, t);
	if (ret) {
		free(data);
		return ret;
	}
	part->kind = HEXO_IMAGE_ELF;
	part->isa = t->isa;
	part->data = data;
	part->size = size;
	return 0;
}

/* "14.0.6": the guest compiler's version, for the manifest. */
static char *clang_version(void)
{
	char *argv[] = {(char *)tool_clang(), "-dumpversion", NULL};
	char *line = NULL;

	if (run_capture_line(argv, &line) || !line)
		return xstrdup("?");
	return line;
}

static int write_image(const char *out, const struct isa_build *b, const struct align_stats *st,
                       const struct migration_info *mig)
{
	struct hexo_image_part parts[HEXO_IMAGE_MAX_ENTRIES];
	char err[HEXO_ERR_LEN], *version;
	uint8_t id[16];
	size_t n;
	int ret = 0;

	for (n = 0; n < hexo_n_targets; n++) {
		ret = load_part(&hexo_targets[n], b[n].elf, &parts[n]);
		if (ret)
			goto out_free;
		verbose_note("# %s: %s ELF, %zu bytes", out, hexo_targets[n].name, parts[n].size);
	}
	if (hexo_image_build_id(parts, n, id)) {
		ret = -ENOMEM;
		goto out_free;
	}
	version = clang_version();
	parts[n].kind = HEXO_IMAGE_MANIFEST;
	parts[n].isa = HEXO_ISA_NONE;
	parts[n].data = manifest_json(out, id, &b[0].lay, st, version, mig);
	parts[n].size = strlen(parts[n].data);
	n++;
	free(version);
	verbose_note("# writing %s", out);
	ret = hexo_image_write(out, parts, n, err, sizeof(err));
	if (ret)
		fprintf(stderr, "hexocc: %s\n", err);
out_free:
	free_parts(parts, n);
	return ret;
}

static int build_image(const struct options *o)
{
	const char *out = o->output ? o->output : "a.hexo";
	struct isa_build b[HEXO_IMAGE_MAX_ENTRIES] = {0};
	struct align_stats st;
	struct strvec libs = {0};
	bool common = false;
	size_t n = 0;
	int ret;

	ret = find_libs(o, &libs);
	for (size_t i = 0; i < hexo_n_targets && !ret; i++)
		ret = check_runtime(&hexo_targets[i], link_runtime);
	if (!ret)
		ret = tmpdir_create(o->save_temps);
	for (; n < hexo_n_targets && !ret; n++)
		ret = build_elf(o, &hexo_targets[n], &libs, &b[n]);
	if (!ret) {
		ret = common_layout(b, &st);
		common = ret == 0;
		ret = ret < 0 ? ret : 0;
	}
	if (!ret)
		ret = align_app_ends(b, hexo_n_targets);
	if (!ret)
		ret = verify_layouts(o);
	if (!ret && caught_signal())
		ret = -EINTR;
	if (!ret) {
		struct migration_info mig = {
		    .points = o->migration == MIG_AUTO   ? "auto"
		              : o->migration == MIG_NONE ? "none"
		                                         : "manual",
		    .instrumented = o->migration == MIG_NONE ? 0 : count_instrumented(PRIMARY_TARGET),
		};

		/* Across ISAs only when every shared object sits at one address. */
		mig.migratable = common && mig.instrumented > 0;
		if (!common && mig.instrumented)
			fprintf(stderr, "hexocc: warning: %s: without the common layout the job can "
			                "only resume on the ISA it was checkpointed on\n", out);
		ret = write_image(out, b, common ? &st : NULL, &mig);
	}
	for (size_t i = 0; i < hexo_n_targets; i++) {
		free(b[i].elf);
		free(b[i].map);
		sv_free(&b[i].link);
		sv_free(&b[i].aliases);
	}
	sv_free(&libs);
	return ret;
}

int do_build(const struct options *o)
{
	int ret;

	if (!o->n_inputs) {
		fputs("hexocc: no input files (see hexocc --help)\n", stderr);
		return -EINVAL;
	}
	ret = check_inputs(o);
	if (!ret)
		ret = check_output(o);
	if (ret)
		return ret;
	if (o->mode != MODE_LINK)
		return build_separately(o);
	return build_image(o);
}
