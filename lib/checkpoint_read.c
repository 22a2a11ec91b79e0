// SPDX-License-Identifier: MIT
/*
 * Reading checkpoint files: everything verified before anything is used,
 * then the helpers `hexo resume`, `hexo inspect` and hexod read them with.
 * docs/checkpoint-format.md is the format; checkpoint.h the API;
 * checkpoint_write.c writes them.
 *
 * Verification order: magic, version, header size, header checksum, file
 * size against the header (so a short file is called truncated, not
 * damaged), tables checksum, the structure of every table entry, string
 * and region, then every section's checksum, naming the section.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include <hexo/abi.h>
#include <hexo/image.h>

#include "checkpoint.h"
#include "checkpoint_int.h"
#include "err.h"
#include "image_file.h"

#define HDR_SIZE_END (offsetof(struct hexo_ckpt_header, header_size) + sizeof(uint32_t))
#define FILE_FLAGS_KNOWN                                                                           \
	(HEXO_O_ACCMODE | HEXO_O_CREAT | HEXO_O_EXCL | HEXO_O_TRUNC | HEXO_O_APPEND)

const uint8_t hexo_ckpt_zero_page[HEXO_CKPT_PAGE];

const char *hexo_ckpt_type_name(uint32_t type)
{
	switch (type) {
	case HEXO_CKPT_ARGS:
		return "args";
	case HEXO_CKPT_DATA:
		return "data";
	case HEXO_CKPT_SHADOW:
		return "shadow stack";
	case HEXO_CKPT_HEAP:
		return "heap";
	default:
		return "?";
	}
}

void hexo_ckpt_section_desc(const struct hexo_ckpt_section *s, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "section %zu (%s 0x%" PRIx64 "-0x%" PRIx64 ")", i,
	         hexo_ckpt_type_name(s->type), s->gpa, s->gpa + s->size);
}

bool hexo_ckpt_is_checkpoint(const void *data, size_t size)
{
	return size >= MAGIC_LEN && !memcmp(data, HEXO_CKPT_MAGIC, MAGIC_LEN);
}

static int truncated(const char *name, size_t size, uint64_t want, char *err, size_t errlen)
{
	if (!want)
		return hexo_fail(err, errlen, -EINVAL,
		                 "%s: truncated checkpoint: %zu bytes, shorter than its %zu-byte "
		                 "header (copied or written incompletely?)",
		                 name, size, HDR_SIZE);
	return hexo_fail(err, errlen, -EINVAL,
	                 "%s: truncated checkpoint: %zu bytes, its header says %" PRIu64
	                 " (copied or written incompletely?)",
	                 name, size, want);
}

static int damaged(const char *name, const char *what, char *err, size_t errlen)
{
	return hexo_fail(err, errlen, -EINVAL, "%s: damaged checkpoint: %s", name, what);
}

/* Magic, version, header size and checksum, file size. */
static int check_header(const uint8_t *data, size_t size, const char *name,
                        struct hexo_ckpt_header *h, char *err, size_t errlen)
{
	uint32_t version, hsize;

	if (size == 0)
		return hexo_fail(err, errlen, -EINVAL, "%s: empty file: not a hexo checkpoint",
		                 name);
	if (memcmp(data, HEXO_CKPT_MAGIC, size < MAGIC_LEN ? size : MAGIC_LEN))
		return hexo_fail(err, errlen, -EINVAL, "%s: not a hexo checkpoint (bad magic)",
		                 name);
	if (size < HDR_SIZE_END)
		return truncated(name, size, 0, err, errlen);
	memcpy(&version, data + offsetof(struct hexo_ckpt_header, version), sizeof(version));
	memcpy(&hsize, data + offsetof(struct hexo_ckpt_header, header_size), sizeof(hsize));
	if (version != HEXO_CKPT_VERSION)
		return hexo_fail(err, errlen, -EINVAL,
		                 "%s: checkpoint format version %" PRIu32
		                 " is not supported (this hexo reads version %u): resume it with "
		                 "the hexo that wrote it",
		                 name, version, HEXO_CKPT_VERSION);
	if (hsize != HDR_SIZE)
		return damaged(name, "bad header size", err, errlen);
	if (size < HDR_SIZE)
		return truncated(name, size, 0, err, errlen);
	memcpy(h, data, HDR_SIZE);
	if (header_checksum(h) != h->header_checksum)
		return damaged(name, "header checksum mismatch", err, errlen);
	if (h->file_size > size)
		return truncated(name, size, h->file_size, err, errlen);
	if (h->file_size < size)
		return hexo_fail(err, errlen, -EINVAL,
		                 "%s: damaged checkpoint: %zu bytes, its header says %" PRIu64
		                 " (data after its end)",
		                 name, size, h->file_size);
	return 0;
}

