// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "args.h"

static size_t strings_size(char *const *v, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += strlen(v[i]) + 1;
	return total;
}

size_t args__size(char *const *argv, size_t argc, char *const *envp, size_t envc)
{
	return (argc + 1 + envc + 1) * sizeof(hexo_gpa_t) + strings_size(argv, argc) +
	       strings_size(envp, envc);
}

/* Copies n strings to *str and their addresses to the array at arr. */
static void put_vector(uint8_t *block, hexo_gpa_t block_gpa, size_t arr, size_t *str,
                       char *const *v, size_t n)
{
	for (size_t i = 0; i <= n; i++) {
		hexo_gpa_t gpa = 0;

		if (i < n) {
			size_t len = strlen(v[i]) + 1;

			gpa = block_gpa + *str;
			memcpy(block + *str, v[i], len);
			*str += len;
		}
		memcpy(block + arr + i * sizeof(gpa), &gpa, sizeof(gpa));
	}
}

int args__build(void *block, hexo_gpa_t block_gpa, size_t block_size, char *const *argv,
                size_t argc, char *const *envp, size_t envc, struct args_block *out)
{
	size_t argv_off = 0;
	size_t envp_off = (argc + 1) * sizeof(hexo_gpa_t);
	size_t str = envp_off + (envc + 1) * sizeof(hexo_gpa_t);

	if (args__size(argv, argc, envp, envc) > block_size)
		return -E2BIG;
	put_vector(block, block_gpa, argv_off, &str, argv, argc);
	put_vector(block, block_gpa, envp_off, &str, envp, envc);
	out->argv = block_gpa + argv_off;
	out->envp = block_gpa + envp_off;
	out->argc = argc;
	out->used = str;
	return 0;
}
