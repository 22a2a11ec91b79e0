// SPDX-License-Identifier: MIT
/*
 * Client side of the hexod protocol (lib/proto.h): connect, authenticate,
 * upload a job, stream its output, download what it changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"
#include "proto_fs.h"

#define DEFAULT_TIMEOUT_MS 30000

struct upfile {
	char *path;
};

struct client {
	const struct hexo_node *n;
	int fd;
	int timeout_ms;
	uint8_t key[HEXO_PROTO_KEY];
	uint8_t *buf; /* HEXO_PROTO_MAX_FRAME */
	char *err;
	size_t errlen;
	/* upload */
	struct upfile *files;
	size_t n_files, cap_files;
	const char *dir;
	/* download */
	int dirfd, outfd, tmpdir;
	char tmp[64];
	char cur[HEXO_PROTO_PATH_MAX];
	uint64_t left;
};

static int fail(struct client *c, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "node 'NAME' (HOST:PORT): " + message */
static int fail(struct client *c, int ret, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "node '%s' (%s:%u): %s", c->n->name, c->n->host, c->n->port,
	         msg);
	return ret < 0 ? ret : -EPROTO;
}

/* --- connecting ---------------------------------------------------------- */

static int connect_one(const struct addrinfo *ai, int64_t deadline)
{
	socklen_t len = sizeof(int);
	int fd, ret, soerr = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			ret = -errno;
			goto fail;
		}
		ret = hexo_io_wait(fd, POLLOUT, deadline);
		if (ret)
			goto fail;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			ret = -soerr;
			goto fail;
		}
	}
	ret = hexo_sock_setup(fd);
	if (ret)
		goto fail;
	return fd;
fail:
	close(fd);
	return ret;
}

static int client_connect(struct client *c)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	int64_t deadline = hexo_deadline(c->timeout_ms);
	char port[8];
	int ret, gai;

	snprintf(port, sizeof(port), "%u", c->n->port);
	gai = getaddrinfo(c->n->host, port, &hints, &res);
	if (gai)
		return fail(c, -EHOSTUNREACH,
		            "cannot resolve the host: %s: fix it with 'hexo node "
		            "rm %s' and 'hexo node add'",
		            gai_strerror(gai), c->n->name);
	ret = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		ret = connect_one(ai, deadline);
		if (ret >= 0)
			break;
	}
	freeaddrinfo(res);
	if (ret < 0)
		return fail(c, ret, "cannot connect: %s: is hexod running there%s?", strerror(-ret),
		            strcmp(c->n->kind, "board") ? "" : " (see 'hexo board status')");
	c->fd = ret;
	return 0;
}

static int client_open(struct client *c, const struct hexo_node *n, int timeout_ms, char *err,
                       size_t errlen)
{
	char herr[512];
	int ret;

	*c = (struct client){
	    .n = n, .fd = -1, .dirfd = -1, .outfd = -1, .tmpdir = -1, .err = err, .errlen = errlen};
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	if (hexo_secret_parse(n->secret, c->key))
		return fail(c, -EINVAL, "bad secret in the node registry: add the node again");
	c->buf = malloc(HEXO_PROTO_MAX_FRAME);
	if (!c->buf)
		return fail(c, -ENOMEM, "out of memory");
	ret = client_connect(c);
	if (ret)
		return ret;
	ret =
	    hexo_handshake_client(c->fd, c->key, hexo_deadline(c->timeout_ms), herr, sizeof(herr));
	if (ret)
		return fail(c, ret, "%s", herr);
	return 0;
}

