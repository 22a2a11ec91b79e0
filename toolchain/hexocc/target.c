// SPDX-License-Identifier: MIT
/*
 * Guest ISAs, the runtime folder hexocc links against and the tools it runs.
 *
 * The runtime folder is HEXO_LIB_DIR, or <folder of this executable>/../lib/hexo,
 * with one sub-folder per ISA (docs/design.md, "Build products").
 */
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hexo/image.h>

#include "hexocc.h"
#include "guest_flags.h" /* generated from GUEST_COMMON_CFLAGS (top Makefile) */

/*
 * Per-ISA flags: those every guest object gets (GUEST_ISA_CFLAGS_<isa> in the
 * top Makefile, shared with the kernel and newlib), then app-only ones.
 *
 * An integer division by zero faults on x86-64 (#DE) but gives 0 on aarch64;
 * a job must not carry on with made-up values on one ISA only, so on aarch64
 * it traps too: a zero test before each division, `brk #0x5503` when it is
 * zero (the crash report's BRK comment; 3 = clang's DivremOverflow check).
 */
static const char *const x86_64_cflags[] = {HEXOCC_GUEST_CFLAGS_x86_64 NULL};
static const char *const aarch64_cflags[] = {
    HEXOCC_GUEST_CFLAGS_aarch64
    "-fsanitize=integer-divide-by-zero",
    "-fsanitize-trap=integer-divide-by-zero",
    NULL,
};

/*
 * Every ISA an image carries, in image order. The first one is the primary
 * ISA: what -S and -E produce, and the ELF object -c writes, which carries
 * the other ISAs' objects inside (multiobj.c, docs/hexocc.md).
 */
const struct isa_target hexo_targets[] = {
    {HEXO_ISA_X86_64, "x86_64", "x86_64-unknown-none-elf", EM_X86_64, x86_64_cflags},
    {HEXO_ISA_AARCH64, "aarch64", "aarch64-unknown-none-elf", EM_AARCH64, aarch64_cflags},
};
const size_t hexo_n_targets = sizeof(hexo_targets) / sizeof(hexo_targets[0]);

static const char *const guest_common_cflags[] = {HEXOCC_GUEST_COMMON_CFLAGS NULL};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

const char *tool_clang(void)
{
	return env_or("HEXO_CLANG", "clang");
}

const char *tool_lld(void)
{
	return env_or("HEXO_LLD", "ld.lld");
}

/* <folder of /proc/self/exe>/../lib/hexo, without the "..". */
static char *default_lib_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return xstrdup("/usr/local/lib/hexo");
	exe[n] = 0;
	return xasprintf("%s/lib/hexo", dirname(dirname(exe)));
}

static const char *lib_dir(void)
{
	static char *dir;
	const char *env = getenv("HEXO_LIB_DIR");

	if (!dir)
		dir = env && *env ? xstrdup(env) : default_lib_dir();
	return dir;
}

char *runtime_path(const struct isa_target *t, const char *rel)
{
	return xasprintf("%s/%s/%s", lib_dir(), t->name, rel);
}

int check_runtime(const struct isa_target *t, const char *const *rel)
{
	struct stat st;

	for (; *rel; rel++) {
		char *path = runtime_path(t, *rel);
		int missing = stat(path, &st) < 0;

		if (missing)
			fprintf(stderr,
			        "hexocc: %s: missing: run 'make' in the hexo tree (or set "
			        "HEXO_LIB_DIR to an installed lib/hexo)\n",
			        path);
		free(path);
		if (missing)
			return -ENOENT;
	}
	return 0;
}

/* `clang -print-resource-dir`, asked once per run. */
static int resource_dir(const char **out)
{
	static char *dir;
	char *argv[] = {(char *)tool_clang(), "-print-resource-dir", NULL};
	int ret;

	if (!dir) {
		ret = run_capture_line(argv, &dir);
		if (ret)
			return ret;
		if (!*dir) {
			fprintf(stderr,
			        "hexocc: %s -print-resource-dir printed nothing: set "
			        "HEXO_CLANG to a working clang\n",
			        tool_clang());
			return -EIO;
		}
	}
	*out = dir;
	return 0;
}

int guest_cc_command(struct strvec *cmd, const struct isa_target *t)
{
	const char *res;
	char *newlib_inc, *hexo_inc;
	int ret;

	ret = resource_dir(&res);
	if (ret)
		return ret;
	newlib_inc = runtime_path(t, "newlib/include");
	hexo_inc = runtime_path(t, "include");
	sv_push(cmd, tool_clang());
	sv_pushf(cmd, "--target=%s", t->triple);
	sv_push(cmd, "-nostdinc");
	sv_push(cmd, "-isystem");
	sv_push(cmd, hexo_inc); /* <hexo/migrate.h> */
	sv_push(cmd, "-isystem");
	sv_push(cmd, newlib_inc);
	sv_push(cmd, "-isystem");
	sv_pushf(cmd, "%s/include", res);
	for (const char *const *f = guest_common_cflags; *f; f++)
		sv_push(cmd, *f);
	for (const char *const *f = t->cflags; *f; f++)
		sv_push(cmd, *f);
	sv_push(cmd, "-D__hexo__");
	free(hexo_inc);
	free(newlib_inc);
	return 0;
}
