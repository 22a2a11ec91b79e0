// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/image_file.c: the .hexo image format reader and writer.
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
#include <xxhash.h>

#include "image_file.h"

#define HDR_SIZE    sizeof(struct hexo_image_header)
#define ENT(buf, i) ((struct hexo_image_entry *)((buf) + HDR_SIZE) + (i))
#define HDR(buf)    ((struct hexo_image_header *)(buf))

/* A scratch directory per test, removed in teardown. */
struct fixture {
	char dir[64];
	char path[128];
	uint8_t *buf; /* an image read back into memory */
	size_t size;
	char err[HEXO_ERR_LEN];
};

static uint8_t payload_x86[5000];
static uint8_t payload_arm[100];
static const char manifest[] = "{\"hexocc\":\"test\"}";

static struct hexo_image_part parts3[] = {
    {HEXO_IMAGE_ELF, HEXO_ISA_X86_64, payload_x86, sizeof(payload_x86)},
    {HEXO_IMAGE_ELF, HEXO_ISA_AARCH64, payload_arm, sizeof(payload_arm)},
    {HEXO_IMAGE_MANIFEST, HEXO_ISA_NONE, manifest, sizeof(manifest) - 1},
};

static void fill_payloads(void)
{
	for (size_t i = 0; i < sizeof(payload_x86); i++)
		payload_x86[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(payload_arm); i++)
		payload_arm[i] = (uint8_t)(0xa0 ^ i);
}

