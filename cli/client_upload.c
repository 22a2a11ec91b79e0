// SPDX-License-Identifier: MIT
/*
 * A job for a node, before it runs: the image and the job directory
 * checked as a local run checks them, then sent (RUN, the image, the
 * checkpoint for a resume, the directory's files, folders and symlinks,
 * END).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client_int.h"
#include "image_file.h"
#include "proto_fs.h"

/* --- upload -------------------------------------------------------------- */

static void not_sending(struct client *c, const char *rel, const char *why)
{
	fprintf(stderr, "hexo: warning: not sending '%s/%s' to node '%s': %s\n", c->dir, rel,
	        c->n->name, why);
}

/* Too much for the job directory the user did not choose. */
static int dot_too_big(struct client *c, const char *what)
{
	snprintf(c->err, c->errlen,
	         "the current directory (the job directory without --dir) has more than %s to "
	         "send to node '%s': give the job its own folder with --dir DIR",
	         what, c->n->name);
	return -E2BIG;
}

/* hexo_tree_walk() callback: the files, folders and symlinks to upload. */
static int list_file(const char *rel, const struct stat *st, void *arg)
{
	struct client *c = arg;
	bool dot = c->o && c->o->default_dir;
	struct upfile *nf;
	unsigned kind;
	char what[64];

	if (S_ISREG(st->st_mode)) {
		kind = HEXO_FILE_REG;
	} else if (S_ISDIR(st->st_mode)) {
		kind = HEXO_FILE_DIR;
	} else if (S_ISLNK(st->st_mode)) {
		kind = HEXO_FILE_SYMLINK;
	} else {
		/* sockets, fifos, devices: nothing a job can use on another machine */
		if (c->o && c->o->verbose)
			not_sending(c, rel, "not a regular file, folder or symlink");
		return 0;
	}
	if (hexo_proto_path_depth(rel) > HEXO_PROTO_PATH_DEPTH)
		return client_fail(c, -ELOOP,
		                   "job folder '%s': '%.200s...' is nested deeper than %u levels, "
		                   "which the agent does not accept",
		                   c->dir, rel, HEXO_PROTO_PATH_DEPTH);
	if (!hexo_proto_path_valid(rel)) {
		not_sending(c, rel, "file name not allowed");
		return 0;
	}
	if (dot && c->n_files >= HEXO_REMOTE_DOT_MAX_FILES) {
		snprintf(what, sizeof(what), "%u files and folders", HEXO_REMOTE_DOT_MAX_FILES);
		return dot_too_big(c, what);
	}
	if (c->n_files >= HEXO_PROTO_MAX_FILES)
		return client_fail(c, -E2BIG, "job folder '%s' has more than %u files", c->dir,
		                   HEXO_PROTO_MAX_FILES);
	if (kind == HEXO_FILE_REG && faccessat(c->dirfd, rel, R_OK, AT_EACCESS) < 0 &&
	    (errno == EACCES || errno == EPERM)) {
		/* the job could not read it locally either; it does not stop the job */
		not_sending(c, rel, strerror(errno));
		return 0;
	}
	if (kind == HEXO_FILE_REG) {
		c->bytes += (uint64_t)st->st_size;
		if (dot && c->bytes > HEXO_REMOTE_DOT_MAX_BYTES)
			return dot_too_big(c, "1 GiB");
	}
	if (c->n_files == c->cap_files) {
		c->cap_files = c->cap_files ? 2 * c->cap_files : 32;
		nf = realloc(c->files, c->cap_files * sizeof(*nf));
		if (!nf)
			return client_fail(c, -ENOMEM, "out of memory");
		c->files = nf;
	}
	c->files[c->n_files] = (struct upfile){.kind = kind, .mode = st->st_mode & 0777};
	c->files[c->n_files].path = strdup(rel);
	if (!c->files[c->n_files].path)
		return client_fail(c, -ENOMEM, "out of memory");
	c->n_files++;
	return 0;
}

/* Before each chunk: has the agent already refused (an ERROR waiting)? */
static int agent_refused(struct client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	struct hexo_frame_hdr h;
	int ret;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	ret = client_recv(c, &h, hexo_deadline(2000));
	if (!ret)
		ret = client_fail(c, -EPROTO, "unexpected %s during the upload",
		                  hexo_frame_type_name(h.type));
	return ret;
}

