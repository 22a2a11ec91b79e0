// SPDX-License-Identifier: MIT
/*
 * Host <-> ABI file-system conversions (monitor/fs_conv.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fs_conv.h"

static void test_errno(void **state)
{
	static const struct {
		int host, hexo;
	} map[] = {
	    {EPERM, HEXO_EPERM},     {ENOENT, HEXO_ENOENT},       {EIO, HEXO_EIO},
	    {EBADF, HEXO_EBADF},     {ENOMEM, HEXO_ENOMEM},       {EACCES, HEXO_EACCES},
	    {EFAULT, HEXO_EFAULT},   {EBUSY, HEXO_EBUSY},         {EEXIST, HEXO_EEXIST},
	    {EXDEV, HEXO_EXDEV},     {ENOTDIR, HEXO_ENOTDIR},     {EISDIR, HEXO_EISDIR},
	    {EINVAL, HEXO_EINVAL},   {ENFILE, HEXO_ENFILE},       {EMFILE, HEXO_EMFILE},
	    {ENOTTY, HEXO_ENOTTY},   {EFBIG, HEXO_EFBIG},         {ENOSPC, HEXO_ENOSPC},
	    {ESPIPE, HEXO_ESPIPE},   {EROFS, HEXO_EROFS},         {EPIPE, HEXO_EPIPE},
	    {ENOSYS, HEXO_ENOSYS},   {ENOTEMPTY, HEXO_ENOTEMPTY}, {ENAMETOOLONG, HEXO_ENAMETOOLONG},
	    {ELOOP, HEXO_ELOOP},     {ETXTBSY, HEXO_EBUSY},       {EDQUOT, HEXO_ENOSPC},
	    {EOVERFLOW, HEXO_EFBIG}, {ECONNRESET, HEXO_EIO},      {0, HEXO_EIO},
	    {EAGAIN, HEXO_EIO},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(fs_conv__errno(map[i].host), map[i].hexo);
	/* The values are newlib's, whatever the host's are. */
	assert_int_equal(HEXO_ENOSYS, 88);
	assert_int_equal(HEXO_EPIPE, 32);
	assert_int_equal(HEXO_ELOOP, 92);
}

static void test_open_flags(void **state)
{
	const int base = O_CLOEXEC | O_NOCTTY;

	(void)state;
	assert_int_equal(fs_conv__open_flags(HEXO_O_RDONLY), base | O_RDONLY);
	assert_int_equal(fs_conv__open_flags(HEXO_O_WRONLY), base | O_WRONLY);
	assert_int_equal(fs_conv__open_flags(HEXO_O_RDWR), base | O_RDWR);
	assert_int_equal(fs_conv__open_flags(HEXO_O_WRONLY | HEXO_O_CREAT | HEXO_O_TRUNC),
	                 base | O_WRONLY | O_CREAT | O_TRUNC);
	assert_int_equal(fs_conv__open_flags(HEXO_O_RDWR | HEXO_O_CREAT | HEXO_O_EXCL),
	                 base | O_RDWR | O_CREAT | O_EXCL);
	assert_int_equal(fs_conv__open_flags(HEXO_O_WRONLY | HEXO_O_APPEND),
	                 base | O_WRONLY | O_APPEND);
	assert_int_equal(fs_conv__open_flags(HEXO_O_ACCMODE), -1);
	assert_int_equal(fs_conv__open_flags(0x8000), -1);
	assert_int_equal(fs_conv__open_flags(0x80000000u), -1);
}

