// SPDX-License-Identifier: MIT
/*
 * The IR pipeline of a link (docs/layout.md, docs/migration.md): the
 * program's bitcode linked per ISA, instrumented for migration, given one
 * section per function and global, then optimized and compiled once; and
 * the cross-ISA check of the instrumentation's frame records.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hexocc.h"

/*
 * The IR pipeline (docs/layout.md): C sources are compiled to LLVM bitcode
 * per ISA, linked into one module (llvm-link, command-line order),
 * instrumented for migration (hexo-instrument, unless --no-migration), given
 * one section per function and global (hexo-irsect), then optimized and
 * compiled once per ISA. HEXOCC_PIPELINE=native compiles each source to an
 * object instead.
 */
bool ir_pipeline(void)
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
int verify_layouts(const struct options *o)
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
size_t count_instrumented(const struct isa_target *t)
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
int ir_link_compile(const struct options *o, const struct isa_target *t,
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
void link_ir_options(const struct options *o, const struct isa_target *t,
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
int object_bitcode(const struct input *in, size_t i, const struct isa_target *t,
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
