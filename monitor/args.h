/* SPDX-License-Identifier: MIT */
/*
 * The guest's argv/envp block (HEXO_ARGS_GPA, HEXO_ARGS_SIZE bytes):
 *
 *   argv[0..argc-1], 0     hexo_gpa_t each
 *   envp[0..envc-1], 0     hexo_gpa_t each
 *   strings                NUL-terminated, in the same order
 *
 * Pure logic: unit-tested.
 */
#ifndef HEXO_MONITOR_ARGS_H
#define HEXO_MONITOR_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>

struct args_block {
	hexo_gpa_t argv; /* gpa of the argv array */
	hexo_gpa_t envp; /* gpa of the envp array */
	uint64_t argc;
	size_t used; /* bytes of the block used */
};

/* Bytes the block needs for these arguments and environment. */
size_t args__size(char *const *argv, size_t argc, char *const *envp, size_t envc);

/*
 * Writes the block into block (host address of block_gpa, block_size bytes).
 * Returns 0, or -E2BIG when it does not fit (nothing useful written).
 */
int args__build(void *block, hexo_gpa_t block_gpa, size_t block_size, char *const *argv,
                size_t argc, char *const *envp, size_t envc, struct args_block *out);

#endif
