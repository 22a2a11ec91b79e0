// SPDX-License-Identifier: MIT
/*
 * The guest's files (monitor/files.c) through its hypercall handlers, with
 * guest memory stubbed (a guest address is a host pointer here): what a
 * guest can create, the checkpoint a restored job is mapped from, and
 * HEXO_HC_ISATTY (a terminal, and character devices that are none).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hypercall.h"
#include "monitor.h"

/* Guest memory: a guest address is the host pointer itself. */
void *hc__guest_ptr(struct hexo_vm *vm, hexo_gpa_t gpa, uint64_t len, const char *what)
{
	(void)vm;
	(void)len;
	(void)what;
	return (void *)(uintptr_t)gpa;
}

int hc__guest_path(struct hexo_vm *vm, hexo_gpa_t gpa, char *buf)
{
	(void)vm;
	snprintf(buf, HEXO_PATH_MAX, "%s", (const char *)(uintptr_t)gpa);
	return 0;
}

struct fixture {
	char dir[64];
	mode_t umask_before;
	struct hexo_vm vm;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/hexo-files-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* umask 0, as hexod runs jobs */
	f->umask_before = umask(0);
	assert_int_equal(files__init(&f->vm.files, f->dir, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	umask(f->umask_before);
	for (int i = 3; i < HEXO_MAX_FDS; i++)
		if (f->vm.files.host[i] >= 0)
			close(f->vm.files.host[i]);
	close(f->vm.files.dir_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t guest_open(struct fixture *f, const char *path, uint32_t flags, uint32_t mode)
{
	struct hexo_hc_open a = {.path = (uintptr_t)path, .flags = flags, .mode = mode};

	assert_int_equal(files__hc_open(&f->vm, &a), HC_CONTINUE);
	return a.ret;
}

static void guest_close(struct fixture *f, int64_t fd)
{
	struct hexo_hc_fd a = {.fd = fd};

	assert_int_equal(files__hc_close(&f->vm, &a), HC_CONTINUE);
}

static mode_t mode_of(struct fixture *f, const char *name)
{
	char p[160];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

/*
 * Set-user-ID, set-group-ID and sticky bits never reach a file the guest
 * creates, nor group/other write, even under umask 0 (hexod).
 */
static void test_create_modes(void **state)
{
	static const struct {
		const char *name;
		uint32_t mode;
		mode_t want;
	} cases[] = {
	    {"suid", 06755, 0755}, {"sticky", 01777, 0755}, {"all", 07777, 0755},
	    {"plain", 0666, 0644}, {"private", 0600, 0600}, {"gwrite", 02770, 0750},
	};

	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t fd = guest_open(f, cases[i].name,
		                        HEXO_O_CREAT | HEXO_O_WRONLY | HEXO_O_TRUNC, cases[i].mode);

		assert_true(fd >= 3);
		guest_close(f, fd);
		assert_int_equal(mode_of(f, cases[i].name), cases[i].want);
	}
}

/* The caller's umask applies too. */
static void test_create_umask(void **state)
{
	struct fixture *f = *state;
	char err[256];
	int64_t fd;

	close(f->vm.files.dir_fd);
	umask(077);
	assert_int_equal(files__init(&f->vm.files, f->dir, err, sizeof(err)), 0);
	fd = guest_open(f, "mine", HEXO_O_CREAT | HEXO_O_WRONLY, 06777);
	assert_true(fd >= 3);
	guest_close(f, fd);
	assert_int_equal(mode_of(f, "mine"), 0700);
}

static off_t size_of(struct fixture *f, const char *name)
{
	char p[160];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

/*
 * A job restored with HEXO_RESTORE=mmap from a checkpoint in its own
 * directory cannot truncate or write that file (its memory): EBUSY, the
 * file unchanged; reading it, and writing other files, still work.
 */
static void test_mapped_checkpoint(void **state)
{
	static const uint32_t writes[] = {
	    HEXO_O_WRONLY | HEXO_O_TRUNC, HEXO_O_RDWR, HEXO_O_WRONLY | HEXO_O_APPEND,
	    HEXO_O_WRONLY | HEXO_O_CREAT | HEXO_O_TRUNC, HEXO_O_RDONLY | HEXO_O_TRUNC};
	static const char *const names[] = {"self.ckpt", "/self.ckpt", "./sub/../self.ckpt"};
	struct fixture *f = *state;
	char p[160];
	int64_t fd;
	int ck, other;

	snprintf(p, sizeof(p), "%s/sub", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/self.ckpt", f->dir);
	ck = open(p, O_CREAT | O_RDWR, 0600);
	assert_true(ck >= 0);
	assert_int_equal(write(ck, "checkpoint pages", 16), 16);

	/* before it is mapped: an ordinary file */
	assert_false(files__writes_to(&f->vm.files, ck));
	fd = guest_open(f, "self.ckpt", HEXO_O_RDWR, 0);
	assert_true(fd >= 3);
	assert_true(files__writes_to(&f->vm.files, ck));
	guest_close(f, fd);
	assert_false(files__writes_to(&f->vm.files, ck));

	files__protect_mapped(&f->vm.files, ck);
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++)
		for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
			assert_int_equal(guest_open(f, names[n], writes[i], 0644), -HEXO_EBUSY);
	assert_int_equal(size_of(f, "self.ckpt"), 16);

	fd = guest_open(f, "self.ckpt", HEXO_O_RDONLY, 0);
	assert_true(fd >= 3);
	guest_close(f, fd);
	fd = guest_open(f, "other", HEXO_O_CREAT | HEXO_O_WRONLY | HEXO_O_TRUNC, 0644);
	assert_true(fd >= 3);
	other = f->vm.files.host[fd];
	assert_true(files__writes_to(&f->vm.files, other));
	assert_false(files__writes_to(&f->vm.files, ck));
	guest_close(f, fd);
	close(ck);
}

static int64_t guest_isatty(struct fixture *f, int64_t fd)
{
	struct hexo_hc_fd a = {.fd = fd, .ret = -HEXO_ENOSYS};

	assert_int_equal(files__hc_isatty(&f->vm, &a), HC_CONTINUE);
	return a.ret;
}

/*
 * The guest's stdio line-buffers a stream only when ISATTY says 1, so it
 * must say 1 for a terminal (a pty here, as `script` or an ssh session
 * gives) and 0 for anything else, /dev/null included.
 */
static void test_isatty(void **state)
{
	struct fixture *f = *state;
	int master, slave, null;
	int64_t fd;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(null >= 0);
	f->vm.files.host[5] = null;
	assert_int_equal(guest_isatty(f, 5), 0);

	fd = guest_open(f, "plain", HEXO_O_WRONLY | HEXO_O_CREAT, 0644);
	assert_true(fd >= 3);
	assert_int_equal(guest_isatty(f, fd), 0);
	guest_close(f, fd);
	assert_int_equal(guest_isatty(f, fd), -HEXO_EBADF);
	assert_int_equal(guest_isatty(f, HEXO_MAX_FDS - 1), -HEXO_EBADF);
	assert_int_equal(guest_isatty(f, -1), -HEXO_EBADF);
	assert_int_equal(guest_isatty(f, HEXO_MAX_FDS), -HEXO_EBADF);

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		if (master >= 0)
			close(master);
		skip(); /* no pseudo-terminals here */
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	f->vm.files.host[6] = slave;
	assert_int_equal(guest_isatty(f, 6), 1);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_umask, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mapped_checkpoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_isatty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
