// SPDX-License-Identifier: MIT
/*
 * A job's upload, into its temp dir: the image (image/), for a resume the
 * checkpoint (ckpt/in.ckpt), then the job directory's files, folders and
 * symlinks (dir/), hashed as they come so that job_send.c sends back only
 * what the job changed; then END.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "job.h"
#include "proto_fs.h"

#define DIR_MODE_MIN 0700u /* kept on every folder: the agent must walk them */

/* The next frame of the upload; the client closing here is an error. */
static int upload_recv(struct conn *c, struct hexo_frame_hdr *h)
{
	int ret = conn_recv(c, h);

	if (ret == -EPIPE) {
		snprintf(c->err, sizeof(c->err), "client went away during the upload");
		hexod_log("%s", c->err);
		ret = -ECONNRESET;
	}
	return ret;
}

/* Receives `size` bytes of DATA frames into fd, hashing them. */
static int recv_data(struct job *j, int fd, const char *path, uint64_t size, uint8_t hash[HASH_LEN])
{
	crypto_generichash_state st;
	struct hexo_frame_hdr h;
	struct conn *c = j->c;
	uint64_t left = size;
	int ret;

	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	while (left) {
		ret = upload_recv(c, &h);
		if (ret)
			return ret;
		if (h.type != HEXO_F_DATA)
			return conn_refuse(c, -EPROTO,
			                   "expected DATA for '%s' (%llu bytes to go), "
			                   "got %s",
			                   path, (unsigned long long)left,
			                   hexo_frame_type_name(h.type));
		if (h.len == 0 || h.len > left)
			return conn_refuse(c, -EPROTO,
			                   "DATA frame of %u bytes for '%s', which has "
			                   "%llu bytes to go",
			                   h.len, path, (unsigned long long)left);
		ret = hexo_write_all(fd, c->buf, h.len);
		if (ret)
			return conn_refuse(c, ret,
			                   "writing '%s' on the agent: %s: free space in "
			                   "%s",
			                   path, strerror(-ret), c->cfg->work);
		crypto_generichash_update(&st, c->buf, h.len);
		left -= h.len;
	}
	crypto_generichash_final(&st, hash, HASH_LEN);
	return 0;
}

static int recv_file(struct job *j, int rootfd, const char *path, uint64_t size, unsigned mode,
                     uint8_t hash[HASH_LEN])
{
	const char *base;
	int dfd, fd, ret;

	dfd = hexo_tree_parent(rootfd, path, 1, &base);
	if (dfd < 0)
		return conn_refuse(j->c, dfd, "cannot create '%s' on the agent: %s", path,
		                   strerror(-dfd));
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ret = fd < 0 ? -errno : 0;
	close(dfd);
	if (ret == -EEXIST || ret == -EISDIR)
		return conn_refuse(j->c, -EPROTO, "file '%s' sent twice", path);
	if (ret)
		return conn_refuse(j->c, ret, "cannot create '%s' on the agent: %s", path,
		                   strerror(-ret));
	fchmod(fd, mode & 0777);
	ret = recv_data(j, fd, path, size, hash);
	close(fd);
	return ret;
}

int job_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* A directory of the job folder: created now (empty ones matter too). */
static int make_dir(struct job *j, const char *path, unsigned mode)
{
	const char *base;
	struct stat st;
	int dfd, ret = 0;

	dfd = hexo_tree_parent(j->dirfd, path, 1, &base);
	if (dfd < 0)
		return conn_refuse(j->c, dfd, "cannot create folder '%s' on the agent: %s", path,
		                   strerror(-dfd));
	if (mkdirat(dfd, base, 0700) < 0 &&
	    (errno != EEXIST || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	     !S_ISDIR(st.st_mode)))
		ret = -errno;
	/* The agent's umask applied at creation: set the mode asked for. */
	if (!ret && fchmodat(dfd, base, (mode & 0777) | DIR_MODE_MIN, 0) < 0)
		ret = -errno;
	close(dfd);
	if (ret)
		return conn_refuse(j->c, ret, "cannot create folder '%s' on the agent: %s", path,
		                   strerror(-ret));
	j->n_dirs++;
	return 0;
}