/* Tables inside [header_size, meta_size), 8-byte aligned, not overlapping. */
static int check_tables(const struct hexo_ckpt_header *h, const uint8_t *data, const char *name,
                        char *err, size_t errlen)
{
	uint64_t sec_end, files_end, str_end;

	if (h->meta_size < HDR_SIZE || h->meta_size > h->file_size)
		return damaged(name, "bad metadata size", err, errlen);
	if (XXH3_64bits(data + HDR_SIZE, h->meta_size - HDR_SIZE) != h->tables_checksum)
		return damaged(name, "section table or file table checksum mismatch", err, errlen);
	if (h->n_sections > HEXO_CKPT_MAX_SECTIONS || h->n_files > HEXO_CKPT_MAX_FILES)
		return damaged(name, "too many sections or files", err, errlen);
	if (h->sections_offset > h->meta_size || h->files_offset > h->meta_size ||
	    h->strings_offset > h->meta_size || h->strings_size > h->meta_size)
		return damaged(name, "bad table offsets", err, errlen);
	sec_end = h->sections_offset + (uint64_t)h->n_sections * SEC_SIZE;
	files_end = h->files_offset + (uint64_t)h->n_files * FENT_SIZE;
	str_end = h->strings_offset + h->strings_size;
	if (h->sections_offset < HDR_SIZE || h->sections_offset % 8 || sec_end > h->files_offset ||
	    h->files_offset % 8 || files_end > h->strings_offset || str_end != h->meta_size ||
	    h->flags)
		return damaged(name, "bad table offsets", err, errlen);
	if (h->source_isa != HEXO_ISA_X86_64 && h->source_isa != HEXO_ISA_AARCH64)
		return damaged(name, "unknown source ISA", err, errlen);
	return 0;
}

static bool str_ok(const struct hexo_ckpt_header *h, const char *strings, struct hexo_ckpt_str s)
{
	return (uint64_t)s.off + s.len < h->strings_size && strings[s.off + s.len] == '\0' &&
	       !memchr(strings + s.off, '\0', s.len);
}

/* A path relative to the job directory that stays inside it. */
static bool job_path_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		p += *p == '/';
	}
	return true;
}

static int check_files(const struct hexo_ckpt *c, char *err, size_t errlen)
{
	const struct hexo_ckpt_header *h = c->hdr;
	uint8_t seen[HEXO_CKPT_MAX_FILES] = {0};
	char what[96];

	if (!str_ok(h, c->strings, h->image_path) || !str_ok(h, c->strings, h->image_name) ||
	    !str_ok(h, c->strings, h->argv0))
		return damaged(c->name, "bad string reference", err, errlen);
	for (uint32_t i = 0; i < h->n_files; i++) {
		const struct hexo_ckpt_file *f = &c->files[i];

		if (f->fd < 0 || (uint32_t)f->fd >= HEXO_CKPT_MAX_FILES || seen[f->fd]++ ||
		    (f->flags & ~FILE_FLAGS_KNOWN) ||
		    (f->flags & HEXO_O_ACCMODE) == HEXO_O_ACCMODE ||
		    (f->state & ~HEXO_CKPT_FILE_NOSEEK) || f->offset > INT64_MAX ||
		    !str_ok(h, c->strings, f->path) || !job_path_ok(c->strings + f->path.off)) {
			snprintf(what, sizeof(what), "bad entry %u of the file table", i);
			return damaged(c->name, what, err, errlen);
		}
	}
	return 0;
}

