// SPDX-License-Identifier: MIT
/*
 * The job has ended: what it changed or created in the job directory
 * (FILE, DATA), what it deleted (DELETE), the checkpoint it wrote
 * (CHECKPOINT, DATA) and its exit status (EXIT) go back to the client.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "job.h"
#include "proto_fs.h"

static int hash_file(int rootfd, const char *path, uint8_t hash[HASH_LEN])
{
	crypto_generichash_state st;
	uint8_t buf[OUT_CHUNK];
	ssize_t r;
	int fd;

	fd = hexo_tree_open_read(rootfd, path);
	if (fd < 0)
		return fd;
	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&st, buf, (size_t)r);
	close(fd);
	if (r < 0)
		return -errno;
	crypto_generichash_final(&st, hash, HASH_LEN);
	return 0;
}

static bool unchanged(struct job *j, struct entry *e, const struct stat *st)
{
	uint8_t hash[HASH_LEN];

	if (e->link || (uint64_t)st->st_size != e->size)
		return false;
	if (hash_file(j->dirfd, e->path, hash))
		return false;
	return !memcmp(hash, e->hash, HASH_LEN);
}

/* Tells the client (on its stderr) and the log that a file stays behind. */
static int note(struct job *j, const char *path, const char *why)
{
	char msg[HEXO_PROTO_PATH_MAX + 128];

	snprintf(msg, sizeof(msg) - 1, "hexod: not returning '%s': %s", path, why);
	hexod_log("%s", msg);
	strcat(msg, "\n");
	return hexo_frame_send(j->c->fd, HEXO_F_OUTPUT, HEXO_STREAM_STDERR, msg, strlen(msg), -1);
}

static int collect(const char *rel, const struct stat *st, void *arg)
{
	struct job *j = arg;
	struct entry key = {.path = (char *)rel}, *e;
	char **nc;

	e = bsearch(&key, j->files, j->n_files, sizeof(*e), job_entry_cmp);
	if (S_ISLNK(st->st_mode) && e && e->link) {
		e->seen = true; /* one we sent: the guest cannot change a symlink */
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return note(j, rel, "not a regular file");
	if (!hexo_proto_path_valid(rel))
		return note(j, rel, "file name not allowed");
	if (e) {
		e->seen = true;
		if (unchanged(j, e, st))
			return 0;
	}
	if (j->n_changed == j->cap_changed) {
		j->cap_changed = j->cap_changed ? 2 * j->cap_changed : 16;
		nc = realloc(j->changed, j->cap_changed * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		j->changed = nc;
	}
	j->changed[j->n_changed] = strdup(rel);
	if (!j->changed[j->n_changed])
		return -ENOMEM;
	j->n_changed++;
	return 0;
}

/* Sends size bytes of fd as DATA frames. */
static int send_data(struct job *j, int fd, uint64_t size)
{
	uint64_t left;
	ssize_t r;
	int ret = 0;

	for (left = size; !ret && left; left -= (uint64_t)r) {
		r = read(fd, j->c->buf, left < HEXO_PROTO_CHUNK ? left : HEXO_PROTO_CHUNK);
		if (r <= 0)
			return -EIO; /* shrank under us: the client sees a short file */
		ret = hexo_frame_send(j->c->fd, HEXO_F_DATA, 0, j->c->buf, (size_t)r, -1);
	}
	return ret;
}

static int send_file(struct job *j, const char *path)
{
	struct hexo_msg_file f = {.path = path};
	struct hexo_buf b = {0};
	struct stat st;
	int fd, ret;

	fd = hexo_tree_open_read(j->dirfd, path);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return note(j, path, "cannot open it");
	}
	f.size = (uint64_t)st.st_size;
	f.mode = st.st_mode & 0777;
	ret = hexo_msg_file_encode(&b, &f);
	if (!ret)
		ret = hexo_frame_send(j->c->fd, HEXO_F_FILE, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (!ret)
		ret = send_data(j, fd, f.size);
	close(fd);
	return ret;
}

/*
 * The checkpoint the job wrote (it stopped at a migration point, or wrote
 * periodic ones), if any: CHECKPOINT(size) and its bytes.
 */
static int send_checkpoint(struct job *j)
{
	struct hexo_buf b = {0};
	struct stat st;
	int fd, ret;

	fd = openat(j->ckptfd, "out.ckpt", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		if (fd >= 0)
			close(fd);
		return note(j, "the checkpoint", "cannot read it");
	}
	ret = hexo_msg_checkpoint_encode(&b, (uint64_t)st.st_size);
	if (!ret)
		ret = hexo_frame_send(j->c->fd, HEXO_F_CHECKPOINT, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (!ret)
		ret = send_data(j, fd, (uint64_t)st.st_size);
	close(fd);
	if (!ret)
		j->ckpt_size = (uint64_t)st.st_size;
	return ret;
}

int job_send_results(struct job *j)
{
	char err[sizeof(j->c->err) - 32]; /* not c->err: conn_refuse() writes there */
	struct hexo_buf b = {0};
	int ret;

	ret = hexo_tree_walk_at(j->dirfd, 0, collect, j, err, sizeof(err));
	if (ret)
		return conn_refuse(j->c, ret, "collecting the job's files: %s", err);
	for (size_t i = 0; !ret && i < j->n_files; i++) {
		if (j->files[i].seen)
			continue;
		ret = hexo_frame_send(j->c->fd, HEXO_F_DELETE, 0, j->files[i].path,
		                      strlen(j->files[i].path) + 1, -1);
		j->n_deleted++;
	}
	for (size_t i = 0; !ret && i < j->n_changed; i++)
		ret = send_file(j, j->changed[i]);
	if (!ret)
		ret = send_checkpoint(j);
	if (!ret)
		ret = job_status_send(j); /* the final one */
	if (!ret)
		ret = hexo_msg_exit_encode(&b, (uint32_t)j->status);
	if (!ret)
		ret = hexo_frame_send(j->c->fd, HEXO_F_EXIT, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (ret)
		hexod_log("sending the results failed: %s", strerror(-ret));
	return ret;
}
