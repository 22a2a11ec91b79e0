/* SPDX-License-Identifier: MIT */
/*
 * hexocc: a cc-compatible driver that builds C programs into .hexo images.
 *
 *   options.c  command line -> struct options
 *   target.c   guest ISAs, the runtime folder (build/lib/hexo/<isa>), tools
 *   build.c    the build in order: checks, compile, -c/-S/-E, package
 *   compile.c  one source for one ISA with clang; option helpers
 *   ir.c       the IR pipeline: llvm-link, hexo-instrument, hexo-irsect
 *   link.c     ld.lld per ISA, the common layout (toolchain/align)
 *   manifest.c the app layout of a linked ELF, the image manifest
 *   multiobj.c objects holding code for every ISA (hexocc -c)
 *   run.c      running clang / ld.lld (-v, signals)
 *   tmpdir.c   the private temporary folder
 *   strvec.c   growable argument vectors
 *   help.c     --help, --version
 *
 * Allocation failures end the program (xmalloc and friends); the temporary
 * folder is still removed by an atexit handler.
 */
#ifndef HEXOCC_H
#define HEXOCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEXOCC_VERSION "0.1"

/* ---- strvec.c ---- */

/* A NULL-terminated, growable vector of owned strings. */
struct strvec {
	char **v;
	size_t n;
	size_t cap;
};