static void read_back(struct fixture *f)
{
	struct stat st;
	FILE *fp;

	assert_int_equal(stat(f->path, &st), 0);
	f->size = (size_t)st.st_size;
	f->buf = malloc(f->size + 4096);
	assert_non_null(f->buf);
	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(f->buf, 1, f->size, fp), f->size);
	fclose(fp);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/hexo-test-image-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/app.hexo", f->dir);
	fill_payloads();
	if (hexo_image_write(f->path, parts3, 3, f->err, sizeof(f->err)) != 0)
		return -1;
	read_back(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	free(f->buf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Recomputes the checksum so that only the structural checks can refuse. */
static void fix_checksum(uint8_t *buf, size_t size)
{
	HDR(buf)->checksum = 0;
	HDR(buf)->checksum = XXH3_64bits(buf, size);
}

static void expect_refused(struct fixture *f, const uint8_t *buf, size_t size, const char *what)
{
	f->err[0] = 0;
	assert_int_equal(hexo_image_verify(buf, size, "x.hexo", f->err, sizeof(f->err)), -EINVAL);
	if (!strstr(f->err, what))
		fail_msg("error \"%s\" does not mention \"%s\"", f->err, what);
	assert_non_null(strstr(f->err, "x.hexo: "));
	assert_null(strchr(f->err, '\n'));
}

/* ---- round trip -------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct hexo_image img;
	size_t size = 0;
	const uint8_t *p;

	assert_int_equal(hexo_image_open(f->path, &img, f->err, sizeof(f->err)), 0);
	assert_int_equal(img.size, f->size);
	assert_int_equal(img.hdr->version, HEXO_IMAGE_VERSION);
	assert_int_equal(img.hdr->n_entries, 3);
	assert_int_equal(img.hdr->file_size, f->size);
	assert_memory_equal(img.hdr->magic, HEXO_IMAGE_MAGIC, 8);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(img.entries[i].offset % HEXO_IMAGE_ALIGN, 0);
		assert_int_equal(img.entries[i].size, parts3[i].size);
	}
	/* The last payload ends the file. */
	assert_int_equal(img.entries[2].offset + img.entries[2].size, f->size);

	p = hexo_image_find(&img, HEXO_IMAGE_ELF, HEXO_ISA_X86_64, &size);
	assert_non_null(p);
	assert_int_equal(size, sizeof(payload_x86));
	assert_memory_equal(p, payload_x86, size);
	p = hexo_image_find(&img, HEXO_IMAGE_ELF, HEXO_ISA_AARCH64, &size);
	assert_non_null(p);
	assert_int_equal(size, sizeof(payload_arm));
	assert_memory_equal(p, payload_arm, size);
	p = hexo_image_find(&img, HEXO_IMAGE_MANIFEST, HEXO_ISA_NONE, &size);
	assert_non_null(p);
	assert_int_equal(size, strlen(manifest));
	assert_memory_equal(p, manifest, size);
	hexo_image_close(&img);
	assert_null(img.data);
	hexo_image_close(&img); /* twice is harmless */
}

static void test_find_missing(void **state)
{
	struct fixture *f = *state;
	struct hexo_image img;
	size_t size = 1234;

	assert_int_equal(hexo_image_write(f->path, parts3, 1, f->err, sizeof(f->err)), 0);
	assert_int_equal(hexo_image_open(f->path, &img, f->err, sizeof(f->err)), 0);
	assert_int_equal(img.hdr->n_entries, 1);
	assert_null(hexo_image_find(&img, HEXO_IMAGE_ELF, HEXO_ISA_AARCH64, &size));
	assert_null(hexo_image_find(&img, HEXO_IMAGE_MANIFEST, HEXO_ISA_NONE, &size));
	assert_null(hexo_image_find(&img, HEXO_IMAGE_MANIFEST, HEXO_ISA_X86_64, &size));
	assert_int_equal(size, 1234);
	assert_non_null(hexo_image_find(&img, HEXO_IMAGE_ELF, HEXO_ISA_X86_64, NULL));
	hexo_image_close(&img);
	assert_null(hexo_image_find(&img, HEXO_IMAGE_ELF, HEXO_ISA_X86_64, &size));
}

static void test_build_id(void **state)
{
	struct fixture *f = *state;
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t want;

	XXH3_128bits_reset(st);
	for (int i = 0; i < 3; i++) /* the ELF payloads only: not the manifest */
		if (parts3[i].kind == HEXO_IMAGE_ELF)
			XXH3_128bits_update(st, parts3[i].data, parts3[i].size);
	XXH128_canonicalFromHash(&want, XXH3_128bits_digest(st));
	XXH3_freeState(st);
	assert_memory_equal(HDR(f->buf)->build_id, want.digest, 16);
}

static void test_checksum_definition(void **state)
{
	struct fixture *f = *state;
	uint64_t stored = HDR(f->buf)->checksum;

	fix_checksum(f->buf, f->size);
	assert_true(stored == HDR(f->buf)->checksum);
}

static void test_deterministic(void **state)
{
	struct fixture *f = *state;
	char other[160];
	uint8_t *first = f->buf;
	size_t first_size = f->size;

	snprintf(other, sizeof(other), "%s/again.hexo", f->dir);
	assert_int_equal(hexo_image_write(other, parts3, 3, f->err, sizeof(f->err)), 0);
	strcpy(f->path, other);
	read_back(f);
	assert_int_equal(f->size, first_size);
	assert_memory_equal(f->buf, first, first_size);
	free(first);
}

static void test_overwrite_no_temp_left(void **state)
{
	struct fixture *f = *state;
	struct hexo_image img;
	char cmd[200];

	assert_int_equal(hexo_image_write(f->path, parts3 + 1, 1, f->err, sizeof(f->err)), 0);
	assert_int_equal(hexo_image_open(f->path, &img, f->err, sizeof(f->err)), 0);
	assert_int_equal(img.hdr->n_entries, 1);
	assert_int_equal(img.entries[0].isa, HEXO_ISA_AARCH64);
	hexo_image_close(&img);
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", f->dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- refusals ----------------------------------------------------------- */

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	size_t cuts[] = {4, 8, 20, 63, 64, 100, 4095, 4096, 5000, 8191, 8192, 9000, f->size - 1};

	expect_refused(f, f->buf, 0, "empty");
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		expect_refused(f, f->buf, cuts[i], "truncated");
}

static void test_truncated_says_sizes(void **state)
{
	struct fixture *f = *state;
	char want[64];

	expect_refused(f, f->buf, 9000, "truncated");
	snprintf(want, sizeof(want), "9000 bytes, its header says %zu", f->size);
	assert_non_null(strstr(f->err, want));
}

static void test_trailing_data(void **state)
{
	struct fixture *f = *state;

	memset(f->buf + f->size, 0, 16);
	expect_refused(f, f->buf, f->size + 16, "header says");
}

static void test_every_bit_flip(void **state)
{
	struct fixture *f = *state;
	size_t refused = 0;

	for (size_t i = 0; i < f->size; i++) {
		for (int b = 0; b < 8; b++) {
			f->buf[i] ^= (uint8_t)(1u << b);
			if (hexo_image_verify(f->buf, f->size, "x", NULL, 0) != 0)
				refused++;
			else
				fail_msg("flip of byte %zu bit %d accepted", i, b);
			f->buf[i] ^= (uint8_t)(1u << b);
		}
	}
	assert_int_equal(refused, f->size * 8);
	assert_int_equal(hexo_image_verify(f->buf, f->size, "x", NULL, 0), 0);
}

static void test_bit_flip_messages(void **state)
{
	struct fixture *f = *state;

	f->buf[0] ^= 1;
	expect_refused(f, f->buf, f->size, "not a hexo image (bad magic)");
	f->buf[0] ^= 1;
	f->buf[HDR_SIZE + 3] ^= 0x10; /* entry table */
	expect_refused(f, f->buf, f->size, "checksum mismatch");
	f->buf[HDR_SIZE + 3] ^= 0x10;
	f->buf[f->size - 1] ^= 0x80; /* payload */
	expect_refused(f, f->buf, f->size, "checksum mismatch");
	f->buf[f->size - 1] ^= 0x80;
	f->buf[offsetof(struct hexo_image_header, checksum)] ^= 4;
	expect_refused(f, f->buf, f->size, "checksum mismatch");
}

static void test_wrong_magic(void **state)
{
	struct fixture *f = *state;
	const char elf[] =
	    "\177ELF\2\1\1\0 and then some more bytes to pass 64 bytes of header....";

	expect_refused(f, (const uint8_t *)elf, sizeof(elf), "not a hexo image (bad magic)");
	expect_refused(f, (const uint8_t *)elf, 3, "not a hexo image (bad magic)");
	memcpy(f->buf, "HEXOIMG\x1b", 8);
	expect_refused(f, f->buf, f->size, "not a hexo image (bad magic)");
}

static void test_version_2(void **state)
{
	struct fixture *f = *state;

	HDR(f->buf)->version = 2;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size,
	               "image format version 2 is not supported (this hexo reads version 1): "
	               "rebuild with this hexocc");
	HDR(f->buf)->version = 0;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "version 0 is not supported");
}