static void client_close(struct client *c)
{
	if (c->outfd >= 0) {
		close(c->outfd);
		hexo_tree_abort(c->tmpdir, c->tmp);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	free(c->files);
	free(c->buf);
	memset(c->key, 0, sizeof(c->key));
}

/* Receives a frame; an ERROR frame becomes the error. */
static int client_recv(struct client *c, struct hexo_frame_hdr *h, int64_t deadline)
{
	struct hexo_msg_error e;
	char err[256];
	int ret;

	ret = hexo_frame_recv(c->fd, h, c->buf, HEXO_PROTO_MAX_FRAME, deadline, err, sizeof(err));
	if (ret == -EPIPE || ret == -ECONNRESET)
		return fail(c, ret, "connection lost: %s", err);
	if (ret)
		return fail(c, ret, "%s", err);
	if (h->type == HEXO_F_ERROR) {
		hexo_msg_error_decode(c->buf, h->len, &e);
		return fail(c, e.code ? -(int)e.code : -EPROTO, "%s", e.msg);
	}
	return 0;
}

/* --- ping ---------------------------------------------------------------- */

int hexo_remote_ping(const struct hexo_node *n, struct hexo_remote_info *info, int timeout_ms,
                     char *err, size_t errlen)
{
	struct hexo_frame_hdr h;
	struct hexo_msg_pong p;
	struct client c;
	char derr[256];
	int ret;

	ret = client_open(&c, n, timeout_ms, err, errlen);
	if (!ret)
		ret = hexo_frame_send(c.fd, HEXO_F_PING, 0, NULL, 0, hexo_deadline(c.timeout_ms));
	if (!ret)
		ret = client_recv(&c, &h, hexo_deadline(c.timeout_ms));
	if (!ret && h.type != HEXO_F_PONG)
		ret = fail(&c, -EPROTO, "expected PONG, got %s", hexo_frame_type_name(h.type));
	if (!ret && hexo_msg_pong_decode(c.buf, h.len, &p, derr, sizeof(derr)))
		ret = fail(&c, -EPROTO, "%s", derr);
	if (!ret) {
		*info = (struct hexo_remote_info){.proto = p.version, .isa = p.isa, .cpus = p.cpus};
		snprintf(info->machine, sizeof(info->machine), "%s", p.machine);
		snprintf(info->agent, sizeof(info->agent), "%s", p.agent);
	}
	client_close(&c);
	return ret;
}

/* --- upload -------------------------------------------------------------- */

static int list_file(const char *rel, const struct stat *st, void *arg)
{
	struct client *c = arg;
	struct upfile *nf;

	if (!S_ISREG(st->st_mode) || !hexo_proto_path_valid(rel)) {
		fprintf(stderr, "hexo: warning: not sending '%s/%s' to node '%s': %s\n", c->dir,
		        rel, c->n->name,
		        S_ISREG(st->st_mode) ? "file name not allowed" : "not a regular file");
		return 0;
	}
	if (c->n_files >= HEXO_PROTO_MAX_FILES)
		return fail(c, -E2BIG, "job folder '%s' has more than %u files", c->dir,
		            HEXO_PROTO_MAX_FILES);
	if (c->n_files == c->cap_files) {
		c->cap_files = c->cap_files ? 2 * c->cap_files : 32;
		nf = realloc(c->files, c->cap_files * sizeof(*nf));
		if (!nf)
			return fail(c, -ENOMEM, "out of memory");
		c->files = nf;
	}
	c->files[c->n_files].path = strdup(rel);
	if (!c->files[c->n_files].path)
		return fail(c, -ENOMEM, "out of memory");
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
		ret = fail(c, -EPROTO, "unexpected %s during the upload",
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
		ret = fail(c, ret, "sending the job: %s", strerror(-ret));
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
			return fail(c, r < 0 ? -errno : -EIO, "reading '%s': %s", what,
			            r < 0 ? strerror(errno) : "it shrank while being sent");
		ret = send_frame(c, HEXO_F_DATA, c->buf, (size_t)r);
		if (ret)
			return ret;
		left -= (uint64_t)r;
	}
	return 0;
}

static int send_one_file(struct client *c, int rootfd, const char *path)
{
	struct hexo_msg_file f = {.path = path};
	struct hexo_buf b = {0};
	struct stat st;
	int fd, ret;

	fd = hexo_tree_open_read(rootfd, path);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		return fail(c, ret, "'%s/%s': %s", c->dir, path, strerror(-ret));
	}
	f.size = (uint64_t)st.st_size;
	f.mode = st.st_mode & 0777;
	ret = hexo_msg_file_encode(&b, &f);
	if (!ret)
		ret = send_frame(c, HEXO_F_FILE, b.p, b.len);
	hexo_buf_free(&b);
	if (!ret)
		ret = send_data(c, fd, f.size, path);
	close(fd);
	return ret;
}

