// SPDX-License-Identifier: MIT
/*
 * Reading, verifying and writing .hexo image files (include/hexo/image.h).
 *
 * Verification order: magic, version, header size, file size against the
 * header, checksum, then the structure (entry count, table, entries). The
 * checksum comes before the structure so that a damaged file is reported as
 * damaged; the structural checks still run, so a well-checksummed file from a
 * buggy writer is refused too.
 *
 * hexo_image_open maps the file: if another process truncates it while it
 * is mapped, reading past the new end raises SIGBUS. hexocc never does that
 * (it writes a new file and renames it over the old one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <xxhash.h>

#include "err.h"
#include "fsutil.h"
#include "image_file.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the .hexo format is little-endian; this code reads it in place"
#endif

#define HDR_SIZE   sizeof(struct hexo_image_header)
#define ENTRY_SIZE sizeof(struct hexo_image_entry)
#define MAGIC_LEN  8
#define CSUM_OFF   offsetof(struct hexo_image_header, checksum)
#define CSUM_LEN   sizeof(uint64_t)

_Static_assert(sizeof(HEXO_IMAGE_MAGIC) - 1 == MAGIC_LEN, "magic is 8 bytes");

static const uint8_t zero_page[HEXO_IMAGE_ALIGN];


static uint64_t align_up(uint64_t v)
{
	return (v + HEXO_IMAGE_ALIGN - 1) & ~(uint64_t)(HEXO_IMAGE_ALIGN - 1);
}

static uint64_t table_end(uint32_t n_entries)
{
	return HDR_SIZE + (uint64_t)n_entries * ENTRY_SIZE;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case HEXO_IMAGE_ELF:
		return "ELF";
	case HEXO_IMAGE_MANIFEST:
		return "manifest";
	default:
		return "?";
	}
}

/* XXH3-64 of the image with the checksum field read as zero. */
static int image_checksum(const uint8_t *data, size_t size, uint64_t *out)
{
	XXH3_state_t *st = XXH3_createState();

	if (!st)
		return -ENOMEM;
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, data, CSUM_OFF);
	XXH3_64bits_update(st, zero_page, CSUM_LEN);
	XXH3_64bits_update(st, data + CSUM_OFF + CSUM_LEN, size - CSUM_OFF - CSUM_LEN);
	*out = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return 0;
}

/* A part (kind, isa) must be one the format knows. */
static bool part_known(uint32_t kind, uint32_t isa)
{
	if (kind == HEXO_IMAGE_ELF)
		return isa == HEXO_ISA_X86_64 || isa == HEXO_ISA_AARCH64;
	if (kind == HEXO_IMAGE_MANIFEST)
		return isa == HEXO_ISA_NONE;
	return false;
}

static int check_magic(const uint8_t *data, size_t size, const char *name, char *err, size_t errlen)
{
	size_t n = size < MAGIC_LEN ? size : MAGIC_LEN;

	if (size == 0) {
		hexo_seterr(err, errlen, "%s: empty file: not a hexo image", name);
		return -EINVAL;
	}
	if (memcmp(data, HEXO_IMAGE_MAGIC, n) != 0) {
		hexo_seterr(err, errlen, "%s: not a hexo image (bad magic)", name);
		return -EINVAL;
	}
	if (size < HDR_SIZE) {
		hexo_seterr(err, errlen,
		     "%s: truncated: %zu bytes, shorter than the %zu-byte image header: "
		     "rebuild it with hexocc",
		     name, size, HDR_SIZE);
		return -EINVAL;
	}
	return 0;
}

static int check_header(const struct hexo_image_header *h, size_t size, const char *name, char *err,
                        size_t errlen)
{
	if (h->version != HEXO_IMAGE_VERSION) {
		hexo_seterr(err, errlen,
		     "%s: image format version %u is not supported (this hexo reads version %u): "
		     "rebuild with this hexocc",
		     name, h->version, HEXO_IMAGE_VERSION);
		return -EINVAL;
	}
	if (h->file_size > size) {
		hexo_seterr(err, errlen,
		     "%s: truncated: file is %zu bytes, its header says %llu: rebuild it with "
		     "hexocc",
		     name, size, (unsigned long long)h->file_size);
		return -EINVAL;
	}
	if (h->file_size < size) {
		hexo_seterr(err, errlen,
		     "%s: file is %zu bytes but its header says %llu (trailing data or damaged "
		     "header): rebuild it with hexocc",
		     name, size, (unsigned long long)h->file_size);
		return -EINVAL;
	}
	return 0;
}

