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
	int ret;

	if (c->out.fd >= 0)
		return client_fail(c, -EPROTO, "FILE before the end of '%s'", c->cur);
	if (hexo_msg_file_decode(c->buf, h->len, &f, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	if (f.kind != HEXO_FILE_REG)
		return client_fail(c, -EPROTO, "a folder among the job's results");
	snprintf(c->cur, sizeof(c->cur), "%s", f.path);
	ret = hexo_tree_create(c->dirfd, c->cur, result_mode(c, &f), &c->out);
	if (ret)
		return client_fail(c, ret, "cannot write '%s/%s': %s", c->dir, c->cur,
		                   strerror(-ret));
	c->left = f.size;
	return c->left ? 0 : 1;
}

int client_file_data(struct client *c, const struct hexo_frame_hdr *h)
{
	size_t off = 0;
	ssize_t w;

	if (c->out.fd < 0 || !h->len || h->len > c->left)
		return client_fail(c, -EPROTO, "DATA frame out of place");
	while (off < h->len) {
		w = write(c->out.fd, c->buf + off, h->len - off);
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

	ret = hexo_tree_commit(&c->out, c->cur);
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

	if (c->out.fd >= 0)
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
 * CHECKPOINT: the job wrote one on the node. It goes to a new file in
 * o->checkpoint's folder (lib/fsutil.h, hexo_newfile) that takes the name
 * only once it is whole and synced, so the file is the old checkpoint or
 * the new one, never half of one; its mode is what a local run gives it
 * (0666 less our umask).
 */
int client_ckpt_begin(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path = c->o ? c->o->checkpoint : NULL, *base;
	char derr[256];
	int ret;

	if (c->out.fd >= 0 || c->ck.fd >= 0 || c->ck_back)
		return client_fail(c, -EPROTO, "CHECKPOINT out of place");
	if (hexo_msg_checkpoint_decode(c->buf, h->len, &c->ck_left, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	if (!path)
		return client_fail(c, -EPROTO, "a checkpoint that was not asked for");
	c->ckdir = hexo_open_parent(path, &base);
	if (c->ckdir < 0)
		return client_fail(c, c->ckdir, "cannot write the checkpoint '%s': %s", path,
		                   strerror(-c->ckdir));
	ret = hexo_newfile_open(&c->ck, c->ckdir, base, 0666 & ~c->umask);
	if (ret)
		return client_fail(c, ret, "cannot write the checkpoint '%s': %s", path,
		                   strerror(-ret));
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

int client_ckpt_data(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path = c->o->checkpoint, *base;
	char other[PATH_MAX];
	int ret;

	if (!h->len || h->len > c->ck_left)
		return client_fail(c, -EPROTO, "DATA frame out of place");
	ret = hexo_write_all(c->ck.fd, c->buf, h->len);
	if (ret)
		return client_fail(c, ret, "writing the checkpoint '%s': %s", path, strerror(-ret));
	c->ck_left -= h->len;
	if (c->ck_left)
		return 0;
	ret = checkpoint_target(c, &path, other, sizeof(other));
	if (ret) {
		hexo_newfile_abort(&c->ck);
		return client_fail(c, ret, "cannot write the checkpoint beside '%s': %s", path,
		                   strerror(-ret));
	}
	base = strrchr(path, '/');
	ret = hexo_newfile_commit(&c->ck, base ? base + 1 : path, true);
	if (ret)
		return client_fail(c, ret, "cannot write the checkpoint '%s': %s", path,
		                   strerror(-ret));
	c->ck_back = true;
	return 0;
}
