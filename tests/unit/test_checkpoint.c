// SPDX-License-Identifier: MIT
/*
 * Unit tests for the checkpoint writer and reader (lib/checkpoint_write.c,
 * lib/checkpoint_read.c). Every damaged, truncated, foreign or
 * unknown-version file must be refused with one line naming what is wrong,
 * and a failed read must fill in nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include <hexo/abi.h>
#include <hexo/image.h>

#include "checkpoint.h"
#include "image_file.h"

#define PAGE 4096u

/* The regions of a small job, at made-up guest addresses. */
#define ARGS_GPA  0x10000u
#define ARGS_SIZE 0x30000u
#define DATA_GPA  0x1000000u
#define DATA_SIZE 0x23800u /* a zero run inside, an unaligned end */
#define SHADOW_LO 0x1400f80u
#define SHADOW_HI 0x1401000u
#define HEAP_GPA  0x1500000u
#define HEAP_SIZE 0x12345u

struct fixture {
	char dir[64];
	char path[128];
	uint8_t *args, *data, *shadow, *heap;
	struct hexo_ckpt_region regions[4];
	struct hexo_ckpt_open_file files[2];
	struct hexo_ckpt_desc desc;
	uint8_t *buf; /* the written file, read back */
	size_t size;
	char err[HEXO_ERR_LEN];
};

static uint8_t *pages(size_t size)
{
	uint8_t *p = aligned_alloc(PAGE, (size + PAGE - 1) / PAGE * PAGE);

	assert_non_null(p);
	memset(p, 0, size);
	return p;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed + (i >> 9));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/hexo-ckpt-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/job.ckpt", f->dir);

	f->args = pages(ARGS_SIZE);
	strcpy((char *)f->args + 64, "prog.hexo");
	f->data = pages(DATA_SIZE);
	fill(f->data, 0x3000, 1);           /* pages 0-2 */
	fill(f->data + 0x9000, 0x1a800, 2); /* pages 9-35 (from 0x9000 to the end) */
	f->data[0x5123] = 7;                /* page 5 alone */
	f->shadow = pages(SHADOW_HI - SHADOW_LO);
	fill(f->shadow, SHADOW_HI - SHADOW_LO, 3);
	f->heap = pages(HEAP_SIZE);
	fill(f->heap + 0x2000, HEAP_SIZE - 0x2000, 4);

	f->regions[0] = (struct hexo_ckpt_region){HEXO_CKPT_HEAP, HEAP_GPA, HEAP_SIZE, f->heap};
	f->regions[1] = (struct hexo_ckpt_region){HEXO_CKPT_ARGS, ARGS_GPA, ARGS_SIZE, f->args};
	f->regions[2] = (struct hexo_ckpt_region){HEXO_CKPT_SHADOW, SHADOW_LO,
	                                          SHADOW_HI - SHADOW_LO, f->shadow};
	f->regions[3] = (struct hexo_ckpt_region){HEXO_CKPT_DATA, DATA_GPA, DATA_SIZE, f->data};
	f->files[0] =
	    (struct hexo_ckpt_open_file){.fd = 3,
	                                 .flags = HEXO_O_WRONLY | HEXO_O_CREAT | HEXO_O_TRUNC,
	                                 .offset = 12345,
	                                 .path = "out/result.txt"};
	f->files[1] = (struct hexo_ckpt_open_file){
	    .fd = 5, .flags = HEXO_O_RDONLY, .offset = 0, .path = "input.dat"};

	f->desc = (struct hexo_ckpt_desc){
	    .build_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	    .source_isa = HEXO_ISA_X86_64,
	    .image_path = "/home/u/prog.hexo",
	    .image_name = "prog.hexo",
	    .argv0 = "prog.hexo",
	    .mem_size = 512u << 20,
	    .time_ns = 1700000000123456789,
	    .restore_count = 2,
	    .kernel = {.args_start = ARGS_GPA,
	               .args_end = ARGS_GPA + ARGS_SIZE,
	               .data_start = DATA_GPA,
	               .data_end = DATA_GPA + DATA_SIZE,
	               .shadow_lo = SHADOW_LO,
	               .shadow_hi = SHADOW_HI,
	               .heap_start = HEAP_GPA,
	               .brk = HEAP_GPA + HEAP_SIZE,
	               .watermark = SHADOW_HI - 0x40,
	               .records = SHADOW_LO,
	               .mono_ns = 987654321,
	               .depth = 4,
	               .std_closed = 0,
	               .argc = 1,
	               .argv = ARGS_GPA,
	               .envp = ARGS_GPA + 16,
	               .points = 123456789012},
	    .regions = f->regions,
	    .n_regions = 4,
	    .files = f->files,
	    .n_files = 2,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->args);
	free(f->data);
	free(f->shadow);
	free(f->heap);
	free(f->buf);
	free(f);
	return 0;
}

