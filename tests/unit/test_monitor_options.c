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

static void test_parse_seconds(void **state)
{
	double v;

	(void)state;
	assert_int_equal(options__parse_seconds("10", &v), 0);
	assert_true(v == 10);
	assert_int_equal(options__parse_seconds("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(options__parse_seconds("2.5", &v), 0);
	assert_true(v == 2.5);
	assert_int_equal(options__parse_seconds("0.001", &v), 0);
	assert_true(v > 0.00099 && v < 0.00101);
	assert_int_equal(options__parse_seconds("1000000000", &v), 0);
	assert_int_equal(options__parse_seconds("1000000001", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("-1", &v), -EINVAL);
	assert_int_equal(options__parse_seconds(".5", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("5.", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("1e3", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("10s", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("inf", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("nan", &v), -EINVAL);
	assert_int_equal(options__parse_seconds(" 1", &v), -EINVAL);
	assert_int_equal(options__parse_seconds("0x10", &v), -EINVAL);
}

static void test_parse_migration(void **state)
{
	struct run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "app.hexo"), 0);
	assert_null(o.checkpoint);
	assert_true(o.migrate_after < 0);
	assert_true(o.checkpoint_every <= 0);
	assert_false(o.resume);
	options__free(&o);

	assert_int_equal(PARSE(&o, err, "--checkpoint", "/tmp/c", "--migrate-after", "0",
	                       "--checkpoint-every=2.5", "app.hexo", "--migrate-after", "x"),
	                 0);
	assert_string_equal(o.checkpoint, "/tmp/c");
	assert_true(o.migrate_after == 0);
	assert_true(o.checkpoint_every == 2.5);
	assert_int_equal(o.guest_argc, 3);
	options__free(&o);

	assert_int_equal(PARSE(&o, err, "--checkpoint-every", "0", "a.hexo"), -EINVAL);
	assert_string_equal(err, "--checkpoint-every '0': must be more than 0 seconds");
	assert_int_equal(PARSE(&o, err, "--migrate-after", "-1", "a.hexo"), -EINVAL);
	assert_string_equal(err, "--migrate-after '-1': not a number of seconds (examples: 60, "
	                         "0.5): see 'hexo run --help'");
	assert_int_equal(PARSE(&o, err, "--checkpoint=", "a.hexo"), -EINVAL);
	assert_string_equal(err, "--checkpoint: empty file name");
	assert_int_equal(PARSE(&o, err, "--checkpoint"), -EINVAL);
	assert_string_equal(err, "option '--checkpoint' needs a value: see 'hexo run --help'");
	assert_int_equal(PARSE(&o, err, "--status", "/tmp/s.json", "app.hexo"), 0);
	assert_string_equal(o.status, "/tmp/s.json");
	options__free(&o);
	assert_int_equal(PARSE(&o, err, "--status=", "a.hexo"), -EINVAL);
	assert_string_equal(err, "--status: empty file name");
	/* --image is for resume only. */
	assert_int_equal(PARSE(&o, err, "--image", "x.hexo", "a.hexo"), -EINVAL);
	assert_string_equal(err, "unknown option '--image': see 'hexo run --help'");
}

#define RARGV(...) ((char *[]){"resume", __VA_ARGS__, NULL})
#define RARGC(...) ((int)(sizeof((char *[]){"resume", __VA_ARGS__}) / sizeof(char *)))
#define RESUME(o, err, ...)                                                                        \
	options__parse(RARGC(__VA_ARGS__), RARGV(__VA_ARGS__), OPTIONS_RESUME, o, err, sizeof(err))

static void test_parse_resume(void **state)
{
	struct run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(RESUME(&o, err, "job.ckpt"), 0);
	assert_true(o.resume);
	assert_string_equal(o.image, "job.ckpt");
	assert_null(o.guest_argv);
	assert_int_equal(o.guest_argc, 0);
	assert_null(o.image_override);
	assert_null(o.mem_arg);
	options__free(&o);

	assert_int_equal(RESUME(&o, err, "--dir", "d", "--image=/x/a.hexo", "--mem", "1G",
	                        "--stats", "--checkpoint", "n.ckpt", "--migrate-after", "5",
	                        "--checkpoint-every", "60", "--", "-job.ckpt"),
	                 0);
	assert_string_equal(o.dir, "d");
	assert_string_equal(o.image_override, "/x/a.hexo");
	assert_string_equal(o.mem_arg, "1G");
	assert_true(o.stats);
	assert_string_equal(o.checkpoint, "n.ckpt");
	assert_true(o.migrate_after == 5);
	assert_true(o.checkpoint_every == 60);
	assert_string_equal(o.image, "-job.ckpt");
	options__free(&o);

	assert_int_equal(RESUME(&o, err, "--stats"), -EINVAL);
	assert_string_equal(err, "no checkpoint given: see 'hexo resume --help'");
	assert_int_equal(RESUME(&o, err, "a.ckpt", "arg"), -EINVAL);
	assert_string_equal(err, "'hexo resume' takes one CHECKPOINT, the program's arguments are "
	                         "in it: unexpected 'arg'");
	assert_int_equal(RESUME(&o, err, "--env", "A=1", "a.ckpt"), -EINVAL);
	assert_string_equal(err, "option '--env' is not for 'hexo resume': the job keeps the "
	                         "arguments and environment it had");
	assert_int_equal(RESUME(&o, err, "--argv0=x", "a.ckpt"), -EINVAL);
	assert_non_null(strstr(err, "option '--argv0' is not for 'hexo resume'"));
	assert_int_equal(RESUME(&o, err, "--bogus", "a.ckpt"), -EINVAL);
	assert_string_equal(err, "unknown option '--bogus': see 'hexo resume --help'");
	assert_int_equal(RESUME(&o, err, "--image"), -EINVAL);
	assert_string_equal(err, "option '--image' needs a value: see 'hexo resume --help'");
	assert_int_equal(RESUME(&o, err, "--on", "b1", "a.ckpt"), -EINVAL);

	/* Remote resume: --on and --verbose as for run. */
	assert_int_equal(options__parse(RARGC("--on", "b1", "--verbose", "a.ckpt"),
	                                RARGV("--on", "b1", "--verbose", "a.ckpt"),
	                                OPTIONS_RESUME | OPTIONS_REMOTE, &o, err, sizeof(err)),
	                 0);
	assert_string_equal(o.on, "b1");
	assert_true(o.verbose);
	options__free(&o);

	assert_int_equal(RESUME(&o, err, "--help", "x", "y"), 0);
	assert_true(o.help);
	options__free(&o);
}

static void check_default(const char *image, const char *want)
{
	char buf[64];

	assert_int_equal(options__default_checkpoint(image, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_default_checkpoint(void **state)
{
	char small[8];

	(void)state;
	check_default("sim.hexo", "sim.ckpt");
	check_default("/a/b/sim.hexo", "sim.ckpt");
	check_default("../x/prog", "prog.ckpt");
	check_default("a.b.hexo", "a.b.ckpt");
	check_default("x.hexo.bak", "x.hexo.bak.ckpt");
	check_default(".hexo", ".hexo.ckpt");
	check_default("dir/", "job.ckpt");
	check_default("..", "job.ckpt");
	assert_int_equal(options__default_checkpoint("abc.hexo", small, sizeof(small)),
	                 -ENAMETOOLONG);
	assert_int_equal(options__default_checkpoint("ab.hexo", small, sizeof(small)), 0);
	assert_string_equal(small, "ab.ckpt");
}

static void test_takes_value(void **state)
{
	(void)state;
	assert_true(options__takes_value("--mem"));
	assert_true(options__takes_value("--checkpoint"));
	assert_true(options__takes_value("--migrate-after"));
	assert_true(options__takes_value("--checkpoint-every"));
	assert_true(options__takes_value("--image"));
	assert_true(options__takes_value("--status"));
	assert_true(options__takes_value("--on"));
	assert_false(options__takes_value("--mem=1G"));
	assert_false(options__takes_value("--stats"));
	assert_false(options__takes_value("app.hexo"));
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
	    cmocka_unit_test(test_parse_size),         cmocka_unit_test(test_parse_run),
	    cmocka_unit_test(test_parse_run_errors),   cmocka_unit_test(test_parse_seconds),
	    cmocka_unit_test(test_parse_migration),    cmocka_unit_test(test_parse_resume),
	    cmocka_unit_test(test_default_checkpoint), cmocka_unit_test(test_takes_value),
	    cmocka_unit_test(test_args_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
