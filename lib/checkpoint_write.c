// SPDX-License-Identifier: MIT
/*
 * Writing checkpoint files: sparse sections straight from guest memory,
 * one pwritev stream into a new file that takes the checkpoint's name only
 * once it is whole and synced (lib/fsutil.h, hexo_newfile).
 * docs/checkpoint-format.md is the format; checkpoint.h the API;
 * checkpoint_read.c reads them back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "checkpoint.h"
#include "checkpoint_int.h"
#include "err.h"
#include "fsutil.h"

/* Room kept in the section table for closing runs once splitting stops. */
#define SECTION_SLACK 16u

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct sec_vec {
	struct hexo_ckpt_section *v;
	const uint8_t **host; /* host address of each section's bytes */
	size_t n, cap;
};

static int sec_push(struct sec_vec *sv, uint32_t type, uint32_t flags, uint64_t gpa, uint64_t size,
                    const uint8_t *host, uint64_t csum)
{
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 64;
		struct hexo_ckpt_section *v = realloc(sv->v, cap * sizeof(*v));
		const uint8_t **h;

		if (!v)
			return -ENOMEM;
		sv->v = v;
		h = realloc(sv->host, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		sv->host = h;
		sv->cap = cap;
	}
	sv->v[sv->n] = (struct hexo_ckpt_section){
	    .type = type, .flags = flags, .gpa = gpa, .size = size, .checksum = csum};
	sv->host[sv->n] = host;
	sv->n++;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return memcmp(p, hexo_ckpt_zero_page, n) == 0;
}

/*
 * Tiles one region with sections: runs of all-zero pages become ZERO
 * sections, the rest data sections checksummed as they are scanned (one pass
 * over memory). Runs break at guest page boundaries only.
 */