static void write_ok(struct fixture *f, struct hexo_ckpt_wstats *ws)
{
	int ret = hexo_ckpt_write(f->path, &f->desc, ws, f->err, sizeof(f->err));

	if (ret)
		fail_msg("hexo_ckpt_write: %s", f->err);
}

/* The file read into a page-aligned buffer (with room to grow by a page). */
static void read_back(struct fixture *f)
{
	struct stat st;
	int fd;

	assert_int_equal(stat(f->path, &st), 0);
	f->size = (size_t)st.st_size;
	free(f->buf);
	f->buf = pages(f->size + PAGE);
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, f->buf, f->size), (ssize_t)f->size);
	close(fd);
}

static struct hexo_ckpt_header *hdr(struct fixture *f)
{
	return (struct hexo_ckpt_header *)f->buf;
}

static struct hexo_ckpt_section *sec(struct fixture *f, size_t i)
{
	return (struct hexo_ckpt_section *)(f->buf + hdr(f)->sections_offset) + i;
}

/* Recomputes both checksums after a test changed the metadata on purpose. */
static void reseal(struct fixture *f)
{
	struct hexo_ckpt_header *h = hdr(f);

	h->tables_checksum = XXH3_64bits(f->buf + sizeof(*h), h->meta_size - sizeof(*h));
	h->header_checksum = 0;
	h->header_checksum = XXH3_64bits(h, sizeof(*h));
}

static int parse(struct fixture *f, size_t size, struct hexo_ckpt *ck)
{
	return hexo_ckpt_parse(f->buf, size, "job.ckpt", 0, ck, f->err, sizeof(f->err));
}

static void expect_refused(struct fixture *f, size_t size, const char *what)
{
	struct hexo_ckpt ck;

	memset(&ck, 0xa5, sizeof(ck));
	f->err[0] = '\0';
	if (parse(f, size, &ck) == 0)
		fail_msg("accepted (%zu bytes), expected '%s'", size, what);
	if (!strstr(f->err, what))
		fail_msg("error '%s' does not say '%s'", f->err, what);
	assert_null(strchr(f->err, '\n'));
	/* Never half-loaded: nothing filled in. */
	for (size_t i = 0; i < sizeof(ck); i++)
		assert_int_equal(((uint8_t *)&ck)[i], 0xa5);
}

static const uint8_t *region_host(struct fixture *f, uint32_t type)
{
	for (int i = 0; i < 4; i++)
		if (f->regions[i].type == type)
			return f->regions[i].host;
	return NULL;
}

