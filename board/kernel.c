// SPDX-License-Identifier: MIT
/*
 * The board's arm64 kernel: Debian's linux-image-cloud-arm64, fetched with
 * apt (multiarch) and unpacked once into
 *   ${HEXO_CACHE:-${XDG_CACHE_HOME:-~/.cache}/hexo}/board-kernel/<pkg>_<version>/
 *     vmlinuz         the kernel image
 *     modules/NAME.ko the virtio network modules and what they depend on
 *     modules.order   load order (dependencies first), one file name a line
 *     release         the kernel release (uname -r)
 *     ok              written last: the folder is complete
 * Later boards reuse the folder; without apt lists (offline) the newest
 * complete one is used. HEXO_BOARD_KERNEL_DEB=FILE.deb uses that package
 * instead of asking apt (HEXO_BOARD_KERNEL_PKG names another metapackage).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board_int.h"

#define KERNEL_META "linux-image-cloud-arm64"
#define MAX_MODS    64
#define MAX_PASSES  6

/* The modules hexo-init needs (virtio-mmio transport, virtio-net NIC). */
static const char *const required_mods[] = {"virtio_mmio", "virtio_net", NULL};
/* Their usual dependencies: asked for up front to save passes over the deb. */
static const char *const hint_mods[] = {"virtio_ring", "virtio", "failover", "net_failover", NULL};

struct mod {
	char name[64]; /* '-' folded to '_' */
	char deps[256];
	int required, done, ordered;
};

struct unpack {
	const char *dir; /* temporary folder being filled */
	struct mod mods[MAX_MODS];
	int nmods;
	int added; /* modules newly wanted during this pass */
	int have_vmlinuz;
	char release[128];
	char *builtin; /* modules.builtin, for dependencies built in */
};

/* --- cache location ------------------------------------------------------- */

static int cache_root(char *buf, size_t len)
{
	const char *c = getenv("HEXO_CACHE"), *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (c && *c)
		n = snprintf(buf, len, "%s/board-kernel", c);
	else if (x && *x)
		n = snprintf(buf, len, "%s/hexo/board-kernel", x);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/hexo/board-kernel", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int cached_ok(const char *dir)
{
	char p[PATH_MAX];

	return !board_path(p, sizeof(p), dir, "ok") && !access(p, F_OK);
}

static int kernel_load_meta(struct board_kernel *k)
{
	char p[PATH_MAX], *text = NULL;

	if (board_path(p, sizeof(p), k->dir, "release") || board_read_file(p, &text, NULL))
		return -ENOENT;
	sscanf(text, "%127s %63s", k->release, k->debver);
	free(text);
	return k->release[0] ? 0 : -EINVAL;
}

/* The newest complete cached kernel, for when apt cannot be asked. */
static int cache_newest(const char *root, struct board_kernel *k)
{
	char p[PATH_MAX];
	time_t best = 0;
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(root);

	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || board_path(p, sizeof(p), root, e->d_name))
			continue;
		if (!cached_ok(p) || stat(p, &st) || st.st_mtime < best)
			continue;
		best = st.st_mtime;
		snprintf(k->dir, sizeof(k->dir), "%s", p);
	}
	closedir(d);
	if (!best)
		return -ENOENT;
	return kernel_load_meta(k);
}

/* --- asking apt ------------------------------------------------------------ */

static void apt_error(const char *out, char *buf, size_t len)
{
	board_last_line(out ? out : "", "E: ", buf, len);
	if (!buf[0])
		board_last_line(out ? out : "", "", buf, len);
	if (!buf[0])
		snprintf(buf, len, "no output");
}

static int arm64_enabled(char *err, size_t errlen)
{
	char *argv[] = {"dpkg", "--print-foreign-architectures", NULL};
	char *out = NULL;
	int ret;

	ret = board_run(argv, NULL, &out);
	if (!ret && !strstr(out, "arm64"))
		ret = -ENOPKG;
	free(out);
	if (ret)
		hexo_seterr(err, errlen,
		          "apt has no arm64 packages: run as root: dpkg --add-architecture arm64 "
		          "&& apt-get update");
	return ret;
}

