// SPDX-License-Identifier: MIT
/*
 * Client side of the hexod protocol (lib/proto.h): check the job locally,
 * connect, authenticate, upload the job, stream its output and our stdin,
 * download what it changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <netdb.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client.h"
#include "image_file.h"
#include "proto.h"
#include "proto_fs.h"

#define DEFAULT_TIMEOUT_MS 30000
#define STDIN_CHUNK        65536
#define BACKGROUND_POLL_MS 250

struct upfile {
	char *path;
	unsigned kind; /* enum hexo_file_kind */
	unsigned mode; /* folders */
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
	uint64_t bytes;
	const char *dir;
	const struct hexo_remote_opts *o;
	/* download */
	int dirfd, outfd, tmpdir;
	char tmp[64];
	char cur[HEXO_PROTO_PATH_MAX];
	uint64_t left;
	mode_t umask;
	/* while the job runs: our stdin forwarded, CLOSED when our output is */
	uint32_t closed_fds; /* HEXO_RUN_F_NO_*: fds we were started without */
	bool in_open, in_tty;
	bool out_closed[3];
	uint8_t *q; /* frames being sent (non-blocking): a STDIN, CLOSED and MIGRATE ones */
	size_t q_len, q_off;
	bool q_dead;              /* sending failed: nothing more is sent */
	unsigned migrate_pending; /* SIGUSR1s not yet sent on as MIGRATE */
	sigset_t waitmask;        /* our mask with SIGUSR1 open: for the waits of results() */
	/* the job on the node, and the checkpoint coming back */
	char job[HEXO_REMOTE_JOB_MAX];
	int ckfd;
	char cktmp[PATH_MAX];
	uint64_t ck_left;
	bool ck_back;
};

/* SIGUSR1 while a job runs on a node: ask it to migrate (MIGRATE). */
static volatile sig_atomic_t usr1_got;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_got = 1;
}

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

/*
 * fds 0, 1 and 2 we were started without get /dev/null, so no socket or
 * file of ours lands on them (and gets the job's output); stdin is then
 * not forwarded.
 */
static void std_fds(struct client *c)
{
	static const uint32_t none[3] = {HEXO_RUN_F_NO_STDIN, HEXO_RUN_F_NO_STDOUT,
	                                 HEXO_RUN_F_NO_STDERR};

	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		c->closed_fds |= none[fd];
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			break;
	}
	c->in_open = !(c->closed_fds & HEXO_RUN_F_NO_STDIN);
	c->in_tty = c->in_open && isatty(0);
}

static int client_init(struct client *c, const struct hexo_node *n, int timeout_ms, char *err,
                       size_t errlen)
{
	*c = (struct client){.n = n,
	                     .fd = -1,
	                     .dirfd = -1,
	                     .outfd = -1,
	                     .tmpdir = -1,
	                     .ckfd = -1,
	                     .err = err,
	                     .errlen = errlen};
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	c->umask = umask(0);
	umask(c->umask);
	if (hexo_secret_parse(n->secret, c->key))
		return fail(c, -EINVAL, "bad secret in the node registry: add the node again");
	c->buf = malloc(HEXO_PROTO_MAX_FRAME);
	if (!c->buf)
		return fail(c, -ENOMEM, "out of memory");
	return 0;
}