static uint64_t region_gpa(struct fixture *f, uint32_t type)
{
	for (int i = 0; i < 4; i++)
		if (f->regions[i].type == type)
			return f->regions[i].gpa;
	return 0;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct hexo_ckpt_wstats ws;
	struct hexo_ckpt ck;
	const struct hexo_ckpt_header *h;
	uint64_t covered[HEXO_CKPT_NTYPES] = {0};
	size_t zero = 0;

	write_ok(f, &ws);
	assert_int_equal(ws.memory_bytes,
	                 ARGS_SIZE + DATA_SIZE + HEAP_SIZE + SHADOW_HI - SHADOW_LO);
	assert_true(ws.zero_bytes >= ARGS_SIZE - PAGE + 6 * PAGE);
	assert_true(ws.file_bytes < ws.memory_bytes - ws.zero_bytes + 4 * PAGE);

	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), 0);
	assert_true(ck.data_checked);
	h = ck.hdr;
	assert_int_equal(h->version, HEXO_CKPT_VERSION);
	assert_int_equal(h->file_size, ws.file_bytes);
	assert_memory_equal(h->build_id, f->desc.build_id, 16);
	assert_int_equal(h->source_isa, HEXO_ISA_X86_64);
	assert_string_equal(hexo_ckpt_string(&ck, h->image_path), "/home/u/prog.hexo");
	assert_string_equal(hexo_ckpt_string(&ck, h->image_name), "prog.hexo");
	assert_string_equal(hexo_ckpt_string(&ck, h->argv0), "prog.hexo");
	assert_int_equal(h->mem_size, 512u << 20);
	assert_int_equal(h->time_ns, 1700000000123456789);
	assert_int_equal(h->restore_count, 2);
	assert_memory_equal(&h->kernel, &f->desc.kernel, sizeof(h->kernel));
	assert_int_equal(h->kernel.points, 123456789012); /* the progress count travels */
	assert_int_equal(h->n_files, 2);
	assert_int_equal(ck.files[0].fd, 3);
	assert_int_equal(ck.files[0].offset, 12345);
	assert_int_equal(ck.files[0].flags, HEXO_O_WRONLY | HEXO_O_CREAT | HEXO_O_TRUNC);
	assert_string_equal(hexo_ckpt_string(&ck, ck.files[0].path), "out/result.txt");
	assert_int_equal(ck.files[1].fd, 5);
	assert_string_equal(hexo_ckpt_string(&ck, ck.files[1].path), "input.dat");

	/* Every section's bytes are the region's; together they tile it. */
	for (uint32_t i = 0; i < h->n_sections; i++) {
		const struct hexo_ckpt_section *s = &ck.sections[i];
		const uint8_t *src = region_host(f, s->type) + (s->gpa - region_gpa(f, s->type));
		uint8_t *dst = pages(s->size);

		if (s->flags & HEXO_CKPT_SEC_ZERO) {
			zero += s->size;
			memset(dst, 0xff, s->size);
		} else {
			assert_int_equal(s->offset % PAGE, s->gpa % PAGE);
		}
		assert_true(hexo_ckpt_section_ok(&ck, i));
		assert_true(hexo_ckpt_load_section(&ck, i, dst, false, f->err, sizeof(f->err)) >=
		            0);
		assert_memory_equal(dst, src, s->size);
		covered[s->type] += s->size;
		free(dst);
	}
	assert_int_equal(zero, ws.zero_bytes);
	assert_int_equal(covered[HEXO_CKPT_ARGS], ARGS_SIZE);
	assert_int_equal(covered[HEXO_CKPT_DATA], DATA_SIZE);
	assert_int_equal(covered[HEXO_CKPT_SHADOW], SHADOW_HI - SHADOW_LO);
	assert_int_equal(covered[HEXO_CKPT_HEAP], HEAP_SIZE);
	hexo_ckpt_close(&ck);
}

