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

/*
 * -c: the object of source number `i` for every other ISA, added to the
 * primary ISA's object `out` (multiobj.c). An output that is not a regular
 * file (-o /dev/null) gets nothing added.
 */
static int add_other_isas(const struct options *o, size_t i, const char *out)
{
	const char *src = o->inputs[i].path;
	struct stat st;
	int ret = 0;

	if (stat(out, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	for (size_t n = 1; n < hexo_n_targets && !ret; n++) {
		const struct isa_target *t = &hexo_targets[n];
		char *base = derived_name(src, "");
		char *obj = xasprintf("%s/%zu-%s.%s.o", tmpdir_path(), i, base, t->name);

		ret = compile_one(o, t, src, "-c", obj);
		if (!ret)
			ret = multiobj_add(out, t, obj);
		free(obj);
		free(base);
	}
	/* A half-made object must not pass for a good one in a later link. */
	if (ret && ret != -EINTR)
		unlink(out);
	return ret;
}

/* -c, -S, -E: every source compiled on its own; carry on after a failure. */
static int build_separately(const struct options *o)
{
	const struct isa_target *t = PRIMARY_TARGET;
	const char *flag = mode_flag(o->mode);
	bool all_isas = o->mode == MODE_COMPILE && hexo_n_targets > 1;
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

/* Compiles every source for `t` into the temporary folder; objects (ours
 * and the user's, in command-line order) are appended to `objs`. */
static int compile_for_link(const struct options *o, const struct isa_target *t,
                            struct strvec *objs)
{
	int ret, first = 0;

	for (size_t i = 0; i < o->n_inputs && first != -EINTR; i++) {
		const struct input *in = &o->inputs[i];
		char *base, *obj;

		if (!is_compiled(in)) {
			ret = multiobj_inputs(t, in->path, in->kind, i, objs);
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
	sv_extend(cmd, &o->ldflags);
}

/* The -l archives for `t` (numbered after the inputs, for file names). */
static int libs_for_isa(const struct options *o, const struct isa_target *t,
                        const struct strvec *libs, struct strvec *out)
{
	int ret = 0;

	for (size_t i = 0; i < libs->n && !ret; i++)
		ret = multiobj_inputs(t, libs->v[i], IN_ARCHIVE, o->n_inputs + i, out);
	return ret;
}

/* Builds <tmp>/app.<isa>.elf; its path goes to `elf`. */
static int build_elf(const struct options *o, const struct isa_target *t, const struct strvec *libs,
                     char **elf)
{
	struct strvec objs = {0}, isa_libs = {0}, cmd = {0};
	int ret;

	*elf = xasprintf("%s/app.%s.elf", tmpdir_path(), t->name);
	ret = compile_for_link(o, t, &objs);
	if (!ret)
		ret = libs_for_isa(o, t, libs, &isa_libs);
	if (ret)
		goto out_free;
	link_command(&cmd, o, t, &objs, &isa_libs, *elf);
	ret = run_command(cmd.v);
out_free:
	sv_free(&cmd);
	sv_free(&isa_libs);
	sv_free(&objs);
	if (ret) {
		free(*elf);
		*elf = NULL;
	}
	return ret;
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

static int write_image(const char *out, char *const elves[])
{
	struct hexo_image_part parts[HEXO_IMAGE_MAX_ENTRIES];
	char err[HEXO_ERR_LEN];
	size_t n;
	int ret = 0;

	for (n = 0; n < hexo_n_targets; n++) {
		ret = load_part(&hexo_targets[n], elves[n], &parts[n]);
		if (ret)
			goto out_free;
		verbose_note("# %s: %s ELF, %zu bytes", out, hexo_targets[n].name, parts[n].size);
	}
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
	char *elves[HEXO_IMAGE_MAX_ENTRIES] = {0};
	struct strvec libs = {0};
	size_t n = 0;
	int ret;

	ret = find_libs(o, &libs);
	for (size_t i = 0; i < hexo_n_targets && !ret; i++)
		ret = check_runtime(&hexo_targets[i], link_runtime);
	if (!ret)
		ret = tmpdir_create(o->save_temps);
	for (; n < hexo_n_targets && !ret; n++)
		ret = build_elf(o, &hexo_targets[n], &libs, &elves[n]);
	if (!ret && caught_signal())
		ret = -EINTR;
	if (!ret)
		ret = write_image(out, elves);
	for (size_t i = 0; i < hexo_n_targets; i++)
		free(elves[i]);
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