static int check_checksum(const uint8_t *data, size_t size, const char *name, char *err,
                          size_t errlen)
{
	uint64_t sum, want;
	int ret;

	memcpy(&want, data + CSUM_OFF, sizeof(want));
	ret = image_checksum(data, size, &sum);
	if (ret) {
		hexo_seterr(err, errlen, "%s: out of memory while checking the checksum", name);
		return ret;
	}
	if (sum != want) {
		hexo_seterr(err, errlen, "%s: checksum mismatch (file damaged?): rebuild it with hexocc",
		     name);
		return -EINVAL;
	}
	return 0;
}

static int check_table(const struct hexo_image_header *h, size_t size, const char *name, char *err,
                       size_t errlen)
{
	if (h->n_entries < 1 || h->n_entries > HEXO_IMAGE_MAX_ENTRIES) {
		hexo_seterr(err, errlen, "%s: bad entry count %u (must be 1..%u): rebuild it with hexocc",
		     name, h->n_entries, HEXO_IMAGE_MAX_ENTRIES);
		return -EINVAL;
	}
	if (table_end(h->n_entries) > size) {
		hexo_seterr(err, errlen, "%s: entry table runs past the end of the file", name);
		return -EINVAL;
	}
	if (h->flags != 0) {
		hexo_seterr(err, errlen,
		     "%s: unknown image flags 0x%x (made by a newer hexocc?): rebuild with this "
		     "hexocc",
		     name, h->flags);
		return -EINVAL;
	}
	return 0;
}

static int check_entry(const struct hexo_image_entry *e, unsigned int i, uint64_t tbl_end,
                       size_t size, const char *name, char *err, size_t errlen)
{
	if (!part_known(e->kind, e->isa)) {
		hexo_seterr(err, errlen,
		     "%s: entry %u has unknown kind %u / isa %u (made by a newer hexocc?): "
		     "rebuild with this hexocc",
		     name, i, e->kind, e->isa);
		return -EINVAL;
	}
	if (e->offset % HEXO_IMAGE_ALIGN != 0 || e->offset < tbl_end) {
		hexo_seterr(err, errlen, "%s: entry %u has a bad offset %llu (damaged?)", name, i,
		     (unsigned long long)e->offset);
		return -EINVAL;
	}
	if (e->size == 0) {
		hexo_seterr(err, errlen, "%s: entry %u (%s) is empty", name, i, kind_name(e->kind));
		return -EINVAL;
	}
	if (e->offset > size || e->size > size - e->offset) {
		hexo_seterr(err, errlen,
		     "%s: entry %u (offset %llu, %llu bytes) runs past the end of the file "
		     "(%zu bytes)",
		     name, i, (unsigned long long)e->offset, (unsigned long long)e->size, size);
		return -EINVAL;
	}
	return 0;
}

/* Entries already passed check_entry, so offset + size cannot overflow. */
static bool entries_overlap(const struct hexo_image_entry *a, const struct hexo_image_entry *b)
{
	return a->offset < b->offset + b->size && b->offset < a->offset + a->size;
}