static void test_stat(void **state)
{
	struct stat st;
	struct hexo_stat hs;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 04755;
	st.st_size = 12345;
	st.st_blksize = 4096;
	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 123456789;
	fs_conv__stat(&st, &hs);
	assert_int_equal(hs.type, HEXO_FT_REG);
	assert_int_equal(hs.perm, 04755);
	assert_int_equal(hs.size, 12345);
	assert_int_equal(hs.blksize, 4096);
	assert_int_equal(hs.mtime_ns, 1700000000123456789ll);

	st.st_mode = S_IFDIR | 0700;
	fs_conv__stat(&st, &hs);
	assert_int_equal(hs.type, HEXO_FT_DIR);
	assert_int_equal(hs.perm, 0700);
	st.st_mode = S_IFCHR | 0620;
	fs_conv__stat(&st, &hs);
	assert_int_equal(hs.type, HEXO_FT_CHR);
	st.st_mode = S_IFIFO | 0600;
	fs_conv__stat(&st, &hs);
	assert_int_equal(hs.type, HEXO_FT_FIFO);
	st.st_mode = S_IFSOCK | 0600;
	st.st_blksize = 0;
	fs_conv__stat(&st, &hs);
	assert_int_equal(hs.type, HEXO_FT_OTHER);
	assert_int_equal(hs.blksize, 4096);
}

static void check_split(const char *path, int ret, const char *dir, const char *name)
{
	char d[64];
	const char *n = NULL;

	assert_int_equal(fs_conv__split_path(path, d, sizeof(d), &n), ret);
	if (ret)
		return;
	assert_string_equal(d, dir);
	assert_string_equal(n, name);
}

static void test_split_path(void **state)
{
	char small[4];
	const char *n;

	(void)state;
	check_split("c", 0, ".", "c");
	check_split("a/b/c", 0, "a/b", "c");
	check_split("/c", 0, "/", "c");
	check_split("//c", 0, "/", "c");
	check_split("a//c", 0, "a", "c");
	check_split("../../etc/passwd", 0, "../../etc", "passwd");
	check_split("a/b/", 0, "a", "b/");
	check_split("x/.hidden", 0, "x", ".hidden");
	check_split("x/...", 0, "x", "...");
	check_split("", -ENOENT, NULL, NULL);
	check_split(".", -EINVAL, NULL, NULL);
	check_split("..", -EINVAL, NULL, NULL);
	check_split("a/.", -EINVAL, NULL, NULL);
	check_split("a/../", -EINVAL, NULL, NULL);
	check_split("/", -EINVAL, NULL, NULL);
	check_split("///", -EINVAL, NULL, NULL);
	assert_int_equal(fs_conv__split_path("abcd/e", small, sizeof(small), &n), -ENAMETOOLONG);
	assert_int_equal(fs_conv__split_path("ab/e", small, sizeof(small), &n), 0);
}

static void check_job_path(const char *path, int ret, const char *want)
{
	char out[64];

	assert_int_equal(fs_conv__job_path(path, out, sizeof(out)), ret);
	if (!ret)
		assert_string_equal(out, want);
}

static void test_job_path(void **state)
{
	char small[4];

	(void)state;
	check_job_path("a/b/c", 0, "a/b/c");
	check_job_path("/a//b/./c", 0, "a/b/c");
	check_job_path("../a/x/../b/c", 0, "a/b/c");
	check_job_path("../../../etc/passwd", 0, "etc/passwd");
	check_job_path("out.txt", 0, "out.txt");
	check_job_path("./out.txt/", 0, "out.txt");
	check_job_path("a/..", 0, ".");
	check_job_path("/", 0, ".");
	check_job_path(".", 0, ".");
	check_job_path("..", 0, ".");
	check_job_path("a/b/../../../c", 0, "c");
	check_job_path("...", 0, "...");
	check_job_path(".x/..y", 0, ".x/..y");
	check_job_path("", -ENOENT, NULL);
	assert_int_equal(fs_conv__job_path("abcd", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(fs_conv__job_path("abc", small, sizeof(small)), 0);
	assert_int_equal(fs_conv__job_path("a/bc", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(fs_conv__job_path("a/../../b", small, sizeof(small)), 0);
	assert_string_equal(small, "b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errno),    cmocka_unit_test(test_open_flags),
	    cmocka_unit_test(test_stat),     cmocka_unit_test(test_split_path),
	    cmocka_unit_test(test_job_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