static int scan_region(struct sec_vec *sv, const struct hexo_ckpt_region *r, XXH3_state_t *st,
                       uint64_t *zero_bytes)
{
	const uint8_t *p = r->host;
	uint64_t pos = 0, run = 0;
	int kind = -1; /* of the run being built: 0 zero, 1 data */
	int ret;

	while (pos < r->size) {
		uint64_t end = ((r->gpa + pos) / PAGE + 1) * PAGE - r->gpa;
		int k;

		if (end > r->size)
			end = r->size;
		k = (sv->n + SECTION_SLACK >= HEXO_CKPT_MAX_SECTIONS) ||
		    !all_zero(p + pos, (size_t)(end - pos));
		if (k != kind) {
			if (kind == 0) {
				ret = sec_push(sv, r->type, HEXO_CKPT_SEC_ZERO, r->gpa + run,
				               pos - run, NULL, 0);
				*zero_bytes += pos - run;
			} else if (kind == 1) {
				ret = sec_push(sv, r->type, 0, r->gpa + run, pos - run, p + run,
				               XXH3_64bits_digest(st));
			} else {
				ret = 0;
			}
			if (ret)
				return ret;
			kind = k;
			run = pos;
			XXH3_64bits_reset(st);
		}
		if (k)
			XXH3_64bits_update(st, p + pos, (size_t)(end - pos));
		pos = end;
	}
	if (kind == 0) {
		*zero_bytes += pos - run;
		return sec_push(sv, r->type, HEXO_CKPT_SEC_ZERO, r->gpa + run, pos - run, NULL, 0);
	}
	if (kind == 1)
		return sec_push(sv, r->type, 0, r->gpa + run, pos - run, p + run,
		                XXH3_64bits_digest(st));
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const struct hexo_ckpt_region *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* The regions in address order, checked against the kernel state. */
static int scan_regions(const struct hexo_ckpt_desc *d, struct sec_vec *sv, uint64_t *zero,
                        uint64_t *total, char *err, size_t errlen)
{
	struct hexo_ckpt_region regs[HEXO_CKPT_NTYPES];
	uint64_t lo[HEXO_CKPT_NTYPES], hi[HEXO_CKPT_NTYPES];
	XXH3_state_t *st;
	int ret = 0;

	if (d->n_regions > HEXO_CKPT_NTYPES - 1)
		return hexo_fail(err, errlen, -EINVAL, "checkpoint: %zu regions, at most %d",
		                 d->n_regions, HEXO_CKPT_NTYPES - 1);
	memcpy(regs, d->regions, d->n_regions * sizeof(regs[0]));
	qsort(regs, d->n_regions, sizeof(regs[0]), cmp_region);
	type_regions(&d->kernel, lo, hi);
	for (size_t i = 0; i < d->n_regions; i++) {
		const struct hexo_ckpt_region *r = &regs[i];

		if (r->type < 1 || r->type >= HEXO_CKPT_NTYPES || r->gpa != lo[r->type] ||
		    r->size != hi[r->type] - lo[r->type] || (i && r->type == regs[i - 1].type))
			return hexo_fail(err, errlen, -EINVAL,
			                 "checkpoint: region %s 0x%" PRIx64 "+0x%" PRIx64
			                 " does not match the kernel state",
			                 hexo_ckpt_type_name(r->type), r->gpa, r->size);
	}
	st = XXH3_createState();
	if (!st)
		return hexo_fail(err, errlen, -ENOMEM, "checkpoint: out of memory");
	*zero = *total = 0;
	for (size_t i = 0; i < d->n_regions && !ret; i++) {
		ret = scan_region(sv, &regs[i], st, zero);
		*total += regs[i].size;
	}
	XXH3_freeState(st);
	if (ret)
		return hexo_fail(err, errlen, ret, "checkpoint: out of memory");
	return 0;
}

/* The string table being built. */
struct strtab {
	char *buf;
	size_t len, cap;
};

static int str_add(struct strtab *t, const char *s, struct hexo_ckpt_str *out)
{
	size_t len = strlen(s ? s : "");

	if (len >= (1u << 20) || t->len + len + 1 > UINT32_MAX)
		return -ENAMETOOLONG;
	if (t->len + len + 1 > t->cap) {
		size_t cap = (t->cap + len + 1) * 2;
		char *b = realloc(t->buf, cap);

		if (!b)
			return -ENOMEM;
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s ? s : "", len + 1);
	*out = (struct hexo_ckpt_str){.off = (uint32_t)t->len, .len = (uint32_t)len};
	t->len += len + 1;
	return 0;
}

/*
 * Header, tables and strings in one buffer, every data section given its
 * file offset (the next one congruent to its address modulo a page).
 */
static int build_meta(const struct hexo_ckpt_desc *d, struct sec_vec *sv, uint8_t **out,
                      uint64_t *meta_size, char *err, size_t errlen)
{
	struct hexo_ckpt_header h = {.version = HEXO_CKPT_VERSION, .header_size = HDR_SIZE};
	struct hexo_ckpt_file *files = NULL;
	struct strtab t = {0};
	uint64_t cur;
	uint8_t *buf;
	int ret = 0;

	if (d->n_files > HEXO_CKPT_MAX_FILES)
		return hexo_fail(err, errlen, -EINVAL, "checkpoint: %zu open files, at most %u",
		                 d->n_files, HEXO_CKPT_MAX_FILES);
	files = calloc(d->n_files + 1, sizeof(*files));
	if (!files)
		return hexo_fail(err, errlen, -ENOMEM, "checkpoint: out of memory");
	ret = str_add(&t, d->image_path, &h.image_path);
	ret = ret ? ret : str_add(&t, d->image_name, &h.image_name);
	ret = ret ? ret : str_add(&t, d->argv0, &h.argv0);
	for (size_t i = 0; i < d->n_files && !ret; i++) {
		const struct hexo_ckpt_open_file *f = &d->files[i];

		files[i] = (struct hexo_ckpt_file){
		    .fd = f->fd, .flags = f->flags, .offset = f->offset, .state = f->state};
		ret = str_add(&t, f->path, &files[i].path);
	}
	if (ret) {
		free(files);
		free(t.buf);
		return hexo_fail(err, errlen, ret, "checkpoint: %s",
		                 ret == -ENOMEM ? "out of memory" : "a path is too long");
	}
	memcpy(h.magic, HEXO_CKPT_MAGIC, MAGIC_LEN);
	memcpy(h.build_id, d->build_id, sizeof(h.build_id));
	h.source_isa = d->source_isa;
	h.n_sections = (uint32_t)sv->n;
	h.n_files = (uint32_t)d->n_files;
	h.sections_offset = HDR_SIZE;
	h.files_offset = h.sections_offset + sv->n * SEC_SIZE;
	h.strings_offset = h.files_offset + d->n_files * FENT_SIZE;
	h.strings_size = t.len;
	h.meta_size = h.strings_offset + t.len;
	h.mem_size = d->mem_size;
	h.time_ns = d->time_ns;
	h.restore_count = d->restore_count;
	h.kernel = d->kernel;

	cur = page_up(h.meta_size);
	h.file_size = h.meta_size;
	for (size_t i = 0; i < sv->n; i++) {
		struct hexo_ckpt_section *s = &sv->v[i];

		if (s->flags & HEXO_CKPT_SEC_ZERO)
			continue;
		s->offset = cur + ((s->gpa - cur) & (PAGE - 1));
		cur = s->offset + s->size;
		h.file_size = cur;
	}
	buf = malloc(h.meta_size);
	if (!buf) {
		free(files);
		free(t.buf);
		return hexo_fail(err, errlen, -ENOMEM, "checkpoint: out of memory");
	}
	memcpy(buf + h.sections_offset, sv->v, sv->n * SEC_SIZE);
	memcpy(buf + h.files_offset, files, d->n_files * FENT_SIZE);
	memcpy(buf + h.strings_offset, t.buf, t.len);
	h.tables_checksum = XXH3_64bits(buf + HDR_SIZE, h.meta_size - HDR_SIZE);
	h.header_checksum = header_checksum(&h);
	memcpy(buf, &h, HDR_SIZE);
	free(files);
	free(t.buf);
	*out = buf;
	*meta_size = h.meta_size;
	return 0;
}

struct iov_list {
	struct iovec *v;
	size_t n, cap;
};

static int iov_add(struct iov_list *l, const void *p, size_t len)
{
	if (!len)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct iovec *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct iovec){.iov_base = (void *)(uintptr_t)p, .iov_len = len};
	return 0;
}