static int check_pairs(const struct hexo_image_entry *e, uint32_t n, const char *name, char *err,
                       size_t errlen)
{
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = i + 1; j < n; j++) {
			if (entries_overlap(&e[i], &e[j])) {
				hexo_seterr(err, errlen, "%s: entries %u and %u overlap (damaged?)", name,
				     i, j);
				return -EINVAL;
			}
			if (e[i].kind == e[j].kind && e[i].isa == e[j].isa) {
				hexo_seterr(err, errlen, "%s: entries %u and %u are both the %s for %s",
				     name, i, j, kind_name(e[i].kind), hexo_isa_name(e[i].isa));
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_entries(const struct hexo_image_header *h, const uint8_t *data, size_t size,
                         const char *name, char *err, size_t errlen)
{
	struct hexo_image_entry tbl[HEXO_IMAGE_MAX_ENTRIES];
	uint64_t end = table_end(h->n_entries);
	int ret;

	memcpy(tbl, data + HDR_SIZE, h->n_entries * ENTRY_SIZE);
	for (uint32_t i = 0; i < h->n_entries; i++) {
		ret = check_entry(&tbl[i], i, end, size, name, err, errlen);
		if (ret)
			return ret;
	}
	return check_pairs(tbl, h->n_entries, name, err, errlen);
}

static int check_manifest(const uint8_t *data, size_t size, const char *name, char *err,
                          size_t errlen);

int hexo_image_verify(const void *data, size_t size, const char *name, char *err, size_t errlen)
{
	struct hexo_image_header h;
	int ret;

	if (!name)
		name = "image";
	ret = check_magic(data, size, name, err, errlen);
	if (ret)
		return ret;
	memcpy(&h, data, sizeof(h));
	ret = check_header(&h, size, name, err, errlen);
	if (ret)
		return ret;
	ret = check_checksum(data, size, name, err, errlen);
	if (ret)
		return ret;
	ret = check_table(&h, size, name, err, errlen);
	if (ret)
		return ret;
	ret = check_entries(&h, data, size, name, err, errlen);
	if (ret)
		return ret;
	return check_manifest(data, size, name, err, errlen);
}

static int map_file(int fd, const char *path, const uint8_t **data, size_t *size, char *err,
                    size_t errlen)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0) {
		hexo_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		hexo_seterr(err, errlen, "%s: not a regular file: give the path of a .hexo image", path);
		return -EINVAL;
	}
	*data = NULL;
	*size = (size_t)st.st_size;
	if (*size == 0)
		return 0;
	p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		hexo_seterr(err, errlen, "%s: cannot map the file: %s", path, strerror(errno));
		return -errno;
	}
	*data = p;
	return 0;
}

