// SPDX-License-Identifier: MIT
/* hexocc's command line: cc-compatible options -> struct options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexocc.h"

struct parser {
	int argc;
	char **argv;
	int i; /* the argument being parsed */
	struct options *o;
};

static const char fp_reason[] =
    "refused: it lets the compiler round floating point differently on x86-64 and aarch64, "
    "and a hexo job must give bit-identical results on both";

/* Value-changing floating-point flags, all refused with fp_reason. */
static const char *const fp_refused[] = {
    "-ffast-math",           "-funsafe-math-optimizations",
    "-fassociative-math",    "-freciprocal-math",
    "-ffinite-math-only",    "-fno-signed-zeros",
    "-fapprox-func",         "-fno-honor-nans",
    "-fno-honor-infinities", "-ffp-model=fast",
    "-ffp-model=precise",    "-ffp-contract=fast",
    "-ffp-contract=on",      "-ffp-contract=fast-honor-pragmas",
};

static int bad(const char *what, const char *why)
{
	fprintf(stderr, "hexocc: %s: %s\n", what, why);
	return -EINVAL;
}

static const char *cur(const struct parser *p)
{
	return p->argv[p->i];
}

/* The value of `opt`: attached ("-Ifoo") or the next argument ("-I foo"). */
static int take_value(struct parser *p, const char *opt, const char **val)
{
	const char *arg = cur(p);
	size_t n = strlen(opt);

	if (arg[n]) {
		*val = arg + n;
		return 0;
	}
	if (p->i + 1 >= p->argc)
		return bad(opt, "missing argument");
	*val = p->argv[++p->i];
	return 0;
}

static const char *suffix(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');

	return dot ? dot : "";
}

static int classify(const char *path, enum input_kind *kind)
{
	const char *s = suffix(path);

	if (!strcmp(s, ".c") || !strcmp(s, ".i"))
		*kind = IN_C;
	else if (!strcmp(s, ".s") || !strcmp(s, ".S"))
		*kind = IN_ASM;
	else if (!strcmp(s, ".o"))
		*kind = IN_OBJECT;
	else if (!strcmp(s, ".a"))
		*kind = IN_ARCHIVE;
	else if (!strcmp(s, ".hexo"))
		return bad(path, "a .hexo image cannot be an input: link the objects it was built "
		                 "from");
	else if (!strcmp(s, ".so") || strstr(path, ".so."))
		return bad(path, "shared libraries are not supported: hexo links statically");
	else
		return bad(path,
		           "unknown file type (hexocc takes .c, .i, .s, .S, .o and .a files)");
	return 0;
}

static int add_input(struct parser *p, const char *path)
{
	struct options *o = p->o;
	struct input *in;
	enum input_kind kind;
	int ret;

	ret = classify(path, &kind);
	if (ret)
		return ret;
	in = realloc(o->inputs, (o->n_inputs + 1) * sizeof(*in));
	if (!in)
		return bad("hexocc", "out of memory");
	o->inputs = in;
	o->inputs[o->n_inputs].path = path;
	o->inputs[o->n_inputs].kind = kind;
	o->n_inputs++;
	return 0;
}

/* -E beats -S beats -c, whatever their order (as in cc). */
static void set_mode(struct options *o, enum mode m)
{
	if (m > o->mode)
		o->mode = m;
}

static int opt_level(struct parser *p)
{
	static const char *const ok[] = {"-O", "-O0", "-O1", "-O2", "-O3", "-Os", "-Oz", "-Og"};
	const char *arg = cur(p);

	if (!strcmp(arg, "-Ofast"))
		return bad(arg, "refused: it enables -ffast-math, which breaks bit-identical "
		                "floating point across x86-64 and aarch64: use -O3");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!strcmp(arg, ok[i])) {
			sv_push(&p->o->cflags, arg);
			return 0;
		}
	}
	return bad(arg, "unknown optimization level (use -O0, -O1, -O2, -O3, -Os or -Oz)");
}