static void test_overlapping_entries(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 1)->offset = ENT(f->buf, 0)->offset + 4096; /* inside the x86 payload */
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entries 0 and 1 overlap");
}

static void test_same_offset(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 2)->offset = ENT(f->buf, 1)->offset;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entries 1 and 2 overlap");
}

static void test_misaligned_offset(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 1)->offset += 8;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entry 1 has a bad offset");
}

static void test_offset_inside_table(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 0)->offset = 0;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entry 0 has a bad offset");
}

static void test_entry_past_eof(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 2)->size += 1;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entry 2 (offset");
	assert_non_null(strstr(f->err, "runs past the end of the file"));
}

static void test_offset_past_eof(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 2)->offset = 1ull << 40;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "runs past the end of the file");
}

static void test_size_overflow(void **state)
{
	struct fixture *f = *state;

	/* offset + size wraps around to a small number. */
	ENT(f->buf, 2)->size = UINT64_MAX - ENT(f->buf, 2)->offset + 2;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "runs past the end of the file");
	ENT(f->buf, 2)->size = UINT64_MAX;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "runs past the end of the file");
}

static void test_huge_n_entries(void **state)
{
	struct fixture *f = *state;
	uint32_t bad[] = {0, HEXO_IMAGE_MAX_ENTRIES + 1, 1u << 27, UINT32_MAX};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		HDR(f->buf)->n_entries = bad[i];
		fix_checksum(f->buf, f->size);
		expect_refused(f, f->buf, f->size, "bad entry count");
	}
}