static int send_run(struct client *c, const char *const *argv, uint32_t argc, uint64_t size,
                    const struct hexo_remote_opts *o)
{
	struct hexo_msg_run m = {
	    .kind = HEXO_RUN_IMAGE,
	    .flags = o && o->stats ? HEXO_RUN_F_STATS : 0,
	    .image_size = size,
	    .n_files = (uint32_t)c->n_files,
	    .argc = argc,
	    .n_env = o ? (uint32_t)o->n_env : 0,
	    .mem = o && o->mem ? o->mem : "",
	    .argv = (const char **)argv,
	    .env = o ? (const char **)o->env : NULL,
	};
	struct hexo_buf b = {0};
	int ret;

	ret = hexo_msg_run_encode(&b, &m);
	if (ret == -EMSGSIZE)
		ret = fail(c, ret, "arguments and environment too long (%u bytes at most)",
		           HEXO_PROTO_MAX_FRAME);
	else if (ret)
		ret = fail(c, ret, "out of memory");
	else
		ret = send_frame(c, HEXO_F_RUN, b.p, b.len);
	hexo_buf_free(&b);
	return ret;
}

static int upload(struct client *c, const char *image, char *const argv[],
                  const struct hexo_remote_opts *o)
{
	const char *one[2] = {image, NULL};
	const char *const *av = argv && argv[0] ? (const char *const *)argv : one;
	struct stat st;
	uint32_t argc = 0;
	int fd, ret;

	while (av[argc])
		if (++argc > HEXO_PROTO_MAX_ARGS)
			return fail(c, -E2BIG, "more than %u arguments", HEXO_PROTO_MAX_ARGS);
	if (o && o->n_env > HEXO_PROTO_MAX_ARGS)
		return fail(c, -E2BIG, "more than %u --env values", HEXO_PROTO_MAX_ARGS);
	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		ret = fd < 0 ? -errno : -EINVAL;
		if (fd >= 0)
			close(fd);
		snprintf(c->err, c->errlen, "image '%s': %s", image,
		         ret == -EINVAL ? "not a regular, non-empty file" : strerror(-ret));
		return ret;
	}
	ret = send_run(c, av, argc, (uint64_t)st.st_size, o);
	if (!ret)
		ret = send_data(c, fd, (uint64_t)st.st_size, image);
	close(fd);
	for (size_t i = 0; !ret && i < c->n_files; i++)
		ret = send_one_file(c, c->dirfd, c->files[i].path);
	if (!ret)
		ret = send_frame(c, HEXO_F_END, NULL, 0);
	return ret;
}

/* --- results ------------------------------------------------------------- */

static int out_write(int fd, const uint8_t *p, size_t len)
{
	/* A closed stdout must not lose the job's files: ignore errors. */
	hexo_io_write_all(fd, p, len, -1);
	return 0;
}

static int file_begin(struct client *c, const struct hexo_frame_hdr *h)
{
	struct hexo_msg_file f;
	char derr[320];
	int fd;

	if (c->outfd >= 0)
		return fail(c, -EPROTO, "FILE before the end of '%s'", c->cur);
	if (hexo_msg_file_decode(c->buf, h->len, &f, derr, sizeof(derr)))
		return fail(c, -EPROTO, "%s", derr);
	snprintf(c->cur, sizeof(c->cur), "%s", f.path);
	fd = hexo_tree_create_tmp(c->dirfd, c->cur, f.mode, &c->tmpdir, c->tmp, sizeof(c->tmp));
	if (fd < 0)
		return fail(c, fd, "cannot write '%s/%s': %s", c->dir, c->cur, strerror(-fd));
	c->outfd = fd;
	c->left = f.size;
	return c->left ? 0 : 1;
}