/* Large sections are mapped from the file: whole pages, the same bytes. */
static void test_load_mapped(void **state)
{
	struct fixture *f = *state;
	struct hexo_ckpt ck;
	int64_t mapped = 0;
	uint8_t *mem = mmap(NULL, 0x2000000, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(mem != MAP_FAILED);
	write_ok(f, NULL);
	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), 0);
	memset(mem + DATA_GPA, 0xee, DATA_SIZE);
	for (uint32_t i = 0; i < ck.hdr->n_sections; i++) {
		const struct hexo_ckpt_section *s = &ck.sections[i];
		int64_t n =
		    hexo_ckpt_load_section(&ck, i, mem + s->gpa, true, f->err, sizeof(f->err));

		assert_true(n >= 0);
		mapped += n;
	}
	assert_true(mapped >= 0x1a000); /* the data run of pages 9-35 */
	hexo_ckpt_close(&ck);           /* the mappings stay valid */
	assert_memory_equal(mem + DATA_GPA, f->data, DATA_SIZE);
	assert_memory_equal(mem + HEAP_GPA, f->heap, HEAP_SIZE);
	assert_memory_equal(mem + SHADOW_LO, f->shadow, SHADOW_HI - SHADOW_LO);
	assert_memory_equal(mem + ARGS_GPA, f->args, ARGS_SIZE);
	/* Private: writing the guest copy leaves the file alone. */
	mem[DATA_GPA + 0x10000] ^= 1;
	read_back(f);
	assert_int_equal(parse(f, f->size, &ck), 0);
	munmap(mem, 0x2000000);
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;

	write_ok(f, NULL);
	read_back(f);
	expect_refused(f, 0, "empty file");
	/* Every shorter length: inside the magic, the header, the tables, the data. */
	for (size_t len = 1; len < f->size; len++)
		expect_refused(f, len, "truncated checkpoint");
}

static void test_not_checkpoint(void **state)
{
	struct fixture *f = *state;

	write_ok(f, NULL);
	read_back(f);
	f->buf[1] ^= 0x20;
	expect_refused(f, f->size, "not a hexo checkpoint");
	expect_refused(f, 3, "not a hexo checkpoint");
	f->buf[1] ^= 0x20;
	assert_true(hexo_ckpt_is_checkpoint(f->buf, f->size));
	assert_false(hexo_ckpt_is_checkpoint(f->buf, 7));
	/* Data after the end the header gives. */
	expect_refused(f, f->size + 1, "data after its end");
}

static void test_header_flips(void **state)
{
	struct fixture *f = *state;

	write_ok(f, NULL);
	read_back(f);
	for (size_t i = 8; i < sizeof(struct hexo_ckpt_header); i++) {
		f->buf[i] ^= (uint8_t)(1u << (i % 8));
		if (i >= 8 && i < 12)
			expect_refused(f, f->size, "is not supported");
		else if (i >= 12 && i < 16)
			expect_refused(f, f->size, "bad header size");
		else
			expect_refused(f, f->size, "header checksum mismatch");
		f->buf[i] ^= (uint8_t)(1u << (i % 8));
	}
	for (size_t i = 0; i < 8; i++) {
		f->buf[i] ^= 0x80;
		expect_refused(f, f->size, "bad magic");
		f->buf[i] ^= 0x80;
	}
}

static void test_table_flips(void **state)
{
	struct fixture *f = *state;
	size_t start = sizeof(struct hexo_ckpt_header);

	write_ok(f, NULL);
	read_back(f);
	for (size_t i = start; i < hdr(f)->meta_size; i++) {
		f->buf[i] ^= (uint8_t)(1u << (i % 8));
		expect_refused(f, f->size, "table checksum mismatch");
		f->buf[i] ^= (uint8_t)(1u << (i % 8));
	}
}

static void test_section_flips(void **state)
{
	struct fixture *f = *state;
	size_t n_data = 0;
	char want[64];

	write_ok(f, NULL);
	read_back(f);
	for (uint32_t i = 0; i < hdr(f)->n_sections; i++) {
		struct hexo_ckpt_section *s = sec(f, i);
		uint64_t where[3] = {s->offset, s->offset + s->size / 2, s->offset + s->size - 1};

		if (s->flags & HEXO_CKPT_SEC_ZERO)
			continue;
		n_data++;
		snprintf(want, sizeof(want), "section %u (%s 0x", i, hexo_ckpt_type_name(s->type));
		for (int w = 0; w < 3; w++) {
			f->buf[where[w]] ^= 0x10;
			expect_refused(f, f->size, want);
			expect_refused(f, f->size, "checksum mismatch");
			f->buf[where[w]] ^= 0x10;
		}
	}
	assert_true(n_data >= 5);
	/* Without the data check, the same file opens; the section is BAD. */
	{
		struct hexo_ckpt ck;

		f->buf[sec(f, 0)->offset] ^= 1;
		assert_int_equal(hexo_ckpt_parse(f->buf, f->size, "x", HEXO_CKPT_NO_DATA_CHECK, &ck,
		                                 f->err, sizeof(f->err)),
		                 0);
		assert_false(ck.data_checked);
		assert_false(hexo_ckpt_section_ok(&ck, 0));
	}
}