static void test_table_past_eof(void **state)
{
	struct fixture *f = *state;
	size_t small = HDR_SIZE + 2 * sizeof(struct hexo_image_entry);

	/* A 128-byte file claiming 3 entries (needs 160 bytes of table). */
	HDR(f->buf)->file_size = small;
	fix_checksum(f->buf, small);
	expect_refused(f, f->buf, small, "entry table runs past the end of the file");
}

static void test_unknown_kind(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 1)->kind = 3;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entry 1 has unknown kind 3");
	ENT(f->buf, 1)->kind = HEXO_IMAGE_ELF;
	ENT(f->buf, 1)->isa = 7;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "isa 7");
	ENT(f->buf, 1)->isa = HEXO_ISA_NONE;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "isa 0");
}

static void test_duplicate_entry(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 1)->isa = HEXO_ISA_X86_64;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entries 0 and 1 are both the ELF for x86_64");
}

static void test_empty_entry(void **state)
{
	struct fixture *f = *state;

	ENT(f->buf, 1)->size = 0;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "entry 1 (ELF) is empty");
}

static void test_unknown_flags(void **state)
{
	struct fixture *f = *state;

	HDR(f->buf)->flags = 1;
	fix_checksum(f->buf, f->size);
	expect_refused(f, f->buf, f->size, "unknown image flags 0x1");
}

static void test_verify_unaligned_buffer(void **state)
{
	struct fixture *f = *state;
	uint8_t *copy = malloc(f->size + 1);

	assert_non_null(copy);
	memcpy(copy + 1, f->buf, f->size);
	assert_int_equal(hexo_image_verify(copy + 1, f->size, "x", f->err, sizeof(f->err)), 0);
	free(copy);
}

/* ---- opening files ------------------------------------------------------ */

static void expect_open_fails(struct fixture *f, const char *path, const char *what)
{
	struct hexo_image img;

	assert_true(hexo_image_open(path, &img, f->err, sizeof(f->err)) < 0);
	if (!strstr(f->err, what) || strncmp(f->err, path, strlen(path)) != 0)
		fail_msg("error \"%s\" should name %s and say \"%s\"", f->err, path, what);
	assert_null(img.data);
}

