// SPDX-License-Identifier: MIT
/*
 * What comes back from a job on a node (client_job.c hands each frame
 * over): the files it changed or created, written into the job directory
 * as a local run would have left them, the ones it deleted, and the
 * checkpoint it wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "client_int.h"
#include "proto_fs.h"

/* --- results ------------------------------------------------------------- */

/*
 * The mode for a file the job wrote. The job runs with umask 0, so a new
 * file comes with the mode the guest asked for: it gets our umask, as it
 * would in a local run. A file we sent keeps its mode (the guest cannot
 * change modes: a different one means it created the file anew).
 */
static unsigned result_mode(struct client *c, const struct hexo_msg_file *f)
{
	struct stat st;

	if (!fstatat(c->dirfd, f->path, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0777) == f->mode)
		return f->mode;
	return f->mode & ~(unsigned)c->umask;
}

int client_file_begin(struct client *c, const struct hexo_frame_hdr *h)
{
	struct hexo_msg_file f;
	char derr[320];
	int fd;

	if (c->outfd >= 0)
		return client_fail(c, -EPROTO, "FILE before the end of '%s'", c->cur);
	if (hexo_msg_file_decode(c->buf, h->len, &f, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	if (f.kind != HEXO_FILE_REG)
		return client_fail(c, -EPROTO, "a folder among the job's results");
	snprintf(c->cur, sizeof(c->cur), "%s", f.path);
	fd = hexo_tree_create_tmp(c->dirfd, c->cur, result_mode(c, &f), &c->tmpdir, c->tmp,
	                          sizeof(c->tmp));
	if (fd < 0)
		return client_fail(c, fd, "cannot write '%s/%s': %s", c->dir, c->cur,
		                   strerror(-fd));
	c->outfd = fd;
	c->left = f.size;
	return c->left ? 0 : 1;
}

int client_file_data(struct client *c, const struct hexo_frame_hdr *h)
{
	size_t off = 0;
	ssize_t w;

	if (c->outfd < 0 || !h->len || h->len > c->left)
		return client_fail(c, -EPROTO, "DATA frame out of place");
	while (off < h->len) {
		w = write(c->outfd, c->buf + off, h->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return client_fail(c, -errno, "writing '%s/%s': %s", c->dir, c->cur,
			                   strerror(errno));
		off += (size_t)w;
	}
	c->left -= h->len;
	return c->left ? 0 : 1;
}

/* The current file is complete: move it into place. */
int client_file_end(struct client *c)
{
	int ret;

	close(c->outfd);
	c->outfd = -1;
	ret = hexo_tree_commit(c->tmpdir, c->tmp, c->cur);
	if (ret)
		return client_fail(c, ret, "cannot write '%s/%s': %s", c->dir, c->cur,
		                   strerror(-ret));
	return 0;
}

int client_file_delete(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path;
	char derr[320];
	int ret;

	if (c->outfd >= 0)
		return client_fail(c, -EPROTO, "DELETE before the end of '%s'", c->cur);
	if (hexo_msg_path_decode(c->buf, h->len, &path, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	ret = hexo_tree_unlink(c->dirfd, path);
	if (ret)
		fprintf(stderr, "hexo: warning: cannot remove '%s/%s' as the job did: %s\n", c->dir,
		        path, strerror(-ret));
	return 0;
}

/* --- the checkpoint coming back ------------------------------------------ */

/*
 * CHECKPOINT: the job wrote one on the node. It goes to a temp file beside
 * o->checkpoint (DIR/.NAME.hexo-tmp-XXXXXX), renamed over it once whole
 * and synced, so the file is the old checkpoint or the new one, never half
 * of one; its mode is what a local run gives it (0666 less our umask).
 */
int client_ckpt_begin(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path = c->o ? c->o->checkpoint : NULL, *base;
	char derr[256];
	int fd;

	if (c->outfd >= 0 || c->ckfd >= 0 || c->ck_back)
		return client_fail(c, -EPROTO, "CHECKPOINT out of place");
	if (hexo_msg_checkpoint_decode(c->buf, h->len, &c->ck_left, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	if (!path)
		return client_fail(c, -EPROTO, "a checkpoint that was not asked for");
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (snprintf(c->cktmp, sizeof(c->cktmp), "%.*s.%s.hexo-tmp-XXXXXX", (int)(base - path),
	             path, base) >= (int)sizeof(c->cktmp))
		return client_fail(c, -ENAMETOOLONG, "checkpoint '%s': file name too long", path);
	fd = mkostemp(c->cktmp, O_CLOEXEC);
	if (fd < 0)
		return client_fail(c, -errno, "cannot write the checkpoint '%s': %s", path,
		                   strerror(errno));
	fchmod(fd, 0666 & ~c->umask);
	c->ckfd = fd;
	return 0;
}

/*
 * Whether path is something a default-named checkpoint must not replace: a
 * file that exists and is not a hexo checkpoint (a user's file that happens
 * to have the name), or no regular file at all.
 */
static bool not_a_checkpoint(const char *path)
{
	char magic[sizeof(HEXO_CKPT_MAGIC) - 1];
	struct stat st;
	bool other;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);

	if (fd < 0)
		return errno != ENOENT;
	other = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	        read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic) ||
	        memcmp(magic, HEXO_CKPT_MAGIC, sizeof(magic));
	close(fd);
	return other;
}

/*
 * Without --checkpoint, *path is IMAGE's name with .ckpt here: when a file
 * that is not a checkpoint has that name, the checkpoint goes to a new
 * file "*path.XXXXXX" (buf) instead, and that is said. 0 or -errno.
 */
static int checkpoint_target(struct client *c, const char **path, char *buf, size_t len)
{
	int fd;

	if (!c->o->checkpoint_default || !not_a_checkpoint(*path))
		return 0;
	if (snprintf(buf, len, "%s.XXXXXX", *path) >= (int)len)
		return -ENAMETOOLONG;
	fd = mkostemp(buf, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	fprintf(stderr,
	        "hexo: warning: '%s' is not a checkpoint and is kept: the job's checkpoint is "
	        "'%s' (give --checkpoint FILE)\n",
	        *path, buf);
	*path = buf;
	return 0;
}

/* fsync()s the folder that holds path (a rename in it must last). */
static void sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int client_ckpt_data(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path = c->o->checkpoint;
	char other[PATH_MAX];
	int ret;

	if (!h->len || h->len > c->ck_left)
		return client_fail(c, -EPROTO, "DATA frame out of place");
	ret = hexo_io_write_all(c->ckfd, c->buf, h->len, -1);
	if (ret)
		return client_fail(c, ret, "writing the checkpoint '%s': %s", path, strerror(-ret));
	c->ck_left -= h->len;
	if (c->ck_left)
		return 0;
	if (fsync(c->ckfd) < 0 || close(c->ckfd) < 0) {
		ret = -errno;
		c->ckfd = -1;
		unlink(c->cktmp);
		return client_fail(c, ret, "writing the checkpoint '%s': %s", path, strerror(-ret));
	}
	c->ckfd = -1;
	ret = checkpoint_target(c, &path, other, sizeof(other));
	if (ret) {
		unlink(c->cktmp);
		return client_fail(c, ret, "cannot write the checkpoint beside '%s': %s", path,
		                   strerror(-ret));
	}
	if (rename(c->cktmp, path) < 0) {
		ret = -errno;
		unlink(c->cktmp);
		return client_fail(c, ret, "cannot write the checkpoint '%s': %s", path,
		                   strerror(-ret));
	}
	sync_parent(path);
	c->ck_back = true;
	return 0;
}