/* Finds the versioned kernel package the metapackage depends on. */
static int apt_resolve(const char *meta, char *pkg, size_t plen, char *err, size_t errlen)
{
	char spec[160], line[256], *out = NULL, *p;
	char *argv[] = {"apt-cache", "depends", spec, NULL};
	int ret;

	snprintf(spec, sizeof(spec), "%s:arm64", meta);
	ret = board_run(argv, NULL, &out);
	p = out ? strstr(out, "Depends: linux-image-") : NULL;
	if (ret || !p) {
		apt_error(out, line, sizeof(line));
		hexo_seterr(err, errlen, "cannot resolve %s with apt-cache (%s): run apt-get update",
		          spec, line);
		free(out);
		return -ENOPKG;
	}
	p += strlen("Depends: ");
	snprintf(pkg, plen, "%.*s", (int)strcspn(p, ":< \n"), p);
	free(out);
	return 0;
}

static int apt_candidate(const char *pkg, char *ver, size_t vlen, char *err, size_t errlen)
{
	char spec[160], line[256], *out = NULL, *p;
	char *argv[] = {"apt-cache", "policy", spec, NULL};
	int ret;

	snprintf(spec, sizeof(spec), "%s:arm64", pkg);
	ret = board_run(argv, NULL, &out);
	p = out ? strstr(out, "Candidate: ") : NULL;
	if (ret || !p || !strncmp(p, "Candidate: (none)", 17)) {
		apt_error(out, line, sizeof(line));
		hexo_seterr(err, errlen, "apt has no installable %s (%s): run apt-get update", spec,
		          line);
		free(out);
		return -ENOPKG;
	}
	p += strlen("Candidate: ");
	snprintf(ver, vlen, "%.*s", (int)strcspn(p, " \n"), p);
	free(out);
	return 0;
}

static int apt_download(const char *pkg, const char *ver, const char *dir, char *deb, size_t deblen,
                        char *err, size_t errlen)
{
	char spec[256], line[256], *out = NULL;
	char *argv[] = {"apt-get", "download", "-q", spec, NULL};
	struct dirent *e;
	DIR *d;
	int ret;

	snprintf(spec, sizeof(spec), "%s:arm64=%s", pkg, ver);
	ret = board_run(argv, dir, &out);
	if (ret) {
		apt_error(out, line, sizeof(line));
		hexo_seterr(err, errlen, "apt-get download %s failed: %s", spec, line);
		free(out);
		return ret;
	}
	free(out);
	d = opendir(dir);
	if (!d)
		return -errno;
	ret = -ENOENT;
	while (ret && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 4 && !strcmp(e->d_name + n - 4, ".deb"))
			ret = board_path(deb, deblen, dir, e->d_name);
	}
	closedir(d);
	if (ret)
		hexo_seterr(err, errlen, "apt-get download %s left no .deb in %s", spec, dir);
	return ret;
}

/* --- reading the .deb -------------------------------------------------------- */

static struct mod *mod_find(struct unpack *u, const char *name)
{
	int i;

	for (i = 0; i < u->nmods; i++) {
		if (!strcmp(u->mods[i].name, name))
			return &u->mods[i];
	}
	return NULL;
}

static struct mod *mod_want(struct unpack *u, const char *name, int required)
{
	struct mod *m = mod_find(u, name);

	if (m || u->nmods == MAX_MODS)
		return m;
	m = &u->mods[u->nmods++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->required = required;
	u->added++;
	return m;
}

/* "drivers/net/virtio_net.ko.xz" -> "virtio_net" and the compression suffix. */
static int mod_name(const char *path, char *name, size_t len, const char **comp)
{
	const char *base = strrchr(path, '/'), *ko;
	size_t i;

	base = base ? base + 1 : path;
	for (ko = strstr(base, ".ko"); ko && ko[3] && ko[3] != '.'; ko = strstr(ko + 1, ".ko"))
		;
	if (!ko)
		return -EINVAL;
	*comp = ko[3] ? ko + 4 : "";
	snprintf(name, len, "%.*s", (int)(ko - base), base);
	for (i = 0; name[i]; i++) {
		if (name[i] == '-')
			name[i] = '_';
	}
	return 0;
}

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

/* Copies the "depends=" field of a module's .modinfo section. */
static int modinfo_depends(void *ko, size_t len, char *deps, size_t dlen)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, off;
	Elf_Data *d;
	GElf_Shdr sh;
	const char *nm, *s;
	Elf *e;

