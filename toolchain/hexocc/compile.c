// SPDX-License-Identifier: MIT
/*
 * Compiling one source for one guest ISA with clang, and the option helpers
 * the build steps share (build.c, ir.c, link.c).
 */
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hexocc.h"

/* "dir/foo.c" -> "foo<ext>" (in the current folder, as cc does). */
char *derived_name(const char *src, const char *ext)
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
size_t dep_option_len(char *const *v)
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

int compile_one(const struct options *o, const struct isa_target *t, const char *src,
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
const char *last_opt_level(const struct strvec *cflags)
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
