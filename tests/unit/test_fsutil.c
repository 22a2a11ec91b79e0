// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/fsutil.c: mkdir -p, whole writes, atomic file
 * replacement (mode, content, no temporary left), sorted directory names,
 * and tree removal that never follows a symbolic link.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/hexo-fsutil-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return hexo_tree_rm(root);
}

static const char *at(const char *rel)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", root, rel);
	return buf;
}

static void test_mkdir_p(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(hexo_mkdir_p(at("a/b/c"), 0700), 0);
	assert_int_equal(stat(at("a/b/c"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* existing folders are fine, a trailing slash too */
	assert_int_equal(hexo_mkdir_p(at("a/b/c/"), 0700), 0);
	/* a file in the way is an error, not success */
	assert_int_equal(hexo_write_file_atomic(at("f"), "x", 1, 0600), 0);
	assert_int_equal(hexo_mkdir_p(at("f/g"), 0700), -ENOTDIR);
	assert_int_equal(hexo_mkdir_p("", 0700), -ENAMETOOLONG);
}

static void test_write_file_atomic(void **state)
{
	char buf[64] = {0};
	struct stat st;
	char **names;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(hexo_write_file_atomic(at("x"), "first", 5, 0600), 0);
	assert_int_equal(hexo_write_file_atomic(at("x"), "second", 6, 0640), 0);
	assert_int_equal(stat(at("x"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	fd = open(at("x"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	assert_string_equal(buf, "second");
	/* no temporary file stays beside it */
	fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_int_equal(hexo_dir_names(fd, &names, &n), 0);
	close(fd);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "x");
	hexo_dir_names_free(names, n);
	/* a missing folder is reported */
	assert_int_equal(hexo_write_file_atomic(at("nodir/x"), "a", 1, 0600), -ENOENT);
}

static void test_write_all(void **state)
{
	static char big[1 << 20];
	struct stat st;
	int fd;

	(void)state;
	memset(big, 'z', sizeof(big));
	fd = open(at("big"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(hexo_write_all(fd, big, sizeof(big)), 0);
	close(fd);
	assert_int_equal(stat(at("big"), &st), 0);
	assert_int_equal(st.st_size, sizeof(big));
	assert_int_equal(hexo_write_all(-1, big, 1), -EBADF);
}

static void test_dir_names_sorted(void **state)
{
	const char *want[] = {"A", "a", "b", "c10", "c9"};
	char **names;
	size_t n;
	int fd;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(hexo_write_file_atomic(at(want[4 - i]), "", 0, 0600), 0);
	fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(hexo_dir_names(fd, &names, &n), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(names[i], want[i]);
	hexo_dir_names_free(names, n);
	/* dfd stays open and a second read sees the same names */
	assert_int_equal(hexo_dir_names(fd, &names, &n), 0);
	assert_int_equal(n, 5);
	hexo_dir_names_free(names, n);
	close(fd);
}

static void test_tree_rm_keeps_link_targets(void **state)
{
	char outside[64];
	struct stat st;

	(void)state;
	snprintf(outside, sizeof(outside), "%s.outside", root);
	assert_int_equal(hexo_mkdir_p(outside, 0700), 0);
	assert_int_equal(hexo_mkdir_p(at("t/d/e"), 0700), 0);
	assert_int_equal(hexo_write_file_atomic(at("t/d/e/f"), "1", 1, 0600), 0);
	assert_int_equal(symlink(outside, at("t/link")), 0);
	assert_int_equal(hexo_tree_rm(at("t")), 0);
	assert_int_equal(lstat(at("t"), &st), -1);
	assert_int_equal(errno, ENOENT);
	/* the link went, its target stayed */
	assert_int_equal(stat(outside, &st), 0);
	assert_int_equal(hexo_tree_rm(outside), 0);
	/* a missing path is success; a link given directly is removed itself */
	assert_int_equal(hexo_tree_rm(at("missing")), 0);
	assert_int_equal(symlink("/", at("l2")), 0);
	assert_int_equal(hexo_tree_rm(at("l2")), 0);
	assert_int_equal(lstat(at("l2"), &st), -1);
}

/* Deeper than any walk's limit, and than the descriptors one may hold. */
static void test_tree_rm_any_depth(void **state)
{
	struct rlimit low = {64, 64}, old;
	struct stat st;
	int fd, next;

	(void)state;
	fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (int i = 0; i < 3 * HEXO_TREE_MAX_DEPTH; i++) {
		assert_int_equal(mkdirat(fd, "d", 0700), 0);
		if (i % 50 == 0)
			close(openat(fd, "f", O_WRONLY | O_CREAT, 0600));
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(hexo_tree_rm(at("d")), 0);
	setrlimit(RLIMIT_NOFILE, &old);
	assert_int_equal(lstat(at("d"), &st), -1);
}

/* The number of entries in the test folder. */
static size_t entries(void)
{
	char **names;
	size_t n;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	assert_int_equal(hexo_dir_names(fd, &names, &n), 0);
	hexo_dir_names_free(names, n);
	close(fd);
	return n;
}

static void test_newfile(void **state)
{
	struct hexo_newfile f;
	char buf[16] = {0};
	struct stat st;
	int dfd, fd, status;
	pid_t pid;

	(void)state;
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* a writer killed before the commit leaves nothing behind */
	pid = fork();
	if (pid == 0) {
		if (hexo_newfile_open(&f, dfd, "ckpt", 0600) || hexo_write_all(f.fd, "half", 4))
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(entries(), 0);
	/* nobody sees the name until the commit, which replaces the old file */
	assert_int_equal(hexo_write_file_atomic(at("ckpt"), "old", 3, 0600), 0);
	assert_int_equal(hexo_newfile_open(&f, dfd, "ckpt", 0640), 0);
	assert_int_equal(hexo_write_all(f.fd, "new!", 4), 0);
	assert_int_equal(entries(), 1);
	assert_int_equal(hexo_newfile_commit(&f, "ckpt", true), 0);
	assert_int_equal(entries(), 1);
	fd = open(at("ckpt"), O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_string_equal(buf, "new!");
	assert_int_equal(stat(at("ckpt"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* an abort leaves the old file and nothing else */
	assert_int_equal(hexo_newfile_open(&f, dfd, "ckpt", 0600), 0);
	hexo_newfile_abort(&f);
	assert_int_equal(entries(), 1);
	close(dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_file_atomic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dir_names_sorted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tree_rm_keeps_link_targets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tree_rm_any_depth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newfile, setup, teardown),
	};

	return cmocka_run_group_tests_name("fsutil", tests, NULL, NULL);
}
