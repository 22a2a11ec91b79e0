// SPDX-License-Identifier: MIT
/*
 * What `hexo check` and `hexo inspect` print about crafted files (written
 * with the library's image and checkpoint writers, then shown by the real
 * build/bin/hexo beside this binary): a damaged ELF is refused with a
 * reason, and bytes from a file never reach the terminal as control
 * characters.
 */
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <hexo/abi.h>
#include <hexo/image.h>

#include "checkpoint.h"
#include "image_file.h"

static char hexo[PATH_MAX], dir[64];

/* Runs `hexo ARGS` with stderr into stdout: its output (malloc'd) and status. */
static char *run_hexo(const char *args, int *status)
{
	char cmd[PATH_MAX + 512], *out = calloc(1, 65536);
	size_t n = 0, r;
	FILE *p;

	assert_non_null(out);
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", hexo, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < 65535 && (r = fread(out + n, 1, 65535 - n, p)) > 0)
		n += r;
	*status = pclose(p);
	return out;
}

/* An x86-64 executable header whose program headers lie past the end. */
static void test_check_damaged_elf_says_why(void **state)
{
	static Elf64_Ehdr eh = {
	    .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
	    .e_type = ET_EXEC,
	    .e_machine = EM_X86_64,
	    .e_version = EV_CURRENT,
	    .e_ehsize = sizeof(Elf64_Ehdr),
	    .e_phoff = 1u << 20,
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = 4,
	};
	struct hexo_image_part part = {HEXO_IMAGE_ELF, HEXO_ISA_X86_64, &eh, sizeof(eh)};
	char path[128], args[256], err[HEXO_ERR_LEN], *out, *why;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad-elf.hexo", dir);
	assert_int_equal(hexo_image_write(path, &part, 1, err, sizeof(err)), 0);
	snprintf(args, sizeof(args), "check '%s'", path);
	out = run_hexo(args, &st);
	why = strstr(out, "static executable: ");
	if (!why || st == 0)
		fail_msg("hexo check accepted a damaged ELF or said no reason: %s", out);
	why += strlen("static executable: ");
	/* A reason, not an empty string after the colon. */
	if (*why == '\n' || *why == '\0')
		fail_msg("empty reason: %s", out);
	free(out);
}

#define ARGS_GPA  0x10000u
#define ARGS_SIZE 0x1000u
#define DATA_GPA  0x1000000u
#define DATA_SIZE 0x1000u

/*
 * A checkpoint whose argv[0], image name and path and open file hold escape
 * sequences: inspect and check show them escaped.
 */
static void test_inspect_escapes_control_bytes(void **state)
{
	static uint8_t args[ARGS_SIZE], data[DATA_SIZE];
	const struct hexo_ckpt_region regions[] = {
	    {HEXO_CKPT_ARGS, ARGS_GPA, ARGS_SIZE, args},
	    {HEXO_CKPT_DATA, DATA_GPA, DATA_SIZE, data},
	};
	const struct hexo_ckpt_open_file files[] = {
	    {.fd = 3, .flags = HEXO_O_RDONLY, .path = "in\033]0;title\007.txt"},
	};
	struct hexo_ckpt_desc d = {
	    .build_id = {1, 2, 3},
	    .source_isa = HEXO_ISA_X86_64,
	    .image_path = "/tmp/evil\033[2J.hexo",
	    .image_name = "evil\r\n.hexo",
	    .argv0 = "\033[2Jprog\t\x7f",
	    .mem_size = 64u << 20,
	    .kernel = {.args_start = ARGS_GPA,
	               .args_end = ARGS_GPA + ARGS_SIZE,
	               .data_start = DATA_GPA,
	               .data_end = DATA_GPA + DATA_SIZE,
	               .argc = 1,
	               .argv = ARGS_GPA},
	    .regions = regions,
	    .n_regions = 2,
	    .files = files,
	    .n_files = 1,
	};
	char path[128], args_s[256], err[HEXO_ERR_LEN], *out;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/esc.ckpt", dir);
	if (hexo_ckpt_write(path, &d, NULL, err, sizeof(err)))
		fail_msg("hexo_ckpt_write: %s", err);
	snprintf(args_s, sizeof(args_s), "inspect '%s'", path);
	out = run_hexo(args_s, &st);
	if (st != 0 || !strstr(out, "argv[0] \\x1b[2Jprog\\t\\x7f,") ||
	    !strstr(out, "evil\\r\\n.hexo") || !strstr(out, "in\\x1b]0;title\\x07.txt"))
		fail_msg("hexo inspect (status %d) did not show the escaped strings:\n%s", st, out);
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("control byte 0x%02x in hexo inspect's output:\n%s", *p, out);
	free(out);
	/* hexo check names the image recorded in the checkpoint (not found). */
	snprintf(args_s, sizeof(args_s), "check '%s'", path);
	out = run_hexo(args_s, &st);
	if (!strstr(out, "evil\\x1b[2J.hexo"))
		fail_msg("hexo check (status %d) did not show the escaped image path:\n%s", st, out);
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("control byte 0x%02x in hexo check's output:\n%s", *p, out);
	free(out);
	/* --json stays JSON: json-c escapes them. */
	snprintf(args_s, sizeof(args_s), "inspect --json '%s'", path);
	out = run_hexo(args_s, &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "\\u001b[2Jprog"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_damaged_elf_says_why),
	    cmocka_unit_test(test_inspect_escapes_control_bytes),
	};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int ret;

	/* build/tests/unit/test_cli_output -> build/bin/hexo */
	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(hexo, sizeof(hexo), "%s/../../bin/hexo", dirname(self));
	if (access(hexo, X_OK) < 0) {
		fprintf(stderr, "test_cli_output: %s: %s: run make all first\n", hexo, strerror(errno));
		return 1;
	}
	strcpy(dir, "/tmp/hexo-cli-output-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(self, sizeof(self), "rm -rf '%s'", dir);
	if (system(self) != 0)
		ret = 1;
	return ret;
}