static void write_bytes(const char *path, const void *buf, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	char p[160];

	snprintf(p, sizeof(p), "%s/nope.hexo", f->dir);
	expect_open_fails(f, p, "No such file or directory");
	expect_open_fails(f, f->dir, "not a regular file");
	snprintf(p, sizeof(p), "%s/fifo.hexo", f->dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	expect_open_fails(f, p, "not a regular file");
	snprintf(p, sizeof(p), "%s/empty.hexo", f->dir);
	write_bytes(p, "", 0);
	expect_open_fails(f, p, "empty file");
	snprintf(p, sizeof(p), "%s/short.hexo", f->dir);
	write_bytes(p, f->buf, f->size - 100);
	expect_open_fails(f, p, "truncated");
	snprintf(p, sizeof(p), "%s/text.hexo", f->dir);
	write_bytes(p, "hello, world\n", 13);
	expect_open_fails(f, p, "not a hexo image (bad magic)");
}

/* ---- writing ------------------------------------------------------------ */

static void expect_write_fails(struct fixture *f, const struct hexo_image_part *p, size_t n,
                               const char *what)
{
	f->err[0] = 0;
	assert_true(hexo_image_write(f->path, p, n, f->err, sizeof(f->err)) < 0);
	if (!strstr(f->err, what))
		fail_msg("error \"%s\" does not mention \"%s\"", f->err, what);
}

static void test_write_refusals(void **state)
{
	struct fixture *f = *state;
	struct hexo_image_part many[HEXO_IMAGE_MAX_ENTRIES + 1];
	struct hexo_image_part p[2];

	expect_write_fails(f, parts3, 0, "1..16 parts");
	for (size_t i = 0; i < HEXO_IMAGE_MAX_ENTRIES + 1; i++)
		many[i] = parts3[0];
	expect_write_fails(f, many, HEXO_IMAGE_MAX_ENTRIES + 1, "1..16 parts");
	expect_write_fails(f, many, 2, "both the ELF for x86_64");
	p[0] = parts3[0];
	p[0].kind = 9;
	expect_write_fails(f, p, 1, "unknown kind 9");
	p[0] = parts3[2];
	p[0].isa = HEXO_ISA_X86_64;
	expect_write_fails(f, p, 1, "unknown kind 2 / isa 1");
	p[0] = parts3[0];
	p[0].size = 0;
	expect_write_fails(f, p, 1, "empty");
}

static void test_write_bad_dir(void **state)
{
	struct fixture *f = *state;
	char err[HEXO_ERR_LEN];

	assert_int_equal(
	    hexo_image_write("/nonexistent-hexo-dir/a.hexo", parts3, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-hexo-dir/a.hexo: "));
	(void)f;
}

static void test_write_over_directory(void **state)
{
	struct fixture *f = *state;
	char cmd[200];

	assert_true(hexo_image_write(f->dir, parts3, 1, f->err, sizeof(f->err)) < 0);
	assert_non_null(strstr(f->err, f->dir));
	/* the temporary file next to it is gone */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -d '%s'.tmp.* 2>/dev/null)\"", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_written_file_mode(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	mode_t old = umask(022);

	assert_int_equal(hexo_image_write(f->path, parts3, 1, f->err, sizeof(f->err)), 0);
	umask(old);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
}

/* ---- ISA names ---------------------------------------------------------- */

static void test_isa_names(void **state)
{
	(void)state;
	assert_string_equal(hexo_isa_name(HEXO_ISA_X86_64), "x86_64");
	assert_string_equal(hexo_isa_name(HEXO_ISA_AARCH64), "aarch64");
	assert_string_equal(hexo_isa_name(HEXO_ISA_NONE), "?");
	assert_string_equal(hexo_isa_name(99), "?");
	assert_int_equal(hexo_isa_from_name("x86_64"), HEXO_ISA_X86_64);
	assert_int_equal(hexo_isa_from_name("amd64"), HEXO_ISA_X86_64);
	assert_int_equal(hexo_isa_from_name("aarch64"), HEXO_ISA_AARCH64);
	assert_int_equal(hexo_isa_from_name("arm64"), HEXO_ISA_AARCH64);
	assert_int_equal(hexo_isa_from_name("riscv64"), HEXO_ISA_NONE);
	assert_int_equal(hexo_isa_from_name(""), HEXO_ISA_NONE);
	assert_int_equal(hexo_isa_from_name(NULL), HEXO_ISA_NONE);
#if defined(__x86_64__)
	assert_int_equal(hexo_host_isa(), HEXO_ISA_X86_64);
#elif defined(__aarch64__)
	assert_int_equal(hexo_host_isa(), HEXO_ISA_AARCH64);
#endif
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_round_trip),
	    T(test_find_missing),
	    T(test_build_id),
	    T(test_checksum_definition),
	    T(test_deterministic),
	    T(test_overwrite_no_temp_left),
	    T(test_truncated),
	    T(test_truncated_says_sizes),
	    T(test_trailing_data),
	    T(test_every_bit_flip),
	    T(test_bit_flip_messages),
	    T(test_wrong_magic),
	    T(test_version_2),
	    T(test_overlapping_entries),
	    T(test_same_offset),
	    T(test_misaligned_offset),
	    T(test_offset_inside_table),
	    T(test_entry_past_eof),
	    T(test_offset_past_eof),
	    T(test_size_overflow),
	    T(test_huge_n_entries),
	    T(test_table_past_eof),
	    T(test_unknown_kind),
	    T(test_duplicate_entry),
	    T(test_empty_entry),
	    T(test_unknown_flags),
	    T(test_verify_unaligned_buffer),
	    T(test_open_errors),
	    T(test_write_refusals),
	    T(test_write_bad_dir),
	    T(test_write_over_directory),
	    T(test_written_file_mode),
	    cmocka_unit_test(test_isa_names),
	};

	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