static void test_wrong_version(void **state)
{
	struct fixture *f = *state;

	write_ok(f, NULL);
	read_back(f);
	hdr(f)->version = 2;
	reseal(f);
	expect_refused(f, f->size, "checkpoint format version 2 is not supported");
	/* Even when the rest of the file is some other layout. */
	expect_refused(f, 16, "version 2");
}

static void test_wrong_build_id(void **state)
{
	struct fixture *f = *state;
	uint8_t other[16] = {0xaa, 0xbb};
	struct hexo_ckpt ck;

	write_ok(f, NULL);
	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), 0);
	assert_int_equal(
	    hexo_ckpt_check_build_id(&ck, f->desc.build_id, "prog.hexo", f->err, sizeof(f->err)),
	    0);
	assert_int_equal(
	    hexo_ckpt_check_build_id(&ck, other, "new/prog.hexo", f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "another image"));
	assert_non_null(strstr(f->err, "0102030405060708090a0b0c0d0e0f10"));
	assert_non_null(strstr(f->err, "aabb0000000000000000000000000000"));
	assert_non_null(strstr(f->err, "new/prog.hexo"));
	hexo_ckpt_close(&ck);
}

/* Well checksummed but wrong: what a buggy writer could produce. */
static void test_structure(void **state)
{
	struct fixture *f = *state;
	struct hexo_ckpt_file *fe;

	write_ok(f, NULL);
	read_back(f);
	sec(f, 1)->gpa += PAGE;
	reseal(f);
	expect_refused(f, f->size, "section 1 (");
	sec(f, 1)->gpa -= PAGE;

	sec(f, 0)->offset += 1;
	reseal(f);
	expect_refused(f, f->size, "bad file offset");
	sec(f, 0)->offset -= 1;

	hdr(f)->kernel.brk += 1;
	reseal(f);
	expect_refused(f, f->size, "heap region is not covered");
	hdr(f)->kernel.brk -= 1;

	hdr(f)->kernel.watermark = SHADOW_HI + 8;
	reseal(f);
	expect_refused(f, f->size, "shadow stack pointers");
	hdr(f)->kernel.watermark = SHADOW_HI - 0x40;

	fe = (struct hexo_ckpt_file *)(f->buf + hdr(f)->files_offset);
	memcpy((char *)f->buf + hdr(f)->strings_offset + fe[0].path.off, "../", 3);
	reseal(f);
	expect_refused(f, f->size, "file table");
	memcpy((char *)f->buf + hdr(f)->strings_offset + fe[0].path.off, "out", 3);

	fe[1].fd = 3;
	reseal(f);
	expect_refused(f, f->size, "file table");
	fe[1].fd = 5;

	reseal(f);
	{
		struct hexo_ckpt ck;

		assert_int_equal(parse(f, f->size, &ck), 0);
	}
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct hexo_ckpt ck;
	char p[160];

	memset(&ck, 0x5a, sizeof(ck));
	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "job.ckpt"));
	assert_int_equal(hexo_ckpt_open(f->dir, 0, &ck, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "not a regular file"));
	snprintf(p, sizeof(p), "%s/empty", f->dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(hexo_ckpt_open(p, 0, &ck, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "empty file"));
	for (size_t i = 0; i < sizeof(ck); i++)
		assert_int_equal(((uint8_t *)&ck)[i], 0x5a);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

/* A failed write leaves the old checkpoint whole and no temporary file. */
static void test_atomic_replace(void **state)
{
	struct fixture *f = *state;
	struct hexo_ckpt ck;
	char p[160];

	write_ok(f, NULL);
	read_back(f);
	f->desc.kernel.brk += 1; /* regions no longer match: refused before writing */
	assert_int_equal(hexo_ckpt_write(f->path, &f->desc, NULL, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "does not match"));
	f->desc.kernel.brk -= 1;
	assert_int_equal(count_entries(f->dir), 1);
	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), 0);
	hexo_ckpt_close(&ck);

	snprintf(p, sizeof(p), "%s/no/such/dir/x.ckpt", f->dir);
	assert_true(hexo_ckpt_write(p, &f->desc, NULL, f->err, sizeof(f->err)) < 0);
	assert_non_null(strstr(f->err, "no/such/dir"));

	/* A second write replaces the first. */
	f->desc.restore_count = 9;
	write_ok(f, NULL);
	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), 0);
	assert_int_equal(ck.hdr->restore_count, 9);
	hexo_ckpt_close(&ck);
	assert_int_equal(count_entries(f->dir), 1);
}