	deps[0] = '\0';
	elf_version(EV_CURRENT);
	e = elf_memory(ko, len);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto bad;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(nm = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(nm, ".modinfo") || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		for (off = 0; off < d->d_size; off += strlen(s) + 1) {
			s = (const char *)d->d_buf + off;
			if (strnlen(s, d->d_size - off) == d->d_size - off)
				break;
			if (!strncmp(s, "depends=", 8))
				snprintf(deps, dlen, "%s", s + 8);
		}
		elf_end(e);
		return 0;
	}
bad:
	if (e)
		elf_end(e);
	return -ENOEXEC;
}

static void want_deps(struct unpack *u, const char *deps)
{
	char name[64];
	const char *p = deps;
	size_t n, i;

	while (*p) {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		for (i = 0; name[i]; i++) {
			if (name[i] == '-')
				name[i] = '_';
		}
		if (name[0])
			mod_want(u, name, 1);
		p += n;
		if (*p)
			p++;
	}
}

static int save_module(struct unpack *u, struct mod *m, void *ko, size_t len)
{
	char p[PATH_MAX], file[96];
	int ret;

	ret = modinfo_depends(ko, len, m->deps, sizeof(m->deps));
	if (ret)
		return ret;
	snprintf(file, sizeof(file), "modules/%s.ko", m->name);
	ret = board_path(p, sizeof(p), u->dir, file);
	if (!ret)
		ret = hexo_write_file_atomic(p, ko, len, 0644);
	if (ret)
		return ret;
	m->done = 1;
	want_deps(u, m->deps);
	return 0;
}