static int client_auth(struct client *c)
{
	char herr[512];
	int ret;

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
	if (c->ckfd >= 0) {
		close(c->ckfd);
		unlink(c->cktmp);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	free(c->files);
	free(c->buf);
	free(c->q);
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

	ret = client_init(&c, n, timeout_ms, err, errlen);
	if (!ret)
		ret = client_auth(&c);
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
	if (!hexo_proto_path_valid(rel)) {
		not_sending(c, rel, "file name not allowed");
		return 0;
	}
	if (dot && c->n_files >= HEXO_REMOTE_DOT_MAX_FILES) {
		snprintf(what, sizeof(what), "%u files and folders", HEXO_REMOTE_DOT_MAX_FILES);
		return dot_too_big(c, what);
	}
	if (c->n_files >= HEXO_PROTO_MAX_FILES)
		return fail(c, -E2BIG, "job folder '%s' has more than %u files", c->dir,
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
			return fail(c, -ENOMEM, "out of memory");
		c->files = nf;
	}
	c->files[c->n_files] = (struct upfile){.kind = kind, .mode = st->st_mode & 0777};
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
		return fail(c, (int)n, "'%s/%s': %s", c->dir, path, strerror((int)-n));
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
			return fail(c, ret, "'%s/%s': %s", c->dir, u->path, strerror(-ret));
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
			fail(c, -ENOMEM, "out of memory");
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

/* What a RUN asks for: an image to run, or a checkpoint to resume. */
struct request {
	uint32_t kind; /* enum hexo_run_kind */
	const char *image;
	const char *ckpt; /* RESUME: the checkpoint to send */
	const char *const *argv;
	uint32_t argc;
};

static int send_run(struct client *c, const struct request *r, uint64_t image_size,
                    uint64_t ckpt_size, const struct hexo_remote_opts *o)
{
	struct hexo_msg_run m = {
	    .kind = r->kind,
	    .flags = (o && o->stats ? HEXO_RUN_F_STATS : 0) |
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
		return fail(c, -ENOMEM, "out of memory");
	m.env = (const char **)env;
	ret = hexo_msg_run_encode(&b, &m);
	if (ret == -EMSGSIZE)
		ret = fail(c, ret, "arguments and environment too long (%u bytes at most)",
		           HEXO_PROTO_MAX_FRAME);
	else if (ret)
		ret = fail(c, ret, "out of memory");
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
static int upload(struct client *c, const struct request *r, const struct hexo_remote_opts *o)
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

static int file_begin(struct client *c, const struct hexo_frame_hdr *h)
{
	struct hexo_msg_file f;
	char derr[320];
	int fd;

	if (c->outfd >= 0)
		return fail(c, -EPROTO, "FILE before the end of '%s'", c->cur);
	if (hexo_msg_file_decode(c->buf, h->len, &f, derr, sizeof(derr)))
		return fail(c, -EPROTO, "%s", derr);
	if (f.kind != HEXO_FILE_REG)
		return fail(c, -EPROTO, "a folder among the job's results");
	snprintf(c->cur, sizeof(c->cur), "%s", f.path);
	fd = hexo_tree_create_tmp(c->dirfd, c->cur, result_mode(c, &f), &c->tmpdir, c->tmp,
	                          sizeof(c->tmp));
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

/* --- the checkpoint coming back ------------------------------------------ */

/*
 * CHECKPOINT: the job wrote one on the node. It goes to a temp file beside
 * o->checkpoint (DIR/.NAME.hexo-tmp-XXXXXX), renamed over it once whole
 * and synced, so the file is the old checkpoint or the new one, never half
 * of one; its mode is what a local run gives it (0666 less our umask).
 */
static int ckpt_begin(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path = c->o ? c->o->checkpoint : NULL, *base;
	char derr[256];
	int fd;

	if (c->outfd >= 0 || c->ckfd >= 0 || c->ck_back)
		return fail(c, -EPROTO, "CHECKPOINT out of place");
	if (hexo_msg_checkpoint_decode(c->buf, h->len, &c->ck_left, derr, sizeof(derr)))
		return fail(c, -EPROTO, "%s", derr);
	if (!path)
		return fail(c, -EPROTO, "a checkpoint that was not asked for");
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (snprintf(c->cktmp, sizeof(c->cktmp), "%.*s.%s.hexo-tmp-XXXXXX", (int)(base - path),
	             path, base) >= (int)sizeof(c->cktmp))
		return fail(c, -ENAMETOOLONG, "checkpoint '%s': file name too long", path);
	fd = mkostemp(c->cktmp, O_CLOEXEC);
	if (fd < 0)
		return fail(c, -errno, "cannot write the checkpoint '%s': %s", path,
		            strerror(errno));
	fchmod(fd, 0666 & ~c->umask);
	c->ckfd = fd;
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

static int ckpt_data(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *path = c->o->checkpoint;
	int ret;

	if (!h->len || h->len > c->ck_left)
		return fail(c, -EPROTO, "DATA frame out of place");
	ret = hexo_io_write_all(c->ckfd, c->buf, h->len, -1);
	if (ret)
		return fail(c, ret, "writing the checkpoint '%s': %s", path, strerror(-ret));
	c->ck_left -= h->len;
	if (c->ck_left)
		return 0;
	if (fsync(c->ckfd) < 0 || close(c->ckfd) < 0) {
		ret = -errno;
		c->ckfd = -1;
		unlink(c->cktmp);
		return fail(c, ret, "writing the checkpoint '%s': %s", path, strerror(-ret));
	}
	c->ckfd = -1;
	if (rename(c->cktmp, path) < 0) {
		ret = -errno;
		unlink(c->cktmp);
		return fail(c, ret, "cannot write the checkpoint '%s': %s", path, strerror(-ret));
	}
	sync_parent(path);
	c->ck_back = true;
	return 0;
}

/* --- while the job runs: frames we send ---------------------------------- */

#define Q_CAP (HEXO_PROTO_HDR_SIZE + STDIN_CHUNK + 8 * HEXO_PROTO_HDR_SIZE)

/*
 * Sends what the socket takes now of the queued frames. When sending fails,
 * nothing more is sent: reading tells what happened (the agent's ERROR, or
 * the connection lost).
 */
static void q_send(struct client *c)
{
	ssize_t w;

	while (c->q_off < c->q_len) {
		w = send(c->fd, c->q + c->q_off, c->q_len - c->q_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0) {
			c->q_dead = true;
			c->in_open = false;
			break;
		}
		c->q_off += (size_t)w;
	}
	c->q_len = c->q_off = 0;
}

/* Room for len more bytes at the end of the queue (NULL: out of memory). */
static uint8_t *q_room(struct client *c, size_t len)
{
	if (!c->q) {
		c->q = malloc(Q_CAP);
		if (!c->q)
			return NULL;
	}
	if (c->q_off) {
		memmove(c->q, c->q + c->q_off, c->q_len - c->q_off);
		c->q_len -= c->q_off;
		c->q_off = 0;
	}
	return c->q_len + len <= Q_CAP ? c->q + c->q_len : NULL;
}

/* Reads what our stdin has into a STDIN frame; at its end, an empty one. */
static int stdin_read(struct client *c)
{
	struct hexo_frame_hdr h = {.type = HEXO_F_STDIN};
	uint8_t *p = q_room(c, HEXO_PROTO_HDR_SIZE + STDIN_CHUNK);
	ssize_t r;

	if (!p)
		return fail(c, -ENOMEM, "out of memory");
	r = read(0, p + HEXO_PROTO_HDR_SIZE, STDIN_CHUNK);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) { /* the end, or an error: the job sees the end */
		r = 0;
		c->in_open = false;
	}
	h.len = (uint32_t)r;
	hexo_frame_hdr_encode(p, &h);
	c->q_len += HEXO_PROTO_HDR_SIZE + (size_t)r;
	q_send(c);
	return 0;
}

/*
 * Whether to watch our stdin now: not while frames are still being sent
 * (the agent holds us back when the job does not read), and not while we
 * are in the background of our terminal (reading would stop us with
 * SIGTTIN): then look again in a moment.
 */
static bool stdin_wanted(struct client *c, int *timeout_ms)
{
	pid_t fg;

	if (!c->in_open || c->q_len)
		return false;
	if (c->in_tty) {
		fg = tcgetpgrp(0);
		if (fg > 0 && fg != getpgrp()) {
			*timeout_ms = BACKGROUND_POLL_MS;
			return false;
		}
	}
	return true;
}

/*
 * The job's output, to our stdout or stderr. When that is a pipe whose
 * reader went away (EPIPE), the agent is told to close the job's too, so
 * the guest's writes fail as they would in a local run. Other errors are
 * ignored: the job's files must still come back.
 */
static int out_write(struct client *c, unsigned stream, const uint8_t *p, size_t len)
{
	struct hexo_frame_hdr h = {.type = HEXO_F_CLOSED, .stream = (uint8_t)stream};
	int fd = stream == HEXO_STREAM_STDOUT ? 1 : 2;
	uint8_t *q;

	if (c->out_closed[fd] || hexo_io_write_all(fd, p, len, -1) != -EPIPE)
		return 0;
	c->out_closed[fd] = true;
	if (c->q_dead)
		return 0;
	q = q_room(c, HEXO_PROTO_HDR_SIZE);
	if (!q)
		return fail(c, -ENOMEM, "out of memory");
	hexo_frame_hdr_encode(q, &h);
	c->q_len += HEXO_PROTO_HDR_SIZE;
	q_send(c);
	return 0;
}

/* SIGUSR1s received: one MIGRATE each, as the queue takes them. */
static void migrate_send(struct client *c)
{
	struct hexo_frame_hdr h = {.type = HEXO_F_MIGRATE};
	uint8_t *q;

	if (usr1_got) {
		usr1_got = 0;
		c->migrate_pending++;
	}
	while (c->migrate_pending && !c->q_dead) {
		q = q_room(c, 3 * HEXO_PROTO_HDR_SIZE); /* and room left for two CLOSED */
		if (!q)
			break; /* full: once it drains */
		hexo_frame_hdr_encode(q, &h);
		c->q_len += HEXO_PROTO_HDR_SIZE;
		c->migrate_pending--;
	}
	q_send(c);
}

/* STARTED: the job runs on the node, under this id. */
static int job_started(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *job;
	char derr[256];

	if (c->job[0])
		return fail(c, -EPROTO, "STARTED twice");
	if (hexo_msg_job_decode(c->buf, h->len, false, &job, derr, sizeof(derr)))
		return fail(c, -EPROTO, "%s", derr);
	snprintf(c->job, sizeof(c->job), "%s", job);
	if (c->o && c->o->verbose)
		fprintf(stderr, "hexo: job %s started on node '%s'\n", c->job, c->n->name);
	return 0;
}

/* --- the job running, and its results ----------------------------------- */

/* One frame from the agent: 1 when it was EXIT (*status set), else 0 or -errno. */
static int result_frame(struct client *c, int *status)
{
	struct hexo_frame_hdr h;
	uint32_t st;
	char derr[256];
	int ret;

	ret = client_recv(c, &h, -1);
	if (ret)
		return ret;
	switch (h.type) {
	case HEXO_F_OUTPUT:
		ret = out_write(c, h.stream, c->buf, h.len);
		break;
	case HEXO_F_FILE:
		ret = file_begin(c, &h);
		break;
	case HEXO_F_DATA:
		if (c->ckfd >= 0)
			return ckpt_data(c, &h);
		ret = file_data(c, &h);
		break;
	case HEXO_F_CHECKPOINT:
		return ckpt_begin(c, &h);
	case HEXO_F_STARTED:
		return job_started(c, &h);
	case HEXO_F_DELETE:
		ret = file_delete(c, &h);
		break;
	case HEXO_F_EXIT:
		if (c->outfd >= 0)
			return fail(c, -EPROTO, "EXIT before the end of '%s'", c->cur);
		if (c->ckfd >= 0)
			return fail(c, -EPROTO, "EXIT before the end of the checkpoint");
		if (hexo_msg_exit_decode(c->buf, h.len, &st, derr, sizeof(derr)))
			return fail(c, -EPROTO, "%s", derr);
		*status = (int)st;
		return 1;
	default:
		return fail(c, -EPROTO, "unexpected %s frame from the agent",
		            hexo_frame_type_name(h.type));
	}
	if (ret == 1)
		ret = file_end(c);
	return ret;
}

/*
 * Until EXIT: the agent's frames, and our stdin forwarded as it is read.
 * The agent sends each frame whole, so reading one once it starts never
 * waits on us; we never block on sending, so the agent never waits on us
 * either.
 */
static int results(struct client *c, int *status)
{
	struct timespec ts;
	struct pollfd p[2];
	int ret, n, timeout_ms;

	for (;;) {
		migrate_send(c);
		timeout_ms = -1;
		p[0] = (struct pollfd){.fd = c->fd, .events = POLLIN | (c->q_len ? POLLOUT : 0)};
		p[1] =
		    (struct pollfd){.fd = stdin_wanted(c, &timeout_ms) ? 0 : -1, .events = POLLIN};
		ts = (struct timespec){.tv_sec = timeout_ms / 1000,
		                       .tv_nsec = (timeout_ms % 1000) * 1000000L};
		/* SIGUSR1 is let in only here, so none is missed between the test and the wait */
		n = ppoll(p, 2, timeout_ms < 0 ? NULL : &ts, &c->waitmask);
		if (n < 0 && errno != EINTR)
			return fail(c, -errno, "poll: %s", strerror(errno));
		if (n <= 0)
			continue;
		ret = 0;
		if (p[0].revents & POLLOUT)
			q_send(c);
		if (p[1].revents)
			ret = stdin_read(c);
		if (!ret && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			ret = result_frame(c, status);
		if (ret)
			return ret < 0 ? ret : 0;
	}
}

/* The image, checked as a local run checks it (the same message). */
static int check_image(struct client *c, const char *image)
{
	struct hexo_image img;
	int ret;

	ret = hexo_image_open(image, &img, c->err, c->errlen);
	if (!ret)
		hexo_image_close(&img);
	return ret;
}

/* The job directory, checked as a local run checks it, then listed. */
static int check_dir(struct client *c)
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

/* SIGUSR1 is ours while a job runs on a node; blocked but inside results(). */
struct usr1_save {
	struct sigaction sa;
	sigset_t mask;
};

static void usr1_take(struct client *c, struct usr1_save *save)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	usr1_got = 0;
	sigaction(SIGUSR1, &sa, &save->sa);
	sigprocmask(SIG_BLOCK, &set, &save->mask);
	c->waitmask = save->mask;
	sigdelset(&c->waitmask, SIGUSR1);
}

static void usr1_give_back(struct usr1_save *save)
{
	sigprocmask(SIG_SETMASK, &save->mask, NULL); /* one still pending lands in on_usr1 */
	sigaction(SIGUSR1, &save->sa, NULL);
	usr1_got = 0;
}

/*
 * Both requests: what a local run would refuse is refused before anything
 * is sent (the image as a local run checks it, the job directory), then
 * the upload, the job's run and its results.
 */
static int remote_job(const struct hexo_node *n, const struct request *r, const char *dir,
                      const struct hexo_remote_opts *o, struct hexo_remote_result *res, char *err,
                      size_t errlen)
{
	struct usr1_save save;
	struct client c;
	int ret;

	if (errlen)
		err[0] = '\0';
	*res = (struct hexo_remote_result){.status = 125};
	ret = client_init(&c, n, o ? o->timeout_ms : 0, err, errlen);
	if (ret)
		goto out;
	usr1_take(&c, &save);
	std_fds(&c);
	c.o = o;
	c.dir = dir ? dir : ".";
	if (r->argc > HEXO_PROTO_MAX_ARGS || (o && o->n_env > HEXO_PROTO_MAX_ARGS)) {
		ret =
		    fail(&c, -E2BIG, "more than %u arguments or --env values", HEXO_PROTO_MAX_ARGS);
		goto out_usr1;
	}
	ret = check_image(&c, r->image);
	if (!ret)
		ret = check_dir(&c);
	if (!ret)
		ret = client_auth(&c);
	if (!ret)
		ret = upload(&c, r, o);
	if (!ret)
		ret = results(&c, &res->status);
	res->checkpoint = c.ck_back;
	snprintf(res->job, sizeof(res->job), "%s", c.job);
out_usr1:
	usr1_give_back(&save);
out:
	client_close(&c);
	return ret;
}

int hexo_remote_run(const struct hexo_node *n, const char *image, const char *dir,
                    char *const argv[], const struct hexo_remote_opts *o,
                    struct hexo_remote_result *res, char *err, size_t errlen)
{
	const char *one[2] = {image, NULL};
	struct request r = {.kind = HEXO_RUN_IMAGE, .image = image};

	r.argv = argv && argv[0] ? (const char *const *)argv : one;
	while (r.argv[r.argc] && r.argc <= HEXO_PROTO_MAX_ARGS)
		r.argc++;
	return remote_job(n, &r, dir, o, res, err, errlen);
}

int hexo_remote_resume(const struct hexo_node *n, const char *checkpoint, const char *image,
                       const char *dir, const struct hexo_remote_opts *o,
                       struct hexo_remote_result *res, char *err, size_t errlen)
{
	const char *one[2] = {image, NULL};
	struct request r = {
	    .kind = HEXO_RUN_RESUME, .image = image, .ckpt = checkpoint, .argv = one, .argc = 1};

	return remote_job(n, &r, dir, o, res, err, errlen);
}

int hexo_remote_migrate(const struct hexo_node *n, const char *job, int timeout_ms, char *err,
                        size_t errlen)
{
	struct hexo_frame_hdr h;
	struct client c;
	int ret;

	if (errlen)
		err[0] = '\0';
	if (!hexo_proto_job_valid(job)) {
		snprintf(err, errlen, "'%s' is not a job id (e.g. job-Ab12Cd)", job);
		return -EINVAL;
	}
	ret = client_init(&c, n, timeout_ms, err, errlen);
	if (!ret)
		ret = client_auth(&c);
	if (!ret)
		ret = hexo_frame_send(c.fd, HEXO_F_MIGRATE, 0, job, strlen(job) + 1,
		                      hexo_deadline(c.timeout_ms));
	if (ret && !err[0])
		ret = fail(&c, ret, "sending the request: %s", strerror(-ret));
	if (!ret)
		ret = client_recv(&c, &h, hexo_deadline(c.timeout_ms));
	if (!ret && (h.type != HEXO_F_OK || h.len))
		ret = fail(&c, -EPROTO, "expected OK, got %s", hexo_frame_type_name(h.type));
	client_close(&c);
	return ret;
}
