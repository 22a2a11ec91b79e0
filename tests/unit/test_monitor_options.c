// SPDX-License-Identifier: MIT
/*
 * `hexo run` command line (monitor/options.c) and the guest's argv/envp
 * block (monitor/args.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <hexo/layout.h>

#include "args.h"
#include "options.h"

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(options__parse_size("512M", &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(options__parse_size("2G", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(options__parse_size("2g", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(options__parse_size("64MiB", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(options__parse_size("64mb", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(options__parse_size("1T", &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(options__parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(options__parse_size("1073741824", &v), 0);
	assert_int_equal(v, 1073741824);
	assert_int_equal(options__parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(options__parse_size("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);

	assert_int_equal(options__parse_size("", &v), -EINVAL);
	assert_int_equal(options__parse_size("M", &v), -EINVAL);
	assert_int_equal(options__parse_size("-1G", &v), -EINVAL);
	assert_int_equal(options__parse_size(" 1G", &v), -EINVAL);
	assert_int_equal(options__parse_size("1G ", &v), -EINVAL);
	assert_int_equal(options__parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(options__parse_size("1X", &v), -EINVAL);
	assert_int_equal(options__parse_size("1GiBs", &v), -EINVAL);
	assert_int_equal(options__parse_size("0x100", &v), -EINVAL);
	assert_int_equal(options__parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(options__parse_size("16777216T", &v), -ERANGE);
	assert_int_equal(options__parse_size("16777215T", &v), 0);
}

#define ARGV(...) ((char *[]){"run", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"run", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, err, ...)                                                                         \
	options__parse_run(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err, sizeof(err))

static void test_parse_run(void **state)
{
	struct run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "app.hexo"), 0);
	assert_string_equal(o.image, "app.hexo");
	assert_int_equal(o.mem_size, HEXO_MEM_DEFAULT);
	assert_string_equal(o.dir, ".");
	assert_false(o.stats);
	assert_int_equal(o.guest_argc, 1);
	assert_string_equal(o.guest_argv[0], "app.hexo");
	options__free(&o);

	/* Options only before IMAGE; everything after goes to the guest. */
	assert_int_equal(PARSE(&o, err, "--mem", "1G", "--stats", "--dir=/tmp", "--env", "A=1",
	                       "--env=B", "app.hexo", "--mem", "x", "--", "-v"),
	                 0);
	assert_int_equal(o.mem_size, 1ull << 30);
	assert_true(o.stats);
	assert_string_equal(o.dir, "/tmp");
	assert_int_equal(o.n_env, 2);
	assert_string_equal(o.env[0], "A=1");
	assert_string_equal(o.env[1], "B");
	assert_int_equal(o.guest_argc, 5);
	assert_string_equal(o.guest_argv[1], "--mem");
	assert_string_equal(o.guest_argv[4], "-v");
	options__free(&o);

	/* "--" ends the options, so an image may start with '-'. */
	assert_int_equal(PARSE(&o, err, "--", "--weird.hexo", "a"), 0);
	assert_string_equal(o.image, "--weird.hexo");
	assert_int_equal(o.guest_argc, 2);
	options__free(&o);

	assert_int_equal(PARSE(&o, err, "--mem=32M", "x.hexo"), 0);
	assert_int_equal(o.mem_size, 32ull << 20);
	options__free(&o);

	assert_int_equal(PARSE(&o, err, "--help", "--bogus"), 0);
	assert_true(o.help);
	options__free(&o);
}

static void test_parse_run_errors(void **state)
{
	struct run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--foo", "app.hexo"), -EINVAL);
	assert_string_equal(err, "unknown option '--foo': see 'hexo run --help'");
	assert_int_equal(PARSE(&o, err, "--memory=1G", "app.hexo"), -EINVAL);
	assert_string_equal(err, "unknown option '--memory=1G': see 'hexo run --help'");
	assert_int_equal(PARSE(&o, err, "--mem"), -EINVAL);
	assert_string_equal(err, "option '--mem' needs a value: see 'hexo run --help'");
	assert_int_equal(PARSE(&o, err, "--stats"), -EINVAL);
	assert_string_equal(err, "no image given: see 'hexo run --help'");
	assert_int_equal(PARSE(&o, err, "--mem", "lots", "a.hexo"), -EINVAL);
	assert_non_null(strstr(err, "not a size"));
	assert_int_equal(PARSE(&o, err, "--mem", "16M", "a.hexo"), -EINVAL);
	assert_string_equal(err, "--mem '16M': must be between 32 MiB and 256 GiB");
	assert_int_equal(PARSE(&o, err, "--mem", "257G", "a.hexo"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "--mem", "33554433", "a.hexo"), -EINVAL);
	assert_string_equal(err, "--mem '33554433': must be a multiple of 4 KiB");
	assert_int_equal(PARSE(&o, err, "--env", "=x", "a.hexo"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "--env", "", "a.hexo"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "--mem", "32M", "--mem", "256G", "a.hexo"), 0);
	assert_int_equal(o.mem_size, 256ull << 30);
	options__free(&o);
}

static void test_args_block(void **state)
{
	static _Alignas(8) uint8_t block[256];
	char *argv[] = {"app.hexo", "a", ""};
	char *envp[] = {"PWD=/"};
	struct args_block ab;
	uint64_t p[6];
	const hexo_gpa_t base = 0x10000;

	(void)state;
	assert_int_equal(args__size(argv, 3, envp, 1), 6 * 8 + 9 + 2 + 1 + 6);
	assert_int_equal(args__build(block, base, sizeof(block), argv, 3, envp, 1, &ab), 0);
	assert_int_equal(ab.argc, 3);
	assert_int_equal(ab.argv, base);
	assert_int_equal(ab.envp, base + 4 * 8);
	assert_int_equal(ab.used, args__size(argv, 3, envp, 1));
	memcpy(p, block, sizeof(p));
	assert_int_equal(p[3], 0); /* argv[argc] */
	assert_int_equal(p[5], 0); /* envp[envc] */
	assert_string_equal((char *)block + (p[0] - base), "app.hexo");
	assert_string_equal((char *)block + (p[1] - base), "a");
	assert_string_equal((char *)block + (p[2] - base), "");
	assert_string_equal((char *)block + (p[4] - base), "PWD=/");

	/* Exactly fits, and one byte short. */
	assert_int_equal(args__build(block, base, ab.used, argv, 3, envp, 1, &ab), 0);
	assert_int_equal(args__build(block, base, ab.used - 1, argv, 3, envp, 1, &ab), -E2BIG);
	/* No environment. */
	assert_int_equal(args__build(block, base, sizeof(block), argv, 1, NULL, 0, &ab), 0);
	memcpy(p, block, 3 * 8);
	assert_int_equal(p[1], 0);
	assert_int_equal(p[2], 0);
	assert_int_equal(ab.envp, base + 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_run),
	    cmocka_unit_test(test_parse_run_errors),
	    cmocka_unit_test(test_args_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