/* Regions well formed and disjoint; the boot vectors inside the args. */
static int check_kernel(const struct hexo_ckpt *c, char *err, size_t errlen)
{
	const struct hexo_ckpt_kernel *k = &c->hdr->kernel;
	uint64_t lo[HEXO_CKPT_NTYPES], hi[HEXO_CKPT_NTYPES];

	type_regions(k, lo, hi);
	for (int t = 1; t < HEXO_CKPT_NTYPES; t++) {
		if (lo[t] > hi[t])
			return damaged(c->name, "bad region bounds", err, errlen);
		for (int u = 1; u < t; u++)
			if (lo[t] < hi[u] && lo[u] < hi[t])
				return damaged(c->name, "regions overlap", err, errlen);
	}
	if (k->watermark < k->shadow_lo || k->watermark > k->shadow_hi ||
	    k->records < k->shadow_lo || k->records > k->shadow_hi)
		return damaged(c->name, "bad shadow stack pointers", err, errlen);
	if ((k->argv && (k->argv < k->args_start || k->argv >= k->args_end)) ||
	    (k->envp && (k->envp < k->args_start || k->envp >= k->args_end)))
		return damaged(c->name, "argv or environment outside the argument block", err,
		               errlen);
	return 0;
}

/*
 * Sections in address order; those of a type tile its region exactly; data
 * sections in file order after the metadata, each at an offset congruent to
 * its address, inside the file.
 */
static int check_sections(const struct hexo_ckpt *c, char *err, size_t errlen)
{
	const struct hexo_ckpt_header *h = c->hdr;
	uint64_t lo[HEXO_CKPT_NTYPES], hi[HEXO_CKPT_NTYPES];
	uint64_t prev_end = 0, file_pos = page_up(h->meta_size);
	char what[160], desc[96];

	type_regions(&h->kernel, lo, hi);
	for (uint32_t i = 0; i < h->n_sections; i++) {
		const struct hexo_ckpt_section *s = &c->sections[i];
		bool zero = s->flags & HEXO_CKPT_SEC_ZERO;
		const char *bad = NULL;

		if (s->type < 1 || s->type >= HEXO_CKPT_NTYPES || (s->flags & ~HEXO_CKPT_SEC_ZERO))
			bad = "unknown type or flags";
		else if (s->size == 0 || s->gpa + s->size < s->gpa || s->gpa < prev_end)
			bad = "bad address or size";
		else if (s->gpa != lo[s->type])
			bad = "does not follow the previous section of its region";
		else if (zero && (s->offset || s->checksum))
			bad = "zero section with file bytes";
		else if (!zero && (s->offset < file_pos || s->offset % PAGE != s->gpa % PAGE ||
		                   s->offset > h->file_size || s->size > h->file_size - s->offset))
			bad = "bad file offset";
		if (bad) {
			hexo_ckpt_section_desc(s, i, desc, sizeof(desc));
			snprintf(what, sizeof(what), "%s: %s", desc, bad);
			return damaged(c->name, what, err, errlen);
		}
		lo[s->type] += s->size;
		prev_end = s->gpa + s->size;
		if (!zero)
			file_pos = s->offset + s->size;
	}
	for (int t = 1; t < HEXO_CKPT_NTYPES; t++) {
		if (lo[t] != hi[t]) {
			snprintf(what, sizeof(what), "the %s region is not covered by its sections",
			         hexo_ckpt_type_name((uint32_t)t));
			return damaged(c->name, what, err, errlen);
		}
	}
	return 0;
}

