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
 *
 * Here: the cache and putting it together; kernel_apt.c asks apt,
 * kernel_deb.c reads the package, kernel_modules.c decides which modules
 * and their load order.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board_int.h"

#define KERNEL_META "linux-image-cloud-arm64"

/* The modules hexo-init needs (virtio-mmio transport, virtio-net NIC). */
static const char *const required_mods[] = {"virtio_mmio", "virtio_net", NULL};
/* Their usual dependencies: asked for up front to save passes over the deb. */
static const char *const hint_mods[] = {"virtio_ring", "virtio", "failover", "net_failover", NULL};

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

/* --- putting it together ----------------------------------------------------- */

static int unpack_into(const char *tmp, const char *deb, const char *debver, char *err,
                       size_t errlen)
{
	struct board_unpack u = {.dir = tmp};
	char p[PATH_MAX], text[256];
	int i, ret;

	for (i = 0; required_mods[i]; i++)
		board_mod_want(&u, required_mods[i], 1);
	for (i = 0; hint_mods[i]; i++)
		board_mod_want(&u, hint_mods[i], 0);
	ret = board_path(p, sizeof(p), tmp, "modules");
	if (!ret)
		ret = hexo_mkdir_p(p, 0755);
	if (!ret)
		ret = board_deb_unpack(&u, deb, err, errlen);
	if (!ret)
		ret = board_mods_write_order(&u, err, errlen);
	if (!ret) {
		snprintf(text, sizeof(text), "%s %s\n", u.release, debver);
		ret = board_path(p, sizeof(p), tmp, "release");
		if (!ret)
			ret = hexo_write_file_atomic(p, text, strlen(text), 0644);
	}
	if (!ret && (ret = board_path(p, sizeof(p), tmp, "ok")) == 0)
		ret = hexo_write_file_atomic(p, "", 0, 0644);
	if (ret && !err[0])
		hexo_seterr(err, errlen, "cannot unpack the kernel into %s: %s", tmp,
		            strerror(-ret));
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
		ret = board_apt_download(pkg, ver, tmp, deb, sizeof(deb), err, errlen);
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

/*
 * k->dir = root/name (':' and '/' in name made '_'): the kernel cached
 * there, else fetched into it (from the .deb `local`, else with apt).
 */
static int cached_or_fetch(const char *root, char *name, const char *pkg, const char *ver,
                           const char *local, struct board_kernel *k, char *err, size_t errlen)
{
	for (size_t i = 0; name[i]; i++) {
		if (name[i] == ':' || name[i] == '/')
			name[i] = '_';
	}
	if (board_path(k->dir, sizeof(k->dir), root, name))
		return -ENAMETOOLONG;
	if (cached_ok(k->dir))
		return kernel_load_meta(k);
	return fetch(root, pkg, ver, local, k, err, errlen);
}

/* HEXO_BOARD_KERNEL_DEB: a kernel .deb on disk instead of apt's. */
static int local_kernel(const char *root, const char *deb, struct board_kernel *k, char *err,
                        size_t errlen)
{
	char name[200], ver[64];
	const char *base = strrchr(deb, '/');
	struct stat st;

	if (stat(deb, &st)) {
		hexo_seterr(err, errlen, "HEXO_BOARD_KERNEL_DEB=%s: %s", deb, strerror(errno));
		return -errno;
	}
	base = base ? base + 1 : deb;
	snprintf(ver, sizeof(ver), "local-%lld-%lld", (long long)st.st_size,
	         (long long)st.st_mtime);
	snprintf(name, sizeof(name), "%.*s_%s", (int)strcspn(base, "_"), base, ver);
	return cached_or_fetch(root, name, NULL, ver, deb, k, err, errlen);
}

int board_kernel_get(struct board_kernel *k, char *err, size_t errlen)
{
	const char *meta = getenv("HEXO_BOARD_KERNEL_PKG"), *deb = getenv("HEXO_BOARD_KERNEL_DEB");
	char root[PATH_MAX], pkg[128], ver[64], name[200];
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
	ret = board_apt_resolve(meta, pkg, sizeof(pkg), ver, sizeof(ver), err, errlen);
	if (ret) {
		if (cache_newest(root, k))
			return ret;
		board_progress("warning: %s; using the cached kernel %s", err, k->release);
		err[0] = '\0';
		return 0;
	}
	snprintf(name, sizeof(name), "%s_%s", pkg + strlen("linux-image-"), ver);
	return cached_or_fetch(root, name, pkg, ver, NULL, k, err, errlen);
}