/* -I DIR, -D X[=Y], -U X: passed to clang in attached form. */
static int opt_cpp(struct parser *p)
{
	char opt[3] = {'-', cur(p)[1], 0};
	const char *val;
	int ret;

	ret = take_value(p, opt, &val);
	if (ret)
		return ret;
	sv_pushf(&p->o->cflags, "%s%s", opt, val);
	return 0;
}

static int opt_lib(struct parser *p)
{
	const char *name;
	int ret;

	ret = take_value(p, "-l", &name);
	if (ret)
		return ret;
	if (!*name)
		return bad("-l", "missing library name");
	/* libm is always linked; libc is newlib, always linked. */
	if (!strcmp(name, "m") || !strcmp(name, "c"))
		return 0;
	sv_push(&p->o->libs, name);
	return 0;
}

static int opt_libdir(struct parser *p)
{
	const char *dir;
	int ret;

	ret = take_value(p, "-L", &dir);
	if (ret)
		return ret;
	sv_push(&p->o->libdirs, dir);
	return 0;
}

/* -Wl,a,b goes to ld.lld; other -W... (and -Wa, -Wp,) to clang. */
static int opt_warn(struct parser *p)
{
	const char *arg = cur(p);
	char *copy, *save = NULL;

	if (strncmp(arg, "-Wl,", 4) != 0) {
		sv_push(&p->o->cflags, arg);
		return 0;
	}
	copy = xstrdup(arg + 4);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		sv_push(&p->o->ldflags, t);
	free(copy);
	return 0;
}

static int opt_f(struct parser *p)
{
	const char *arg = cur(p);

	for (size_t i = 0; i < sizeof(fp_refused) / sizeof(fp_refused[0]); i++) {
		if (!strcmp(arg, fp_refused[i]))
			return bad(arg, fp_reason);
	}
	if (!strcmp(arg, "-fno-function-sections") || !strcmp(arg, "-fno-data-sections"))
		return bad(arg, "refused: hexo places each function and object in its own section "
		                "(needed to give them the same address on every ISA)");
	sv_push(&p->o->cflags, arg);
	return 0;
}

/* Dependency files: -MD -MMD -MP, and -MF/-MT/-MQ with a value. */
static int opt_deps(struct parser *p)
{
	static const char *const with_value[] = {"-MF", "-MT", "-MQ"};
	const char *arg = cur(p);
	const char *val;
	int ret;

	if (!strcmp(arg, "-MD") || !strcmp(arg, "-MMD") || !strcmp(arg, "-MP")) {
		sv_push(&p->o->cflags, arg);
		return 0;
	}
	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++) {
		if (strncmp(arg, with_value[i], 3) != 0)
			continue;
		ret = take_value(p, with_value[i], &val);
		if (ret)
			return ret;
		sv_push(&p->o->cflags, with_value[i]);
		sv_push(&p->o->cflags, val);
		return 0;
	}
	return bad(arg, "unknown option (hexocc takes -MD, -MMD, -MP, -MF, -MT and -MQ)");
}

/* -include FILE, -isystem DIR, -iquote DIR, -idirafter DIR. */
static int opt_i(struct parser *p)
{
	static const char *const names[] = {"-include", "-isystem", "-iquote", "-idirafter"};
	const char *arg = cur(p);
	const char *val;
	int ret;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strncmp(arg, names[i], strlen(names[i])) != 0)
			continue;
		ret = take_value(p, names[i], &val);
		if (ret)
			return ret;
		sv_push(&p->o->cflags, names[i]);
		sv_push(&p->o->cflags, val);
		return 0;
	}
	return bad(arg, "unknown option (see hexocc --help)");
}