void *xmalloc(size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sv_push(struct strvec *sv, const char *s);
void sv_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_extend(struct strvec *sv, const struct strvec *more);
void sv_free(struct strvec *sv);

/* ---- options.c ---- */

enum mode {
	MODE_LINK,       /* default: sources/objects -> .hexo image */
	MODE_COMPILE,    /* -c */
	MODE_ASSEMBLY,   /* -S */
	MODE_PREPROCESS, /* -E */
};

enum input_kind {
	IN_C,       /* .c, .i: compiled */
	IN_ASM,     /* .s, .S: assembled */
	IN_OBJECT,  /* .o */
	IN_ARCHIVE, /* .a */
};

struct input {
	const char *path;
	enum input_kind kind;
};

enum action {
	ACT_BUILD,
	ACT_HELP,
	ACT_VERSION,
};

struct options {
	enum action action;
	enum mode mode;
	const char *output; /* -o, or NULL */
	struct input *inputs;
	size_t n_inputs;
	struct strvec cflags;  /* user flags for clang, in order */
	struct strvec ldflags; /* -Wl, pieces for ld.lld */
	struct strvec libdirs; /* -L */
	struct strvec libs;    /* -l names other than m and c, in order */
	bool verbose;          /* -v */
	bool save_temps;       /* -save-temps */
	enum migration {
		MIG_MANUAL,    /* points where the program calls hexo_check_migrate() */
		MIG_AUTO,      /* --migration-points=auto: also the compiler's own */
		MIG_NONE,      /* --no-migration: no instrumentation */
	} migration;
};

/* Parses argv into `o`; 0, or -EINVAL after printing one line. */
int parse_options(int argc, char **argv, struct options *o);
void free_options(struct options *o);
bool is_compiled(const struct input *in);

/* ---- target.c ---- */

struct isa_target {
	uint32_t isa;              /* enum hexo_isa */
	const char *name;          /* folder name under HEXO_LIB: "x86_64" */
	const char *triple;        /* clang --target */
	uint16_t elf_machine;      /* EM_* the linked ELF must have */
	const char *const *cflags; /* per-ISA code-generation flags */
};

/* The ISAs every image carries, and the one `-c`/`-S`/`-E` produce. */
extern const struct isa_target hexo_targets[];
extern const size_t hexo_n_targets;
#define PRIMARY_TARGET (&hexo_targets[0])

const char *tool_clang(void);
const char *tool_lld(void);

/* <HEXO_LIB>/<isa>/<rel>, newly allocated. */
char *runtime_path(const struct isa_target *t, const char *rel);
/* 0 when every `rel` exists under the ISA's runtime folder, else one line. */
int check_runtime(const struct isa_target *t, const char *const *rel);

/* Appends clang and its guest flags for `t`, without the user's flags. */
int guest_cc_command(struct strvec *cmd, const struct isa_target *t);

/* ---- multiobj.c ---- */

/* Reads a whole file (newly allocated); 0, or -errno after one line. */
int read_file(const char *path, void **data, size_t *size);
/* Sections of an object made by hexocc -c, all SHF_EXCLUDE (docs/hexocc.md). */
#define HEXO_OBJ_SECTION ".hexo.obj." /* + ISA name: that ISA's relocatable object */
#define HEXO_BC_SECTION  ".hexo.bc."  /* + ISA name: that ISA's unoptimized bitcode */
#define HEXO_OPT_SECTION ".hexo.opt"  /* the compile's -O option, NUL-terminated */

/* One section for multiobj_add. */
struct multiobj_part {
	enum { MO_OBJECT, MO_BITCODE, MO_OPT } kind;
	const struct isa_target *t; /* MO_OBJECT, MO_BITCODE: whose */
	const char *arg;            /* the file to embed; MO_OPT: the option ("-O2") */
};
/* Appends the `n` sections `parts` to the primary ISA's object `obj`, in place. */
int multiobj_add(const char *obj, const struct multiobj_part *parts, size_t n);
/*
 * When the object `path` carries bitcode for every ISA, writes `t`'s to
 * `out` and returns 1, with `*opt` (if `opt` is not NULL) the -O option it
 * was compiled with (newly allocated; NULL when not recorded). Returns 0
 * when it does not (not an ELF object either: it links natively), else
 * -errno after one line.
 */
int multiobj_bitcode(const char *path, const struct isa_target *t, const char *out, char **opt);
/*
 * Appends to `out` what ld.lld gets for the object or archive `path` (input
 * number `index`) when linking for `t`: the path itself for the primary ISA,
 * else the `t` objects extracted into the temporary folder. For an archive,
 * `aliases` (may be NULL) gets (extracted object, "archive.a(member)") pairs:
 * the member's name on the primary ISA (toolchain/align matches by it).
 */
int multiobj_inputs(const struct isa_target *t, const char *path, enum input_kind kind,
                    size_t index, struct strvec *out, struct strvec *aliases);

/* ---- run.c ---- */

void set_verbose(bool on);
/* With -v, prints one line (plus newline) to stderr. */
void verbose_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void install_signal_handlers(void);
int caught_signal(void); /* 0, or the signal that asked us to stop */
/* Runs argv[0] from PATH; 0 if it exited 0, -EINTR on signal, else -EIO. */
int run_command(char *const argv[]);
/* Same, returning the command's first output line (newly allocated). */
int run_capture_line(char *const argv[], char **line);
/* Prints a command as a shell would read it (for -v). */
void print_command(char *const argv[]);

/* ---- tmpdir.c ---- */

int tmpdir_create(bool keep);
const char *tmpdir_path(void);
void tmpdir_remove(void);

/* ---- build.c ---- */

int do_build(const struct options *o);

/* ---- compile.c ---- */

/* "dir/foo.c" -> "foo<ext>" (in the current folder, as cc does). */
char *derived_name(const char *src, const char *ext);
/* How many arguments the dependency-file option at v[0] takes up (-MD,
 * -MF FILE, ...): 1 or 2, 0 when it is not one. */
size_t dep_option_len(char *const *v);
/* The last -O option in `cflags`, or NULL. */
const char *last_opt_level(const struct strvec *cflags);
/* Compiles `src` for `t` with the user's flags and `mode_flag` (-c, -S, -E,
 * -emit-llvm: unoptimized bitcode) into `out` (NULL: clang's default). */
int compile_one(const struct options *o, const struct isa_target *t, const char *src,
                const char *mode_flag, const char *out);

/* ---- manifest.c: the app layout of a linked ELF and the image manifest ---- */
struct app_layout {
	uint64_t app_end;      /* __app_end: end of the app image, page-aligned */
	uint64_t shadow_start; /* __hexo_shadow_stack_start */
	uint64_t shadow_end;   /* __hexo_shadow_stack_end: where the heap starts */
};
int elf_app_layout(const char *path, struct app_layout *lay);
struct align_stats;
/* The manifest's "migration" object (docs/migration.md). */
struct migration_info {
	const char *points;  /* "manual", "auto" or "none" */
	size_t instrumented; /* functions instrumented */
	bool migratable;     /* can resume on another ISA */
};
/* `common`: the common layout's figures, NULL when the ISAs keep separate ones. */
char *manifest_json(const char *image, const uint8_t build_id[16], const struct app_layout *lay,
                    const struct align_stats *common, const char *clang_version,
                    const struct migration_info *mig);

/* ---- ir.c ---- */

/* Whether links go through the IR pipeline (not HEXOCC_PIPELINE=native). */
bool ir_pipeline(void);
/* Links the bitcode files `bcs` for `t`, instruments the module (unless
 * --no-migration), gives it sections per symbol and compiles it into `obj`. */
int ir_link_compile(const struct options *o, const struct isa_target *t,
                    const struct strvec *bcs, const char *obj);
/* `o`'s options for the IR step into `lo` (free lo->cflags with sv_free),
 * plus `obj_level` when the command line gives no -O. */
void link_ir_options(const struct options *o, const struct isa_target *t,
                     const char *obj_level, struct options *lo);
/* 1: the object input `in` (number `i`) carried bitcode for every ISA and
 * `t`'s was appended to `bcs` (`*level`: the highest -O seen); 0: it links
 * natively; else -errno. */
int object_bitcode(const struct input *in, size_t i, const struct isa_target *t,
                   struct strvec *bcs, char **level);
/* hexo-instrument -verify on the ISAs' layout files: 0 when they agree. */
int verify_layouts(const struct options *o);
/* Functions instrumented for `t` (from its layout file; 0 without one). */
size_t count_instrumented(const struct isa_target *t);

/* ---- link.c ---- */

/* One ISA's ELF: its path, its link command (kept for a second link) and
 * its app layout (manifest.c). */
struct isa_build {
	char *elf;
	char *map;             /* the first link's map (toolchain/align) */
	struct strvec link;
	struct strvec aliases; /* align_isa.aliases */
	struct app_layout lay;
};

/* The paths of the -l libraries (libNAME.a in the -L folders). */
int find_libs(const struct options *o, struct strvec *paths);
/* Compiles for `t` and links <tmp>/app.<isa>.elf. */
int build_elf(const struct options *o, const struct isa_target *t, const struct strvec *libs,
              struct isa_build *b);
/* Links every ISA again with one placement of the shared app sections: 0,
 * 1 when the ISAs keep separate layouts, -EINTR. */
int common_layout(struct isa_build *b, struct align_stats *st);
/* Links again the ISAs whose app ends lower, so the shadow stack and the
 * heap start at one address on all `n`. */
int align_app_ends(struct isa_build *b, size_t n);

/* ---- help.c ---- */

void print_help(void);
void print_version(void);

#endif