int hexo_image_open(const char *path, struct hexo_image *img, char *err, size_t errlen)
{
	const uint8_t *data;
	size_t size;
	int fd, ret;

	memset(img, 0, sizeof(*img));
	/* O_NONBLOCK: a FIFO given by mistake is refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		hexo_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = map_file(fd, path, &data, &size, err, errlen);
	close(fd);
	if (ret)
		return ret;
	ret = hexo_image_verify(data, size, path, err, errlen);
	if (ret)
		goto out_unmap;
	img->data = data;
	img->size = size;
	img->hdr = (const void *)data;
	img->entries = (const void *)(data + HDR_SIZE);
	return 0;

out_unmap:
	if (data)
		munmap((void *)data, size);
	return ret;
}

const void *hexo_image_find(const struct hexo_image *img, uint32_t kind, uint32_t isa, size_t *size)
{
	if (!img || !img->hdr)
		return NULL;
	for (uint32_t i = 0; i < img->hdr->n_entries; i++) {
		const struct hexo_image_entry *e = &img->entries[i];

		if (e->kind == kind && e->isa == isa) {
			if (size)
				*size = e->size;
			return img->data + e->offset;
		}
	}
	return NULL;
}

void hexo_image_close(struct hexo_image *img)
{
	if (!img)
		return;
	if (img->data)
		munmap((void *)img->data, img->size);
	memset(img, 0, sizeof(*img));
}

int hexo_image_build_id(const struct hexo_image_part *parts, size_t n, uint8_t id[16])
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t c;

	if (!st)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	for (size_t i = 0; i < n; i++)
		if (parts[i].kind == HEXO_IMAGE_ELF)
			XXH3_128bits_update(st, parts[i].data, parts[i].size);
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
	XXH3_freeState(st);
	memcpy(id, c.digest, 16);
	return 0;
}

void hexo_build_id_hex(const uint8_t id[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

const char *hexo_image_manifest(const struct hexo_image *img, size_t *size)
{
	return hexo_image_find(img, HEXO_IMAGE_MANIFEST, HEXO_ISA_NONE, size);
}

/*
 * A manifest must be one JSON object (docs/image-format.md); its "build_id",
 * when there is one, must name this image: a manifest copied from another
 * build is refused like a damaged file.
 */
static int check_manifest(const uint8_t *data, size_t size, const char *name, char *err,
                          size_t errlen)
{
	const struct hexo_image_header *h = (const void *)data;
	const struct hexo_image_entry *tbl = (const void *)(data + HDR_SIZE);
	struct json_tokener *tok;
	struct json_object *root = NULL, *id;
	char want[33];
	int ret = -EINVAL;

	(void)size; /* check_entries has put every payload inside the file */
	for (uint32_t i = 0; i < h->n_entries; i++) {
		const struct hexo_image_entry *e = &tbl[i];

		if (e->kind != HEXO_IMAGE_MANIFEST)
			continue;
		if (memchr(data + e->offset, 0, e->size) || e->size > INT32_MAX) {
			hexo_seterr(err, errlen, "%s: manifest is not JSON text (file damaged?)", name);
			return -EINVAL;
		}
		tok = json_tokener_new();
		if (!tok) {
			hexo_seterr(err, errlen, "%s: out of memory", name);
			return -ENOMEM;
		}
		root = json_tokener_parse_ex(tok, (const char *)data + e->offset, (int)e->size);
		if (!root || json_tokener_get_error(tok) != json_tokener_success ||
		    !json_object_is_type(root, json_type_object)) {
			hexo_seterr(err, errlen, "%s: manifest is not a JSON object (file damaged?)",
			            name);
			goto out;
		}
		hexo_build_id_hex(h->build_id, want);
		if (json_object_object_get_ex(root, "build_id", &id) &&
		    (!json_object_is_type(id, json_type_string) ||
		     strcmp(json_object_get_string(id), want))) {
			hexo_seterr(err, errlen,
			            "%s: manifest names another build than the image's %s (file "
			            "damaged?): rebuild it with hexocc",
			            name, want);
			goto out;
		}
		ret = 0;
	out:
		json_object_put(root);
		json_tokener_free(tok);
		return ret;
	}
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

static int check_parts(const struct hexo_image_part *parts, size_t n, const char *path, char *err,
                       size_t errlen)
{
	if (n < 1 || n > HEXO_IMAGE_MAX_ENTRIES) {
		hexo_seterr(err, errlen, "%s: an image holds 1..%u parts, not %zu", path,
		     HEXO_IMAGE_MAX_ENTRIES, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!part_known(parts[i].kind, parts[i].isa)) {
			hexo_seterr(err, errlen, "%s: part %zu has unknown kind %u / isa %u", path, i,
			     parts[i].kind, parts[i].isa);
			return -EINVAL;
		}
		if (!parts[i].size || !parts[i].data) {
			hexo_seterr(err, errlen, "%s: part %zu (%s) is empty", path, i,
			     kind_name(parts[i].kind));
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (parts[j].kind == parts[i].kind && parts[j].isa == parts[i].isa) {
				hexo_seterr(err, errlen, "%s: parts %zu and %zu are both the %s for %s",
				     path, j, i, kind_name(parts[i].kind),
				     hexo_isa_name(parts[i].isa));
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Fills the header (checksum 0) and the table, computes the build id. */
static int build_head(const struct hexo_image_part *parts, size_t n, struct hexo_image_header *h,
                      struct hexo_image_entry *tbl)
{
	uint64_t off = table_end((uint32_t)n);

	memset(h, 0, sizeof(*h));
	memset(tbl, 0, n * sizeof(*tbl));
	for (size_t i = 0; i < n; i++) {
		off = align_up(off);
		tbl[i].kind = parts[i].kind;
		tbl[i].isa = parts[i].isa;
		tbl[i].offset = off;
		tbl[i].size = parts[i].size;
		off += parts[i].size;
	}
	if (hexo_image_build_id(parts, n, h->build_id))
		return -ENOMEM;
	memcpy(h->magic, HEXO_IMAGE_MAGIC, MAGIC_LEN);
	h->version = HEXO_IMAGE_VERSION;
	h->n_entries = (uint32_t)n;
	h->file_size = off;
	return 0;
}

struct writer {
	int fd;
	uint64_t pos;
	XXH3_state_t *sum;
};

/* Appends buf to the file and to the checksum. */
static int write_all(struct writer *w, const void *buf, size_t len)
{
	int ret;

	XXH3_64bits_update(w->sum, buf, len);
	ret = hexo_write_all(w->fd, buf, len);
	if (!ret)
		w->pos += len;
	return ret;
}

static int write_pad(struct writer *w, uint64_t to)
{
	int ret = 0;

	while (!ret && w->pos < to) {
		uint64_t n = to - w->pos;

		ret = write_all(w, zero_page, n < sizeof(zero_page) ? n : sizeof(zero_page));
	}
	return ret;
}

/* Writes header (checksum 0), table and payloads, then the checksum. */
static int write_body(int fd, const struct hexo_image_part *parts, size_t n,
                      struct hexo_image_header *h, const struct hexo_image_entry *tbl)
{
	struct writer w = {.fd = fd, .pos = 0, .sum = XXH3_createState()};
	int ret;

	if (!w.sum)
		return -ENOMEM;
	XXH3_64bits_reset(w.sum);
	ret = write_all(&w, h, sizeof(*h));
	if (!ret)
		ret = write_all(&w, tbl, n * sizeof(*tbl));
	for (size_t i = 0; !ret && i < n; i++) {
		ret = write_pad(&w, tbl[i].offset);
		if (!ret)
			ret = write_all(&w, parts[i].data, parts[i].size);
	}
	h->checksum = XXH3_64bits_digest(w.sum);
	XXH3_freeState(w.sum);
	if (ret)
		return ret;
	if (lseek(fd, (off_t)CSUM_OFF, SEEK_SET) < 0)
		return -errno;
	return hexo_write_all(fd, &h->checksum, sizeof(h->checksum));
}

/* Creates "<path>.tmp.<pid>.<n>" exclusively, mode 0666 & ~umask. */
static int create_temp(const char *path, char **tmp)
{
	for (unsigned int i = 0; i < 100; i++) {
		int fd;

		if (asprintf(tmp, "%s.tmp.%ld.%u", path, (long)getpid(), i) < 0)
			return -ENOMEM;
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		free(*tmp);
		*tmp = NULL;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static int write_file(const char *path, const struct hexo_image_part *parts, size_t n,
                      struct hexo_image_header *h, const struct hexo_image_entry *tbl, char *err,
                      size_t errlen)
{
	char *tmp = NULL;
	int fd, ret;

	fd = create_temp(path, &tmp);
	if (fd < 0) {
		hexo_seterr(err, errlen, "%s: cannot create a file next to it: %s", path, strerror(-fd));
		return fd;
	}
	ret = write_body(fd, parts, n, h, tbl);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret) {
		hexo_seterr(err, errlen, "%s: write failed: %s", path, strerror(-ret));
		goto out_unlink;
	}
	if (rename(tmp, path) < 0) {
		ret = -errno;
		hexo_seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out_unlink;
	}
	free(tmp);
	return 0;

out_unlink:
	unlink(tmp);
	free(tmp);
	return ret;
}

int hexo_image_write(const char *path, const struct hexo_image_part *parts, size_t n, char *err,
                     size_t errlen)
{
	struct hexo_image_entry tbl[HEXO_IMAGE_MAX_ENTRIES];
	struct hexo_image_header h;
	int ret;

	ret = check_parts(parts, n, path, err, errlen);
	if (ret)
		return ret;
	ret = build_head(parts, n, &h, tbl);
	if (ret) {
		hexo_seterr(err, errlen, "%s: out of memory", path);
		return ret;
	}
	return write_file(path, parts, n, &h, tbl, err, errlen);
}