/* Whether process pid has a file open in dir (a checkpoint being written). */
static bool writing_in(pid_t pid, const char *dir)
{
	char fds[64], link[96], target[256];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(fds, sizeof(fds), "/proc/%d/fd", (int)pid);
	d = opendir(fds);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%s", fds, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = !strncmp(target, dir, strlen(dir)) && target[strlen(dir)] == '/';
	}
	closedir(d);
	return found;
}

/*
 * A writer killed with SIGKILL in the middle of a checkpoint leaves no file
 * behind, not even a temporary one, and the next write leaves only the
 * checkpoint.
 */
static void test_killed_writer(void **state)
{
	struct fixture *f = *state;
	size_t big = 256u << 20;
	uint8_t *heap = pages(big);
	int tries, status;

	fill(heap, big, 5);
	f->regions[0].size = big;
	f->regions[0].host = heap;
	f->desc.kernel.brk = HEAP_GPA + big;
	for (tries = 0; tries < 10; tries++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			int ret = hexo_ckpt_write(f->path, &f->desc, NULL, f->err, sizeof(f->err));

			_exit(ret ? 1 : 0);
		}
		while (!writing_in(pid, f->dir) && waitpid(pid, &status, WNOHANG) == 0)
			;
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status))
			break;   /* killed while writing */
		unlink(f->path); /* it was done already: again */
	}
	if (tries == 10)
		skip();
	assert_int_equal(count_entries(f->dir), 0);
	write_ok(f, NULL);
	assert_int_equal(count_entries(f->dir), 1);
	free(heap);
}

/* No heap, no files, nothing but zeros: still a valid checkpoint. */
static void test_empty_regions(void **state)
{
	struct fixture *f = *state;
	struct hexo_ckpt_wstats ws;
	struct hexo_ckpt ck;

	f->desc.kernel.brk = f->desc.kernel.heap_start;
	f->desc.n_regions = 3;
	f->regions[0] = f->regions[3]; /* drop the heap */
	memset(f->data, 0, DATA_SIZE);
	memset(f->shadow, 0, SHADOW_HI - SHADOW_LO);
	memset(f->args, 0, ARGS_SIZE);
	f->desc.n_files = 0;
	write_ok(f, &ws);
	assert_int_equal(ws.zero_bytes, ws.memory_bytes);
	assert_int_equal(hexo_ckpt_open(f->path, 0, &ck, f->err, sizeof(f->err)), 0);
	assert_int_equal(ck.hdr->n_sections, 3);
	assert_int_equal(ck.hdr->file_size, ck.hdr->meta_size);
	hexo_ckpt_close(&ck);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_checkpoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_header_flips, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_flips, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_section_flips, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_build_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_atomic_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_regions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
