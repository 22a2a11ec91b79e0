// SPDX-License-Identifier: MIT
/*
 * Reading the board's kernel package (kernel.c) with libarchive: the .deb
 * (an ar archive) holds data.tar.*, whose boot/vmlinuz-* and wanted
 * modules (lib/modules/<release>/kernel/..., compressed or not) are
 * unpacked into the folder being filled, and whose modules.builtin is kept
 * in memory. The wanted list grows with each module's dependencies
 * (kernel_modules.c), so the package is read again until nothing is
 * missing.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_int.h"

#define MAX_PASSES 6

static int read_entry(struct archive *a, struct archive_entry *e, void **buf, size_t *len)
{
	la_int64_t size = archive_entry_size(e);
	la_ssize_t r;
	size_t n = 0;
	char *p;

	if (size < 0 || size > (1 << 30))
		return -EFBIG;
	p = malloc((size_t)size + 1);
	if (!p)
		return -ENOMEM;
	while (n < (size_t)size && (r = archive_read_data(a, p + n, (size_t)size - n)) > 0)
		n += (size_t)r;
	if (n != (size_t)size) {
		free(p);
		return -EIO;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

/*
 * The compressions Debian uses for data.tar and for modules. Named one by one
 * (not _all) so a static link pulls no lz4, xml2 or acl code.
 */
static void read_filters(struct archive *a)
{
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_gzip(a);
}

/* Unpacks a compressed module (.xz, .zst, .gz) with libarchive's raw reader. */
static int decompress(const void *in, size_t inlen, void **out, size_t *outlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t cap = inlen * 4 + 4096, n = 0;
	char *buf = malloc(cap), *nb;
	la_ssize_t r;
	int ret = -EIO;

	if (!a || !buf)
		goto out;
	read_filters(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, in, inlen) || archive_read_next_header(a, &e))
		goto out;
	while ((r = archive_read_data(a, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n < cap)
			continue;
		nb = realloc(buf, cap * 2);
		if (!nb)
			goto out;
		buf = nb;
		cap *= 2;
	}
	if (r == 0) {
		*out = buf;
		*outlen = n;
		buf = NULL;
		ret = 0;
	}
out:
	free(buf);
	if (a)
		archive_read_free(a);
	return ret;
}

static int unpack_module(struct board_unpack *u, struct archive *a, struct archive_entry *e,
                         const char *path)
{
	char name[64];
	const char *comp;
	void *buf = NULL, *raw = NULL;
	size_t len, rawlen;
	struct board_mod *m;
	int ret;

	if (board_mod_name(path, name, sizeof(name), &comp))
		return 0;
	m = board_mod_find(u, name);
	if (!m || m->done)
		return 0;
	ret = read_entry(a, e, &buf, &len);
	if (ret)
		return ret;
	if (*comp) {
		ret = decompress(buf, len, &raw, &rawlen);
		if (!ret)
			ret = board_mod_save(u, m, raw, rawlen);
		free(raw);
	} else {
		ret = board_mod_save(u, m, buf, len);
	}
	free(buf);
	return ret;
}

static int unpack_file(struct archive *a, struct archive_entry *e, const char *dir,
                       const char *name, char **keep)
{
	char p[PATH_MAX];
	void *buf;
	size_t len;
	int ret;

	ret = read_entry(a, e, &buf, &len);
	if (ret)
		return ret;
	if (keep) {
		free(*keep);
		*keep = buf;
		return 0;
	}
	ret = board_path(p, sizeof(p), dir, name);
	if (!ret)
		ret = hexo_write_file_atomic(p, buf, len, 0644);
	free(buf);
	return ret;
}

/* lib/modules/<release>/... or usr/lib/modules/<release>/... */
static const char *modules_rel(const char *path, char *release, size_t len)
{
	const char *p = strstr(path, "lib/modules/");

	if (!p || (p != path && strncmp(path, "usr/", 4)))
		return NULL;
	p += strlen("lib/modules/");
	if (!release[0])
		snprintf(release, len, "%.*s", (int)strcspn(p, "/"), p);
	p += strcspn(p, "/");
	return *p ? p + 1 : NULL;
}