bool hexo_ckpt_section_ok(const struct hexo_ckpt *ck, size_t i)
{
	const struct hexo_ckpt_section *s = &ck->sections[i];

	if (s->flags & HEXO_CKPT_SEC_ZERO)
		return true;
	return XXH3_64bits(ck->data + s->offset, (size_t)s->size) == s->checksum;
}

static int check_data(const struct hexo_ckpt *c, char *err, size_t errlen)
{
	char what[160], desc[96];

	for (uint32_t i = 0; i < c->hdr->n_sections; i++) {
		if (!hexo_ckpt_section_ok(c, i)) {
			hexo_ckpt_section_desc(&c->sections[i], i, desc, sizeof(desc));
			snprintf(what, sizeof(what), "%s: checksum mismatch", desc);
			return damaged(c->name, what, err, errlen);
		}
	}
	return 0;
}

int hexo_ckpt_parse(const void *data, size_t size, const char *name, unsigned flags,
                    struct hexo_ckpt *ck, char *err, size_t errlen)
{
	struct hexo_ckpt c = {
	    .data = data, .size = size, .fd = -1, .name = name ? name : "checkpoint"};
	struct hexo_ckpt_header h;
	int ret;

	if ((uintptr_t)data % 8)
		return hexo_fail(err, errlen, -EINVAL, "%s: checkpoint buffer not 8-byte aligned",
		                 c.name);
	ret = check_header(data, size, c.name, &h, err, errlen);
	if (!ret)
		ret = check_tables(&h, data, c.name, err, errlen);
	if (ret)
		return ret;
	c.hdr = data;
	c.sections = (const void *)(c.data + h.sections_offset);
	c.files = (const void *)(c.data + h.files_offset);
	c.strings = (const char *)c.data + h.strings_offset;
	ret = check_files(&c, err, errlen);
	if (!ret)
		ret = check_kernel(&c, err, errlen);
	if (!ret)
		ret = check_sections(&c, err, errlen);
	if (!ret && !(flags & HEXO_CKPT_NO_DATA_CHECK)) {
		ret = check_data(&c, err, errlen);
		c.data_checked = true;
	}
	if (ret)
		return ret;
	*ck = c;
	return 0;
}

int hexo_ckpt_open(const char *path, unsigned flags, struct hexo_ckpt *ck, char *err, size_t errlen)
{
	struct hexo_ckpt c;
	struct stat st;
	void *p = NULL;
	int fd, ret;

	/* O_NONBLOCK: a FIFO given by mistake is refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return hexo_fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = hexo_fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = hexo_fail(err, errlen, -EINVAL, "%s: not a regular file: not a checkpoint",
		                path);
		goto out_close;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			ret = hexo_fail(err, errlen, -errno, "%s: cannot map the file: %s", path,
			                strerror(errno));
			goto out_close;
		}
		madvise(p, (size_t)st.st_size, MADV_WILLNEED); /* read ahead: a hint */
	}
	ret = hexo_ckpt_parse(p ? p : (void *)hexo_ckpt_zero_page, (size_t)st.st_size, path, flags,
	                      &c, err, errlen);
	if (ret) {
		if (p)
			munmap(p, (size_t)st.st_size);
		goto out_close;
	}
	c.fd = fd;
	*ck = c;
	return 0;

out_close:
	close(fd);
	return ret;
}

void hexo_ckpt_close(struct hexo_ckpt *ck)
{
	if (!ck)
		return;
	if (ck->fd >= 0) {
		munmap((void *)ck->data, ck->size);
		close(ck->fd);
	}
	memset(ck, 0, sizeof(*ck));
	ck->fd = -1;
}

const char *hexo_ckpt_string(const struct hexo_ckpt *ck, struct hexo_ckpt_str s)
{
	return ck->strings + s.off;
}

