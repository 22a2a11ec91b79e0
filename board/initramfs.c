// SPDX-License-Identifier: MIT
/*
 * A board's initramfs: an uncompressed cpio "newc" archive (libarchive),
 *   /init                hexo-init
 *   /bin/hexod, /bin/hexo  the static aarch64 agent and monitor, when built
 *   /lib/modules/NAME.ko   the modules from the kernel cache
 *   /etc/hexo/modules      their load order
 *   /etc/hexo/secret       the agent's shared secret (0600)
 *   /dev/console, /proc, /sys, /tmp, /root
 * Written to PATH.tmp (mode 0600, it holds the secret), then renamed.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "board_int.h"

struct cpio {
	struct archive *a;
	struct archive_entry *e;
	time_t now;
	char *err;
	size_t errlen;
};

static int cpio_header(struct cpio *c, const char *path, mode_t mode, int64_t size)
{
	archive_entry_clear(c->e);
	archive_entry_set_pathname(c->e, path);
	archive_entry_set_mode(c->e, mode);
	archive_entry_set_uid(c->e, 0);
	archive_entry_set_gid(c->e, 0);
	archive_entry_set_nlink(c->e, S_ISDIR(mode) ? 2 : 1);
	archive_entry_set_mtime(c->e, c->now, 0);
	archive_entry_set_size(c->e, size);
	if (S_ISCHR(mode))
		archive_entry_set_rdev(c->e, makedev(5, 1));
	if (archive_write_header(c->a, c->e) != ARCHIVE_OK) {
		hexo_seterr(c->err, c->errlen, "cannot add %s to the initramfs: %s", path,
		          archive_error_string(c->a));
		return -EIO;
	}
	return 0;
}

static int cpio_data(struct cpio *c, const char *path, const void *data, size_t len, mode_t mode)
{
	int ret = cpio_header(c, path, S_IFREG | mode, (int64_t)len);

	if (ret)
		return ret;
	if (len && archive_write_data(c->a, data, len) != (la_ssize_t)len) {
		hexo_seterr(c->err, c->errlen, "cannot write %s into the initramfs: %s", path,
		          archive_error_string(c->a));
		return -EIO;
	}
	return 0;
}

static int cpio_file(struct cpio *c, const char *path, const char *src, mode_t mode)
{
	size_t len;
	char *data;
	int ret;

	ret = board_read_file(src, &data, &len);
	if (ret) {
		hexo_seterr(c->err, c->errlen, "cannot read %s: %s", src, strerror(-ret));
		return ret;
	}
	ret = cpio_data(c, path, data, len, mode);
	free(data);
	return ret;
}

static int cpio_skeleton(struct cpio *c)
{
	static const char *const dirs[] = {"bin",         "dev",  "etc", "etc/hexo", "lib",
	                                   "lib/modules", "proc", "sys", "root",     NULL};
	int i, ret = 0;

	for (i = 0; dirs[i] && !ret; i++)
		ret = cpio_header(c, dirs[i], S_IFDIR | 0755, 0);
	if (!ret)
		ret = cpio_header(c, "tmp", S_IFDIR | 01777, 0);
	if (!ret)
		ret = cpio_header(c, "dev/console", S_IFCHR | 0600, 0);
	return ret;
}

static int cpio_modules(struct cpio *c, const struct board_kernel *k)
{
	char src[PATH_MAX], dst[128], order_path[PATH_MAX], *order, *line, *save = NULL;
	int ret;

	ret = board_path(order_path, sizeof(order_path), k->dir, "modules.order");
	if (!ret)
		ret = board_read_file(order_path, &order, NULL);
	if (ret) {
		hexo_seterr(c->err, c->errlen, "cannot read %s: %s (remove %s to fetch it again)",
		          order_path, strerror(-ret), k->dir);
		return ret;
	}
	ret = cpio_data(c, "etc/hexo/modules", order, strlen(order), 0644);
	for (line = strtok_r(order, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		snprintf(dst, sizeof(dst), "lib/modules/%s", line);
		if (snprintf(src, sizeof(src), "%s/modules/%s", k->dir, line) >= (int)sizeof(src))
			ret = -ENAMETOOLONG;
		else
			ret = cpio_file(c, dst, src, 0644);
	}
	free(order);
	return ret;
}

static int cpio_contents(struct cpio *c, const struct board_rootfs *fs)
{
	int ret;

	ret = cpio_skeleton(c);
	if (!ret)
		ret = cpio_file(c, "init", fs->init, 0755);
	if (!ret && fs->hexod[0])
		ret = cpio_file(c, "bin/hexod", fs->hexod, 0755);
	if (!ret && fs->hexo[0])
		ret = cpio_file(c, "bin/hexo", fs->hexo, 0755);
	if (!ret)
		ret = cpio_modules(c, fs->kernel);
	if (!ret)
		ret = cpio_data(c, "etc/hexo/secret", fs->secret, strlen(fs->secret), 0600);
	return ret;
}

static int cpio_open(struct cpio *c, const char *tmp)
{
	c->a = archive_write_new();
	c->e = archive_entry_new();
	c->now = time(NULL);
	if (!c->a || !c->e)
		return -ENOMEM;
	if (archive_write_set_format_cpio_newc(c->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(c->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(c->a, 1) != ARCHIVE_OK ||
	    archive_write_open_filename(c->a, tmp) != ARCHIVE_OK) {
		hexo_seterr(c->err, c->errlen, "cannot create %s: %s", tmp,
		          archive_error_string(c->a));
		return -EIO;
	}
	return 0;
}

int board_initramfs_write(const char *path, const struct board_rootfs *fs, char *err, size_t errlen)
{
	struct cpio c = {.err = err, .errlen = errlen};
	char tmp[PATH_MAX];
	mode_t old;
	int ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	old = umask(077);
	ret = cpio_open(&c, tmp);
	umask(old);
	if (!ret)
		ret = cpio_contents(&c, fs);
	if (c.a && archive_write_close(c.a) != ARCHIVE_OK && !ret) {
		hexo_seterr(err, errlen, "cannot write %s: %s", tmp, archive_error_string(c.a));
		ret = -EIO;
	}
	if (c.a)
		archive_write_free(c.a);
	if (c.e)
		archive_entry_free(c.e);
	if (!ret && rename(tmp, path)) {
		ret = -errno;
		hexo_seterr(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
	}
	if (ret)
		unlink(tmp);
	return ret;
}