static int unpack_entry(struct board_unpack *u, struct archive *a, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *rel;

	if (!path || archive_entry_filetype(e) != AE_IFREG)
		return 0;
	if (!strncmp(path, "./", 2))
		path += 2;
	if (!strncmp(path, "boot/vmlinuz-", 13) && !u->have_vmlinuz) {
		u->have_vmlinuz = 1;
		return unpack_file(a, e, u->dir, "vmlinuz", NULL);
	}
	rel = modules_rel(path, u->release, sizeof(u->release));
	if (!rel)
		return 0;
	if (!strcmp(rel, "modules.builtin"))
		return unpack_file(a, e, NULL, NULL, &u->builtin);
	if (!strncmp(rel, "kernel/", 7))
		return unpack_module(u, a, e, rel);
	return 0;
}

struct nested {
	struct archive *outer;
	char buf[64 << 10];
};

static la_ssize_t nested_read(struct archive *a, void *arg, const void **buf)
{
	struct nested *n = arg;

	(void)a;
	*buf = n->buf;
	return archive_read_data(n->outer, n->buf, sizeof(n->buf));
}

/* Walks the data.tar.* member of the deb at the outer archive's position. */
static int unpack_data(struct board_unpack *u, struct archive *outer, char *err, size_t errlen)
{
	struct nested *n = malloc(sizeof(*n));
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, ret = -ENOMEM;

	if (!n || !a)
		goto out;
	n->outer = outer;
	read_filters(a);
	archive_read_support_format_tar(a);
	ret = -EIO;
	if (archive_read_open(a, n, NULL, nested_read, NULL)) {
		hexo_seterr(err, errlen, "cannot read the kernel package: %s",
		            archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		ret = unpack_entry(u, a, e);
		if (ret) {
			hexo_seterr(err, errlen, "cannot unpack %s from the kernel package: %s",
			            archive_entry_pathname(e), strerror(-ret));
			goto out;
		}
	}
	ret = r == ARCHIVE_EOF ? 0 : -EIO;
	if (ret)
		hexo_seterr(err, errlen, "the kernel package is damaged: %s",
		            archive_error_string(a));
out:
	if (a)
		archive_read_free(a);
	free(n);
	return ret;
}

static int unpack_pass(struct board_unpack *u, const char *deb, char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int ret = -ENOENT;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, deb, 64 << 10)) {
		hexo_seterr(err, errlen, "cannot open %s: %s", deb, archive_error_string(a));
		archive_read_free(a);
		return -EIO;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strncmp(archive_entry_pathname(e), "data.tar", 8))
			continue;
		ret = unpack_data(u, a, err, errlen);
		break;
	}
	if (ret == -ENOENT)
		hexo_seterr(err, errlen, "%s holds no data.tar member", deb);
	archive_read_free(a);
	return ret;
}

int board_deb_unpack(struct board_unpack *u, const char *deb, char *err, size_t errlen)
{
	char miss[64];
	int pass, ret;

	for (pass = 0; pass < MAX_PASSES; pass++) {
		u->added = 0;
		ret = unpack_pass(u, deb, err, errlen);
		if (ret)
			return ret;
		if (!board_mods_missing(u, miss, sizeof(miss)))
			break;
		if (!u->added && pass > 0)
			break;
	}
	if (!u->have_vmlinuz) {
		hexo_seterr(err, errlen, "%s holds no boot/vmlinuz-*", deb);
		return -ENOENT;
	}
	if (board_mods_missing(u, miss, sizeof(miss))) {
		hexo_seterr(err, errlen, "%s lacks the kernel module %s", deb, miss);
		return -ENOENT;
	}
	return 0;
}