int hexo_ckpt_check_build_id(const struct hexo_ckpt *ck, const uint8_t build_id[16],
                             const char *image_name, char *err, size_t errlen)
{
	char want[33], have[33];

	if (!memcmp(ck->hdr->build_id, build_id, 16))
		return 0;
	hexo_build_id_hex(ck->hdr->build_id, want);
	hexo_build_id_hex(build_id, have);
	return hexo_fail(err, errlen, -EINVAL,
	                 "%s: taken from another image: the checkpoint's image (%s) has build id "
	                 "%s, %s has %s",
	                 ck->name, hexo_ckpt_string(ck, ck->hdr->image_name), want, image_name,
	                 have);
}

/* "dir/name" for the image's file name next to the checkpoint. */
static void beside(const char *ckpt, const char *name, char *buf, size_t len)
{
	const char *slash = strrchr(ckpt, '/');

	if (slash)
		snprintf(buf, len, "%.*s/%s", (int)(slash - ckpt), ckpt, name);
	else
		snprintf(buf, len, "%s", name);
}

int hexo_ckpt_find_image(const struct hexo_ckpt *ck, const char *ckpt_path, const char *override,
                         struct hexo_image *img, char *path, size_t len, char *err, size_t errlen)
{
	char cand[2][PATH_MAX + 256], e[HEXO_ERR_LEN], first[HEXO_ERR_LEN] = "";
	const char *name = hexo_ckpt_string(ck, ck->hdr->image_name);
	size_t n = 0;
	int ret = -ENOENT;

	if (override) {
		snprintf(cand[n++], sizeof(cand[0]), "%s", override);
	} else {
		snprintf(cand[n++], sizeof(cand[0]), "%s",
		         hexo_ckpt_string(ck, ck->hdr->image_path));
		beside(ckpt_path, name, cand[n], sizeof(cand[0]));
		n += strcmp(cand[1], cand[0]) != 0;
	}
	for (size_t i = 0; i < n; i++) {
		ret = hexo_image_open(cand[i], img, e, sizeof(e));
		if (!ret) {
			ret =
			    hexo_ckpt_check_build_id(ck, img->hdr->build_id, cand[i], e, sizeof(e));
			if (!ret) {
				snprintf(path, len, "%s", cand[i]);
				return 0;
			}
			hexo_image_close(img);
		}
		/* The first real problem (not a missing file) is the one to tell. */
		if (!*first && (ret != -ENOENT || override))
			snprintf(first, sizeof(first), "%s", e);
	}
	if (*first)
		return hexo_fail(err, errlen, ret, "%s", first);
	return hexo_fail(err, errlen, -ENOENT,
	                 "%s: its image %s is not at %s%s%s: give it with --image IMAGE", ckpt_path,
	                 name, cand[0], n > 1 ? " nor at " : "", n > 1 ? cand[1] : "");
}

int64_t hexo_ckpt_load_section(const struct hexo_ckpt *ck, size_t i, void *dst, bool map, char *err,
                               size_t errlen)
{
	const struct hexo_ckpt_section *s = &ck->sections[i];
	const uint8_t *src = ck->data + s->offset;
	uint8_t *d = dst;
	uint64_t head, end;

	if (s->flags & HEXO_CKPT_SEC_ZERO) {
		memset(d, 0, (size_t)s->size);
		return 0;
	}
	/* Whole pages [head, end) of the section, mapped from the file. */
	head = (PAGE - s->gpa % PAGE) % PAGE;
	end = s->size - (s->gpa + s->size) % PAGE;
	if (map && ck->fd >= 0 && head < end && end - head >= HEXO_CKPT_MMAP_MIN &&
	    (uintptr_t)(d + head) % PAGE == 0) {
		void *p = mmap(d + head, (size_t)(end - head), PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_FIXED, ck->fd, (off_t)(s->offset + head));

		if (p == MAP_FAILED)
			return hexo_fail(err, errlen, -errno, "%s: cannot map section %zu: %s",
			                 ck->name, i, strerror(errno));
		memcpy(d, src, (size_t)head);
		memcpy(d + end, src + end, (size_t)(s->size - end));
		return (int64_t)(end - head);
	}
	memcpy(d, src, (size_t)s->size);
	return 0;
}
