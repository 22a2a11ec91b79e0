// SPDX-License-Identifier: MIT
/*
 * The build: compile each source for each guest ISA, link one static ELF
 * per ISA, package the ELFs into one .hexo image (lib/image_file.h).
 * -c compiles each source for every ISA into one object (multiobj.c); -S and
 * -E stop after the compile step, for the first ISA only.
 *
 * This file runs the steps in order and does the packaging; compiling one
 * source is compile.c, the IR pipeline (link the bitcode, instrument,
 * compile once per ISA) is ir.c, the links and the common layout link.c.
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
