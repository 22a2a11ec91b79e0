// SPDX-License-Identifier: MIT
/* hexocc --help and --version; keep in step with docs/hexocc.md. */
#include <stdio.h>

#include <hexo/image.h>

#include "hexocc.h"

static const char help_text[] =
    "Usage: hexocc [options] FILE...\n"
    "\n"
    "Builds C programs into .hexo images, unikernels that 'hexo run' starts as\n"
    "KVM guests. Takes the usual cc options.\n"
    "\n"
    "Files:\n"
    "  .c .i            C source, compiled for the guest\n"
    "  .s .S            assembly (.S is preprocessed first)\n"
    "  .o .a            objects made by hexocc -c, and archives of them\n"
    "\n"
    "Modes:\n"
    "  (none)           compile and link into one image (default output a.hexo)\n"
    "  -c               compile only, to NAME.o (an x86-64 ELF object that\n"
    "                   carries the aarch64 object too)\n"
    "  -S               compile to assembly, NAME.s (x86-64)\n"
    "  -E               preprocess only, to standard output (for x86-64)\n"
    "  -o FILE          name the output\n"
    "\n"
    "Compiler options (passed to clang):\n"
    "  -O0 -O1 -O2 -O3 -Os -Oz -Og   optimization (-Ofast is refused)\n"
    "  -I DIR  -D NAME[=VALUE]  -U NAME\n"
    "  -include FILE  -isystem DIR  -iquote DIR  -idirafter DIR\n"
    "  -g...  -std=...  -W...  -w  -pedantic  -ansi  -Wa,...  -Wp,...\n"
    "  -MD -MMD -MP -MF FILE -MT TARGET -MQ TARGET\n"
    "  -f...            passed on, except options that change floating-point\n"
    "                   results (-ffast-math, -ffp-contract=fast, ...) and\n"
    "                   -fno-function-sections / -fno-data-sections: refused\n"
    "  -m...            refused: one image runs on several ISAs\n"
    "\n"
    "Link options:\n"
    "  -l NAME          libNAME.a from the -L folders; -lm and -lc are accepted\n"
    "                   and have no effect (newlib's libm and libc are always linked)\n"
    "  -L DIR           a folder searched by -l, in order\n"
    "  -Wl,A,B,...      passed to ld.lld\n"
    "\n"
    "Migration (docs/migration.md):\n"
    "  --migration-points=manual   points only where the program calls\n"
    "                   hexo_check_migrate() (<hexo/migrate.h>); the default\n"
    "  --migration-points=auto     also at the entry of every function that\n"
    "                   loops or calls, and in outermost loops\n"
    "  --no-migration   no instrumentation: the image cannot migrate\n"
    "\n"
    "Other options:\n"
    "  -v               print each command as it is run, and why each function\n"
    "                   is instrumented for migration\n"
    "  -save-temps      keep the temporary folder and print its path\n"
    "  -static -pipe    accepted, no effect\n"
    "  --help           this text\n"
    "  --version        version and image format\n"
    "\n"
    "Environment:\n"
    "  HEXO_LIB_DIR     guest runtime folder (default: ../lib/hexo next to hexocc)\n"
    "  HEXO_CLANG       clang to run (default: clang from PATH)\n"
    "  HEXO_LLD         ld.lld to run (default: ld.lld from PATH)\n"
    "  TMPDIR           where the temporary folder is made (default: /tmp)\n"
    "\n"
    "Exit status: 0 on success, 1 on any error. See docs/hexocc.md.\n";

void print_help(void)
{
	fputs(help_text, stdout);
}

void print_version(void)
{
	printf("hexocc %s (hexo image format %u, guest ISAs:", HEXOCC_VERSION, HEXO_IMAGE_VERSION);
	for (size_t i = 0; i < hexo_n_targets; i++)
		printf(" %s", hexo_targets[i].name);
	printf(")\n");
}