static int send_frame(struct client *c, unsigned type, const void *p, size_t len)
{
	int ret = agent_refused(c);

	if (ret)
		return ret;
	ret = hexo_frame_send(c->fd, type, 0, p, len, hexo_deadline(c->timeout_ms));
	if (ret && !agent_refused(c))
		ret = client_fail(c, ret, "sending the job: %s", strerror(-ret));
	return ret;
}

/* Sends exactly size bytes of fd as DATA frames. */
static int send_data(struct client *c, int fd, uint64_t size, const char *what)
{
	uint64_t left = size;
	ssize_t r;
	int ret;

	while (left) {
		r = read(fd, c->buf, left < HEXO_PROTO_CHUNK ? left : HEXO_PROTO_CHUNK);
		if (r <= 0)
			return client_fail(c, r < 0 ? -errno : -EIO, "reading '%s': %s", what,
			                   r < 0 ? strerror(errno) : "it shrank while being sent");
		ret = send_frame(c, HEXO_F_DATA, c->buf, (size_t)r);
		if (ret)
			return ret;
		left -= (uint64_t)r;
	}
	return 0;
}

/* A symlink's target, read without following anything. */
static int read_link(struct client *c, int rootfd, const char *path, char *buf, size_t size)
{
	const char *base;
	ssize_t n;
	int dfd;

	dfd = hexo_tree_parent(rootfd, path, 0, &base);
	n = dfd < 0 ? dfd : readlinkat(dfd, base, buf, size);
	if (n < 0 && dfd >= 0)
		n = -errno;
	if (dfd >= 0)
		close(dfd);
	if (n >= 0 && (n == 0 || (size_t)n >= size || memchr(buf, 0, (size_t)n)))
		n = -ENAMETOOLONG;
	if (n < 0)
		return client_fail(c, (int)n, "'%s/%s': %s", c->dir, path, strerror((int)-n));
	return (int)n;
}