/* A symlink of the job folder: its target comes as DATA; created as is. */
static int recv_symlink(struct job *j, const char *path, uint64_t size)
{
	char target[HEXO_PROTO_PATH_MAX];
	struct hexo_frame_hdr h;
	const char *base;
	size_t got = 0;
	int dfd, ret;

	while (got < size) {
		ret = upload_recv(j->c, &h);
		if (ret)
			return ret;
		if (h.type != HEXO_F_DATA || !h.len || h.len > size - got)
			return conn_refuse(
			    j->c, -EPROTO,
			    "expected DATA for symlink '%s' (%llu bytes to go), got %s "
			    "of %u bytes",
			    path, (unsigned long long)(size - got), hexo_frame_type_name(h.type),
			    h.len);
		memcpy(target + got, j->c->buf, h.len);
		got += h.len;
	}
	target[got] = '\0';
	if (strlen(target) != got)
		return conn_refuse(j->c, -EPROTO, "symlink '%s' with a NUL in its target", path);
	dfd = hexo_tree_parent(j->dirfd, path, 1, &base);
	ret = dfd < 0 ? dfd : symlinkat(target, dfd, base) < 0 ? -errno : 0;
	if (dfd >= 0)
		close(dfd);
	if (ret == -EEXIST)
		return conn_refuse(j->c, -EPROTO, "file '%s' sent twice", path);
	if (ret)
		return conn_refuse(j->c, ret, "cannot create symlink '%s' on the agent: %s", path,
		                   strerror(-ret));
	return 0;
}

/* Receives FILE + DATA* for one job-directory file, symlink or folder. */
static int recv_dir_file(struct job *j)
{
	struct entry *e = &j->files[j->n_files];
	struct hexo_frame_hdr h;
	struct hexo_msg_file f;
	struct conn *c = j->c;
	char err[320];
	int ret;

	ret = upload_recv(c, &h);
	if (ret)
		return ret;
	if (h.type != HEXO_F_FILE)
		return conn_refuse(c, -EPROTO, "expected FILE (%zu of %u), got %s",
		                   j->n_files + j->n_dirs + 1, j->m->n_files,
		                   hexo_frame_type_name(h.type));
	ret = hexo_msg_file_decode(c->buf, h.len, &f, err, sizeof(err));
	if (ret)
		return conn_refuse(c, ret, "%s", err);
	if (f.kind == HEXO_FILE_DIR)
		return make_dir(j, f.path, f.mode);
	e->path = strdup(f.path);
	if (!e->path)
		return conn_refuse(c, -ENOMEM, "agent out of memory");
	j->n_files++;
	e->size = f.size;
	if (f.kind == HEXO_FILE_SYMLINK) {
		e->link = true;
		return recv_symlink(j, e->path, f.size);
	}
	return recv_file(j, j->dirfd, e->path, f.size, f.mode, e->hash);
}

static const char *pick_image_name(const char *arg0)
{
	const char *base = strrchr(arg0, '/');

	if (hexo_proto_path_valid(arg0))
		return arg0;
	if (base && hexo_proto_path_valid(base + 1))
		return base + 1;
	return "image.hexo";
}

int job_recv_request(struct job *j)
{
	const struct hexo_msg_run *m = j->m;
	struct hexo_frame_hdr h;
	uint8_t hash[HASH_LEN];
	int ret;

	j->image_name = pick_image_name(m->argv[0]);
	ret = recv_file(j, j->imgfd, j->image_name, m->image_size, 0644, hash);
	if (!ret && m->kind == HEXO_RUN_RESUME)
		ret = recv_file(j, j->ckptfd, "in.ckpt", m->ckpt_size, 0600, hash);
	if (ret)
		return ret;
	j->files = calloc(m->n_files ? m->n_files : 1, sizeof(*j->files));
	if (!j->files)
		return conn_refuse(j->c, -ENOMEM, "agent out of memory");
	for (uint32_t i = 0; i < m->n_files; i++) {
		ret = recv_dir_file(j);
		if (ret)
			return ret;
	}
	qsort(j->files, j->n_files, sizeof(*j->files), job_entry_cmp);
	ret = upload_recv(j->c, &h);
	if (ret)
		return ret;
	if (h.type != HEXO_F_END || h.len)
		return conn_refuse(j->c, -EPROTO, "expected END after %u files, got %s", m->n_files,
		                   hexo_frame_type_name(h.type));
	return 0;
}
