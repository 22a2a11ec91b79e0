// SPDX-License-Identifier: MIT
/*
 * The one translation from guest addresses to host pointers
 * (monitor/guest_mem.c): every range check, wrap-around included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guest_mem.h"

#define MEM_SIZE 0x10000

static uint8_t backing[MEM_SIZE];
static const struct guest_mem mem = {backing, MEM_SIZE};

static void test_range_ok(void **state)
{
	(void)state;
	assert_true(guest_range_ok(MEM_SIZE, 0, 0));
	assert_true(guest_range_ok(MEM_SIZE, 0, MEM_SIZE));
	assert_true(guest_range_ok(MEM_SIZE, MEM_SIZE - 1, 1));
	assert_true(guest_range_ok(MEM_SIZE, MEM_SIZE, 0)); /* empty, at the end */
	assert_false(guest_range_ok(MEM_SIZE, 0, MEM_SIZE + 1));
	assert_false(guest_range_ok(MEM_SIZE, MEM_SIZE - 1, 2));
	assert_false(guest_range_ok(MEM_SIZE, MEM_SIZE, 1));
	assert_false(guest_range_ok(MEM_SIZE, MEM_SIZE + 1, 0));
	/* gpa + len wraps to something small. */
	assert_false(guest_range_ok(MEM_SIZE, 0x100, UINT64_MAX));
	assert_false(guest_range_ok(MEM_SIZE, UINT64_MAX, 2));
	assert_false(guest_range_ok(MEM_SIZE, UINT64_MAX - 0xf, 0x20));
	assert_false(guest_range_ok(MEM_SIZE, 0x8000000000000000ull, 0x8000000000000000ull));
	assert_false(guest_range_ok(0, 0, 1));
	assert_true(guest_range_ok(UINT64_MAX, UINT64_MAX - 1, 1));
	assert_false(guest_range_ok(UINT64_MAX, UINT64_MAX - 1, 2));
}

static void test_ptr(void **state)
{
	struct guest_mem none = {NULL, 0};

	(void)state;
	assert_ptr_equal(guest_mem__ptr(&mem, 0, 16), backing);
	assert_ptr_equal(guest_mem__ptr(&mem, 0x1234, 16), backing + 0x1234);
	assert_ptr_equal(guest_mem__ptr(&mem, MEM_SIZE - 8, 8), backing + MEM_SIZE - 8);
	assert_null(guest_mem__ptr(&mem, MEM_SIZE - 8, 9));
	assert_null(guest_mem__ptr(&mem, 8, UINT64_MAX - 7)); /* 8 + len == 0 */
	assert_null(guest_mem__ptr(&mem, UINT64_MAX, 1));
	assert_null(guest_mem__ptr(&none, 0, 0));
}

static void test_strcpy(void **state)
{
	char buf[16];

	(void)state;
	memset(backing, 'x', sizeof(backing));
	memcpy(backing + 0x100, "hello", 6);
	assert_int_equal(guest_mem__strcpy(&mem, 0x100, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	/* Empty string. */
	backing[0x200] = '\0';
	assert_int_equal(guest_mem__strcpy(&mem, 0x200, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Exactly bufsize - 1 characters fits; bufsize does not. */
	memset(backing + 0x300, 'a', 15);
	backing[0x300 + 15] = '\0';
	assert_int_equal(guest_mem__strcpy(&mem, 0x300, buf, sizeof(buf)), 15);
	memset(backing + 0x400, 'a', 16);
	backing[0x400 + 16] = '\0';
	assert_int_equal(guest_mem__strcpy(&mem, 0x400, buf, sizeof(buf)), -ENAMETOOLONG);
	/* Runs off the end of memory before bufsize bytes: a bad address. */
	assert_int_equal(guest_mem__strcpy(&mem, MEM_SIZE - 4, buf, sizeof(buf)), -EFAULT);
	backing[MEM_SIZE - 1] = '\0';
	assert_int_equal(guest_mem__strcpy(&mem, MEM_SIZE - 4, buf, sizeof(buf)), 3);
	/* Outside memory altogether. */
	assert_int_equal(guest_mem__strcpy(&mem, MEM_SIZE, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(guest_mem__strcpy(&mem, UINT64_MAX, buf, sizeof(buf)), -EFAULT);
}

static void test_size_str(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(guest_mem__size_str(512ull << 20, buf, sizeof(buf)), "512 MiB");
	assert_string_equal(guest_mem__size_str(256ull << 30, buf, sizeof(buf)), "256 GiB");
	assert_string_equal(guest_mem__size_str(1536ull << 10, buf, sizeof(buf)), "1536 KiB");
	assert_string_equal(guest_mem__size_str(12345, buf, sizeof(buf)), "12345 bytes");
	assert_string_equal(guest_mem__size_str(0, buf, sizeof(buf)), "0 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_ok),
	    cmocka_unit_test(test_ptr),
	    cmocka_unit_test(test_strcpy),
	    cmocka_unit_test(test_size_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