static int send_one_file(struct client *c, int rootfd, const struct upfile *u)
{
	struct hexo_msg_file f = {.path = u->path, .mode = u->mode, .kind = u->kind};
	char target[HEXO_PROTO_PATH_MAX];
	struct hexo_buf b = {0};
	struct stat st;
	int fd = -1, ret;

	if (u->kind == HEXO_FILE_REG) {
		fd = hexo_tree_open_read(rootfd, u->path);
		if (fd < 0 || fstat(fd, &st) < 0) {
			ret = fd < 0 ? fd : -errno;
			if (fd >= 0)
				close(fd);
			return client_fail(c, ret, "'%s/%s': %s", c->dir, u->path, strerror(-ret));
		}
		f.size = (uint64_t)st.st_size;
		f.mode = st.st_mode & 0777;
	} else if (u->kind == HEXO_FILE_SYMLINK) {
		ret = read_link(c, rootfd, u->path, target, sizeof(target));
		if (ret < 0)
			return ret;
		f.size = (uint64_t)ret;
	}
	ret = hexo_msg_file_encode(&b, &f);
	if (!ret)
		ret = send_frame(c, HEXO_F_FILE, b.p, b.len);
	hexo_buf_free(&b);
	if (!ret && fd >= 0)
		ret = send_data(c, fd, f.size, u->path);
	if (!ret && u->kind == HEXO_FILE_SYMLINK)
		ret = send_frame(c, HEXO_F_DATA, target, f.size);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* True when our stdout and stderr are one open file (2>&1): the job then
 * writes both into one pipe, so their order is kept. */
static bool output_merged(void)
{
	struct stat a, b;
	pid_t me = getpid();
	long r;

	r = syscall(SYS_kcmp, me, me, KCMP_FILE, 1, 2);
	if (r >= 0)
		return r == 0;
	/* No kcmp: the same terminal, pipe or socket (no file offset to share). */
	if (fstat(1, &a) < 0 || fstat(2, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
	       (S_ISCHR(a.st_mode) || S_ISFIFO(a.st_mode) || S_ISSOCK(a.st_mode));
}

/* --env values as a local run sees them: NAME takes our value of NAME. */
static char **resolve_env(struct client *c, const struct hexo_remote_opts *o, uint32_t *n)
{
	char **env = calloc((o ? o->n_env : 0) + 1, sizeof(*env));
	const char *val;

	*n = 0;
	if (!env)
		return NULL;
	for (size_t i = 0; o && i < o->n_env; i++) {
		if (strchr(o->env[i], '=')) {
			env[*n] = strdup(o->env[i]);
		} else {
			val = getenv(o->env[i]);
			if (!val)
				continue; /* unset here: left out, as locally */
			if (asprintf(&env[*n], "%s=%s", o->env[i], val) < 0)
				env[*n] = NULL;
		}
		if (!env[*n]) {
			client_fail(c, -ENOMEM, "out of memory");
			goto fail;
		}
		++*n;
	}
	return env;
fail:
	for (uint32_t i = 0; i < *n; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static int send_run(struct client *c, const struct request *r, uint64_t image_size,
                    uint64_t ckpt_size, const struct hexo_remote_opts *o)
{
	struct hexo_msg_run m = {
	    .kind = r->kind,
	    .flags = (o && o->stats ? HEXO_RUN_F_STATS : 0) | (o && o->status ? HEXO_RUN_F_STATUS : 0) |
	             (output_merged() ? HEXO_RUN_F_MERGED : 0) | c->closed_fds,
	    .image_size = image_size,
	    .ckpt_size = ckpt_size,
	    .migrate_after = o && o->migrate_after ? o->migrate_after : "",
	    .checkpoint_every = o && o->checkpoint_every ? o->checkpoint_every : "",
	    .n_files = (uint32_t)c->n_files,
	    .argc = r->argc,
	    .mem = o && o->mem ? o->mem : "",
	    .argv = (const char **)r->argv,
	};
	struct hexo_buf b = {0};
	char **env;
	int ret;

	/* A resumed job's environment is in its checkpoint. */
	env = resolve_env(c, r->kind == HEXO_RUN_IMAGE ? o : NULL, &m.n_env);
	if (!env)
		return client_fail(c, -ENOMEM, "out of memory");
	m.env = (const char **)env;
	ret = hexo_msg_run_encode(&b, &m);
	if (ret == -EMSGSIZE)
		ret = client_fail(c, ret, "arguments and environment too long (%u bytes at most)",
		                  HEXO_PROTO_MAX_FRAME);
	else if (ret)
		ret = client_fail(c, ret, "out of memory");
	else
		ret = send_frame(c, HEXO_F_RUN, b.p, b.len);
	hexo_buf_free(&b);
	for (uint32_t i = 0; i < m.n_env; i++)
		free(env[i]);
	free(env);
	return ret;
}

/* Opens a file to send whole; *size is its size. */
static int open_whole(struct client *c, const char *path, uint64_t *size)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(c->err, c->errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

/* RUN, the image, the checkpoint (RESUME), the job directory, END. */
int client_upload(struct client *c, const struct request *r, const struct hexo_remote_opts *o)
{
	uint64_t image_size, ckpt_size = 0;
	int fd, ckfd = -1, ret;

	fd = open_whole(c, r->image, &image_size);
	if (fd < 0)
		return fd;
	if (r->ckpt) {
		ckfd = open_whole(c, r->ckpt, &ckpt_size);
		if (ckfd < 0) {
			close(fd);
			return ckfd;
		}
	}
	ret = send_run(c, r, image_size, ckpt_size, o);
	if (!ret)
		ret = send_data(c, fd, image_size, r->image);
	if (!ret && ckfd >= 0)
		ret = send_data(c, ckfd, ckpt_size, r->ckpt);
	close(fd);
	if (ckfd >= 0)
		close(ckfd);
	for (size_t i = 0; !ret && i < c->n_files; i++)
		ret = send_one_file(c, c->dirfd, &c->files[i]);
	if (!ret)
		ret = send_frame(c, HEXO_F_END, NULL, 0);
	return ret;
}

/* --- local checks, before connecting ------------------------------------- */

/* The image, checked as a local run checks it (the same message). */
int client_check_image(struct client *c, const char *image)
{
	struct hexo_image img;
	int ret;

	ret = hexo_image_open(image, &img, c->err, c->errlen);
	if (!ret)
		hexo_image_close(&img);
	return ret;
}

/* The job directory, checked as a local run checks it, then listed. */
int client_check_dir(struct client *c)
{
	char werr[512] = "";
	int fd, ret;

	fd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (fd >= 0)
		c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || c->dirfd < 0) {
		ret = -errno;
		snprintf(c->err, c->errlen, "--dir '%s': %s", c->dir, strerror(errno));
		return ret;
	}
	ret = hexo_tree_walk(c->dir, HEXO_TREE_DIRS, list_file, c, werr, sizeof(werr));
	if (ret && werr[0] && !c->err[0])
		snprintf(c->err, c->errlen, "job folder %s", werr);
	return ret;
}