static int opt_long(struct parser *p)
{
	const char *arg = cur(p);

	if (!strcmp(arg, "--help"))
		p->o->action = ACT_HELP;
	else if (!strcmp(arg, "--version"))
		p->o->action = ACT_VERSION;
	else if (!strcmp(arg, "--save-temps"))
		p->o->save_temps = true;
	else if (!strcmp(arg, "--no-migration"))
		p->o->migration = MIG_NONE;
	else if (!strcmp(arg, "--migration-points=auto"))
		p->o->migration = MIG_AUTO;
	else if (!strcmp(arg, "--migration-points=manual"))
		p->o->migration = MIG_MANUAL;
	else if (!strncmp(arg, "--migration-points", 18))
		return bad(arg, "expected --migration-points=auto or --migration-points=manual");
	else
		return bad(arg, "unknown option (see hexocc --help)");
	return 0;
}

/* Options that are a whole word. */
static int opt_word(struct parser *p)
{
	static const char *const to_clang[] = {"-w", "-pedantic", "-pedantic-errors", "-ansi"};
	const char *arg = cur(p);

	for (size_t i = 0; i < sizeof(to_clang) / sizeof(to_clang[0]); i++) {
		if (!strcmp(arg, to_clang[i])) {
			sv_push(&p->o->cflags, arg);
			return 0;
		}
	}
	if (!strncmp(arg, "-std=", 5))
		sv_push(&p->o->cflags, arg);
	else if (!strcmp(arg, "-v"))
		p->o->verbose = true;
	else if (!strcmp(arg, "-save-temps"))
		p->o->save_temps = true;
	else if (!strcmp(arg, "-help"))
		p->o->action = ACT_HELP;
	else if (!strcmp(arg, "-static") || !strcmp(arg, "-pipe"))
		; /* always static; never writes big temporaries anyway */
	else if (!strcmp(arg, "-shared"))
		return bad(arg, "refused: hexo images are static executables");
	else if (!strcmp(arg, "-x"))
		return bad(arg, "not supported: name sources by their extension (.c, .s, .S)");
	else
		return bad(arg, "unknown option (see hexocc --help)");
	return 0;
}

static int opt_output(struct parser *p)
{
	return take_value(p, "-o", &p->o->output);
}

static int parse_dash(struct parser *p)
{
	const char *arg = cur(p);

	if (!strcmp(arg, "-c") || !strcmp(arg, "-S") || !strcmp(arg, "-E")) {
		set_mode(p->o, arg[1] == 'c'   ? MODE_COMPILE
		               : arg[1] == 'S' ? MODE_ASSEMBLY
		                               : MODE_PREPROCESS);
		return 0;
	}
	switch (arg[1]) {
	case 'o':
		return opt_output(p);
	case 'O':
		return opt_level(p);
	case 'I':
	case 'D':
	case 'U':
		return opt_cpp(p);
	case 'l':
		return opt_lib(p);
	case 'L':
		return opt_libdir(p);
	case 'W':
		return opt_warn(p);
	case 'f':
		return opt_f(p);
	case 'm':
		return bad(arg, "refused: machine options would differ between the ISAs a hexo "
		                "image is built for");
	case 'g':
		sv_push(&p->o->cflags, arg);
		return 0;
	case 'M':
		return opt_deps(p);
	case 'i':
		return opt_i(p);
	case '-':
		return opt_long(p);
	case 0:
		return bad(arg, "reading a source from standard input is not supported");
	default:
		return opt_word(p);
	}
}

int parse_options(int argc, char **argv, struct options *o)
{
	struct parser p = {.argc = argc, .argv = argv, .o = o};
	int ret;

	memset(o, 0, sizeof(*o));
	for (p.i = 1; p.i < argc; p.i++) {
		const char *arg = argv[p.i];

		ret = arg[0] == '-' ? parse_dash(&p) : add_input(&p, arg);
		if (ret)
			return ret;
	}
	return 0;
}

void free_options(struct options *o)
{
	free(o->inputs);
	sv_free(&o->cflags);
	sv_free(&o->ldflags);
	sv_free(&o->libdirs);
	sv_free(&o->libs);
}

bool is_compiled(const struct input *in)
{
	return in->kind == IN_C || in->kind == IN_ASM;
}