/* Zero bytes for padding, at most one page per iovec. */
static int iov_pad(struct iov_list *l, uint64_t len)
{
	int ret = 0;

	while (len && !ret) {
		uint64_t n = len < PAGE ? len : PAGE;

		ret = iov_add(l, hexo_ckpt_zero_page, (size_t)n);
		len -= n;
	}
	return ret;
}

/* The whole file as iovecs: meta, then each data section after its padding. */
static int build_iov(const uint8_t *meta, uint64_t meta_size, const struct sec_vec *sv,
                     struct iov_list *l)
{
	uint64_t cur = meta_size;
	int ret = iov_add(l, meta, (size_t)meta_size);

	for (size_t i = 0; i < sv->n && !ret; i++) {
		const struct hexo_ckpt_section *s = &sv->v[i];

		if (s->flags & HEXO_CKPT_SEC_ZERO)
			continue;
		ret = iov_pad(l, s->offset - cur);
		if (!ret)
			ret = iov_add(l, sv->host[i], (size_t)s->size);
		cur = s->offset + s->size;
	}
	return ret;
}

/*
 * pwritev until every iovec is written (a call writes at most ~2 GiB).
 * Starting each chunk's writeback early with sync_file_range() was tried:
 * no faster here (docs/checkpoint-format.md, "Performance").
 */
static int write_all_iov(int fd, struct iovec *iov, size_t n)
{
	off_t off = 0;

	while (n) {
		int cnt = n > IOV_MAX ? IOV_MAX : (int)n;
		ssize_t w = pwritev(fd, iov, cnt, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		off += w;
		while (n && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n && w) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Writes the iovecs into a new file at path, atomically (lib/fsutil.h's
 * hexo_newfile: unnamed while written, renamed over path once synced), with
 * mode 0666 less the umask, as open(2) would give it.
 */
static int write_file(const char *path, struct iov_list *l, struct hexo_ckpt_wstats *ws, char *err,
                      size_t errlen)
{
	struct hexo_newfile f;
	const char *base;
	mode_t mask;
	uint64_t t0;
	int dfd, ret;

	if (!*path)
		return hexo_fail(err, errlen, -EINVAL, "checkpoint: empty file name");
	dfd = hexo_open_parent(path, &base);
	if (dfd < 0)
		return hexo_fail(err, errlen, dfd, "%s: its folder: %s", path, strerror(-dfd));
	mask = umask(0);
	umask(mask);
	ret = hexo_newfile_open(&f, dfd, base, 0666 & ~mask);
	if (ret) {
		hexo_seterr(err, errlen, "%s: cannot create a file there: %s", path, strerror(-ret));
		goto out_close;
	}
	t0 = clock_ns();
	ret = write_all_iov(f.fd, l->v, l->n);
	ws->write_ns = clock_ns() - t0;
	if (ret) {
		hexo_newfile_abort(&f);
		hexo_seterr(err, errlen, "%s: %s", path, strerror(-ret));
		goto out_close;
	}
	t0 = clock_ns();
	ret = hexo_newfile_commit(&f, base, true);
	ws->sync_ns = clock_ns() - t0;
	if (ret)
		hexo_seterr(err, errlen, "%s: %s", path, strerror(-ret));
out_close:
	close(dfd);
	return ret;
}

int hexo_ckpt_write(const char *path, const struct hexo_ckpt_desc *d,
                    struct hexo_ckpt_wstats *stats, char *err, size_t errlen)
{
	struct hexo_ckpt_wstats ws = {0};
	struct sec_vec sv = {0};
	struct iov_list l = {0};
	uint8_t *meta = NULL;
	uint64_t t0 = clock_ns(), meta_size;
	int ret;

	ret = scan_regions(d, &sv, &ws.zero_bytes, &ws.memory_bytes, err, errlen);
	if (!ret)
		ret = build_meta(d, &sv, &meta, &meta_size, err, errlen);
	ws.scan_ns = clock_ns() - t0;
	if (!ret && build_iov(meta, meta_size, &sv, &l))
		ret = hexo_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	if (!ret)
		ret = write_file(path, &l, &ws, err, errlen);
	if (!ret) {
		const struct hexo_ckpt_header *h = (const void *)meta;

		ws.file_bytes = h->file_size;
		ws.n_sections = h->n_sections;
		if (stats)
			*stats = ws;
	}
	free(l.v);
	free(meta);
	free(sv.v);
	free(sv.host);
	return ret;
}