static int file_data(struct client *c, const struct hexo_frame_hdr *h)
{
	size_t off = 0;
	ssize_t w;

	if (c->outfd < 0 || !h->len || h->len > c->left)
		return fail(c, -EPROTO, "DATA frame out of place");
	while (off < h->len) {
		w = write(c->outfd, c->buf + off, h->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return fail(c, -errno, "writing '%s/%s': %s", c->dir, c->cur,
			            strerror(errno));
		off += (size_t)w;
	}
	c->left -= h->len;
	return c->left ? 0 : 1;
}

/* The current file is complete: move it into place. */
static int file_end(struct client *c)
{
	int ret;

	close(c->outfd);
	c->outfd = -1;
	ret = hexo_tree_commit(c->tmpdir, c->tmp, c->cur);
	if (ret)
		return fail(c, ret, "cannot write '%s/%s': %s", c->dir, c->cur, strerror(-ret));
	return 0;
}

static int file_delete(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path;
	char derr[320];
	int ret;

	if (c->outfd >= 0)
		return fail(c, -EPROTO, "DELETE before the end of '%s'", c->cur);
	if (hexo_msg_path_decode(c->buf, h->len, &path, derr, sizeof(derr)))
		return fail(c, -EPROTO, "%s", derr);
	ret = hexo_tree_unlink(c->dirfd, path);
	if (ret)
		fprintf(stderr, "hexo: warning: cannot remove '%s/%s' as the job did: %s\n", c->dir,
		        path, strerror(-ret));
	return 0;
}

static int results(struct client *c, int *status)
{
	struct hexo_frame_hdr h;
	uint32_t st;
	char derr[256];
	int ret;

	for (;;) {
		ret = client_recv(c, &h, -1);
		if (ret)
			return ret;
		switch (h.type) {
		case HEXO_F_OUTPUT:
			ret = out_write(h.stream == HEXO_STREAM_STDOUT ? 1 : 2, c->buf, h.len);
			break;
		case HEXO_F_FILE:
			ret = file_begin(c, &h);
			break;
		case HEXO_F_DATA:
			ret = file_data(c, &h);
			break;
		case HEXO_F_DELETE:
			ret = file_delete(c, &h);
			break;
		case HEXO_F_EXIT:
			if (c->outfd >= 0)
				return fail(c, -EPROTO, "EXIT before the end of '%s'", c->cur);
			if (hexo_msg_exit_decode(c->buf, h.len, &st, derr, sizeof(derr)))
				return fail(c, -EPROTO, "%s", derr);
			*status = (int)st;
			return 0;
		default:
			return fail(c, -EPROTO, "unexpected %s frame from the agent",
			            hexo_frame_type_name(h.type));
		}
		if (ret == 1)
			ret = file_end(c);
		if (ret)
			return ret;
	}
}

int hexo_remote_run(const struct hexo_node *n, const char *image, const char *dir,
                    char *const argv[], const struct hexo_remote_opts *o, int *status, char *err,
                    size_t errlen)
{
	char werr[512] = "";
	struct client c;
	int ret;

	if (errlen)
		err[0] = '\0';
	ret = client_open(&c, n, o ? o->timeout_ms : 0, err, errlen);
	if (ret)
		goto out;
	c.dir = dir ? dir : ".";
	c.dirfd = open(c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.dirfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "job folder '%s': %s", c.dir, strerror(errno));
		goto out;
	}
	ret = hexo_tree_walk(c.dir, list_file, &c, werr, sizeof(werr));
	if (ret && werr[0] && !err[0])
		snprintf(err, errlen, "job folder %s", werr);
	if (!ret)
		ret = upload(&c, image, argv, o);
	if (!ret)
		ret = results(&c, status);
out:
	client_close(&c);
	return ret;
}