static int unpack_module(struct unpack *u, struct archive *a, struct archive_entry *e,
                         const char *path)
{
	char name[64];
	const char *comp;
	void *buf = NULL, *raw = NULL;
	size_t len, rawlen;
	struct mod *m;
	int ret;

	if (mod_name(path, name, sizeof(name), &comp))
		return 0;
	m = mod_find(u, name);
	if (!m || m->done)
		return 0;
	ret = read_entry(a, e, &buf, &len);
	if (ret)
		return ret;
	if (*comp) {
		ret = decompress(buf, len, &raw, &rawlen);
		if (!ret)
			ret = save_module(u, m, raw, rawlen);
		free(raw);
	} else {
		ret = save_module(u, m, buf, len);
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

static int unpack_entry(struct unpack *u, struct archive *a, struct archive_entry *e)
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
static int unpack_data(struct unpack *u, struct archive *outer, char *err, size_t errlen)
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

static int unpack_pass(struct unpack *u, const char *deb, char *err, size_t errlen)
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

static int builtin_has(const struct unpack *u, const char *name)
{
	char pat[80];
	const char *p = u->builtin;
	size_t n;

	if (!p)
		return 0;
	n = (size_t)snprintf(pat, sizeof(pat), "/%s.ko", name);
	while ((p = strstr(p, pat))) {
		if (p[n] == '\n' || p[n] == '\0' || p[n] == '.')
			return 1;
		p += n;
	}
	return 0;
}

static int missing_mods(const struct unpack *u, char *first, size_t len)
{
	int i, n = 0;

	for (i = 0; i < u->nmods; i++) {
		const struct mod *m = &u->mods[i];

		if (m->done || !m->required || builtin_has(u, m->name))
			continue;
		if (!n++)
			snprintf(first, len, "%s", m->name);
	}
	return n;
}

static int unpack_deb(struct unpack *u, const char *deb, char *err, size_t errlen)
{
	char miss[64];
	int pass, ret;

	for (pass = 0; pass < MAX_PASSES; pass++) {
		u->added = 0;
		ret = unpack_pass(u, deb, err, errlen);
		if (ret)
			return ret;
		if (!missing_mods(u, miss, sizeof(miss)))
			break;
		if (!u->added && pass > 0)
			break;
	}
	if (!u->have_vmlinuz) {
		hexo_seterr(err, errlen, "%s holds no boot/vmlinuz-*", deb);
		return -ENOENT;
	}
	if (missing_mods(u, miss, sizeof(miss))) {
		hexo_seterr(err, errlen, "%s lacks the kernel module %s", deb, miss);
		return -ENOENT;
	}
	return 0;
}

/* --- load order -------------------------------------------------------------- */

static int deps_ordered(const struct unpack *u, const struct mod *m)
{
	char name[64];
	const char *p = m->deps;
	const struct mod *d;
	size_t n;

	while (*p) {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		for (char *c = name; *c; c++) {
			if (*c == '-')
				*c = '_';
		}
		d = mod_find((struct unpack *)u, name);
		if (name[0] && !builtin_has(u, name) && (!d || !d->ordered))
			return 0;
		p += n;
		if (*p)
			p++;
	}
	return 1;
}

static int write_order(struct unpack *u, char *err, size_t errlen)
{
	char text[MAX_MODS * 72] = "", p[PATH_MAX];
	int i, progress = 1, ret;

	while (progress) {
		progress = 0;
		for (i = 0; i < u->nmods; i++) {
			struct mod *m = &u->mods[i];

			if (!m->done || m->ordered || !deps_ordered(u, m))
				continue;
			m->ordered = progress = 1;
			strcat(text, m->name);
			strcat(text, ".ko\n");
		}
	}
	for (i = 0; i < u->nmods; i++) {
		if (u->mods[i].done && !u->mods[i].ordered) {
			hexo_seterr(err, errlen, "kernel module %s has a dependency loop",
			          u->mods[i].name);
			return -ELOOP;
		}
	}
	ret = board_path(p, sizeof(p), u->dir, "modules.order");
	if (!ret)
		ret = hexo_write_file_atomic(p, text, strlen(text), 0644);
	return ret;
}

/* --- putting it together ----------------------------------------------------- */

static int unpack_into(const char *tmp, const char *deb, const char *debver, char *err,
                       size_t errlen)
{
	struct unpack u = {.dir = tmp};
	char p[PATH_MAX], text[256];
	int i, ret;

	for (i = 0; required_mods[i]; i++)
		mod_want(&u, required_mods[i], 1);
	for (i = 0; hint_mods[i]; i++)
		mod_want(&u, hint_mods[i], 0);
	ret = board_path(p, sizeof(p), tmp, "modules");
	if (!ret)
		ret = hexo_mkdir_p(p, 0755);
	if (!ret)
		ret = unpack_deb(&u, deb, err, errlen);
	if (!ret)
		ret = write_order(&u, err, errlen);
	if (!ret) {
		snprintf(text, sizeof(text), "%s %s\n", u.release, debver);
		ret = board_path(p, sizeof(p), tmp, "release");
		if (!ret)
			ret = hexo_write_file_atomic(p, text, strlen(text), 0644);
	}
	if (!ret && (ret = board_path(p, sizeof(p), tmp, "ok")) == 0)
		ret = hexo_write_file_atomic(p, "", 0, 0644);
	if (ret && !err[0])
		hexo_seterr(err, errlen, "cannot unpack the kernel into %s: %s", tmp, strerror(-ret));
	free(u.builtin);
	return ret;
}

/* Unpacks the local .deb `local`, or else the one apt downloads, into k->dir. */
static int fetch(const char *root, const char *pkg, const char *ver, const char *local,
                 struct board_kernel *k, char *err, size_t errlen)
{
	char tmp[PATH_MAX], deb[PATH_MAX];
	int ret, e;

	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%d", root, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	hexo_tree_rm(tmp);
	ret = hexo_mkdir_p(tmp, 0755);
	if (ret) {
		hexo_seterr(err, errlen, "cannot create %s: %s", tmp, strerror(-ret));
		return ret;
	}
	if (local) {
		snprintf(deb, sizeof(deb), "%s", local);
	} else {
		board_progress("fetching %s %s (arm64) with apt-get download...", pkg, ver);
		ret = apt_download(pkg, ver, tmp, deb, sizeof(deb), err, errlen);
	}
	if (!ret) {
		board_progress("unpacking the kernel and its virtio modules...");
		ret = unpack_into(tmp, deb, ver, err, errlen);
	}
	if (!ret) {
		if (!local)
			unlink(deb);
		if (rename(tmp, k->dir)) {
			e = errno;
			if (!cached_ok(k->dir)) {
				ret = -e;
				hexo_seterr(err, errlen, "cannot move %s to %s: %s", tmp, k->dir,
				          strerror(e));
			}
		}
	}
	hexo_tree_rm(tmp); /* left only if another process cached it first */
	return ret ? ret : kernel_load_meta(k);
}

/* HEXO_BOARD_KERNEL_DEB: a kernel .deb on disk instead of apt's. */
static int local_kernel(const char *root, const char *deb, struct board_kernel *k, char *err,
                        size_t errlen)
{
	char name[200], ver[64];
	const char *base = strrchr(deb, '/');
	struct stat st;
	size_t i;

	if (stat(deb, &st)) {
		hexo_seterr(err, errlen, "HEXO_BOARD_KERNEL_DEB=%s: %s", deb, strerror(errno));
		return -errno;
	}
	base = base ? base + 1 : deb;
	snprintf(ver, sizeof(ver), "local-%lld-%lld", (long long)st.st_size,
	         (long long)st.st_mtime);
	snprintf(name, sizeof(name), "%.*s_%s", (int)strcspn(base, "_"), base, ver);
	for (i = 0; name[i]; i++) {
		if (name[i] == ':' || name[i] == '/')
			name[i] = '_';
	}
	if (board_path(k->dir, sizeof(k->dir), root, name))
		return -ENAMETOOLONG;
	if (cached_ok(k->dir))
		return kernel_load_meta(k);
	return fetch(root, NULL, ver, deb, k, err, errlen);
}

static int resolve(const char *meta, char *pkg, size_t plen, char *ver, size_t vlen, char *err,
                   size_t errlen)
{
	int ret = arm64_enabled(err, errlen);

	if (!ret)
		ret = apt_resolve(meta, pkg, plen, err, errlen);
	if (!ret)
		ret = apt_candidate(pkg, ver, vlen, err, errlen);
	return ret;
}

int board_kernel_get(struct board_kernel *k, char *err, size_t errlen)
{
	const char *meta = getenv("HEXO_BOARD_KERNEL_PKG"), *deb = getenv("HEXO_BOARD_KERNEL_DEB");
	char root[PATH_MAX], pkg[128], ver[64], name[200];
	size_t i;
	int ret;

	memset(k, 0, sizeof(*k));
	if (!meta || !*meta)
		meta = KERNEL_META;
	ret = cache_root(root, sizeof(root));
	if (!ret)
		ret = hexo_mkdir_p(root, 0755);
	if (ret) {
		hexo_seterr(err, errlen, "cannot create the kernel cache %s: %s (set HEXO_CACHE)",
		          root, strerror(-ret));
		return ret;
	}
	if (deb && *deb)
		return local_kernel(root, deb, k, err, errlen);
	ret = resolve(meta, pkg, sizeof(pkg), ver, sizeof(ver), err, errlen);
	if (ret) {
		if (cache_newest(root, k))
			return ret;
		board_progress("warning: %s; using the cached kernel %s", err, k->release);
		err[0] = '\0';
		return 0;
	}
	snprintf(name, sizeof(name), "%s_%s", pkg + strlen("linux-image-"), ver);
	for (i = 0; name[i]; i++) {
		if (name[i] == ':' || name[i] == '/')
			name[i] = '_';
	}
	if (board_path(k->dir, sizeof(k->dir), root, name))
		return -ENAMETOOLONG;
	if (cached_ok(k->dir))
		return kernel_load_meta(k);
	return fetch(root, pkg, ver, NULL, k, err, errlen);
}
