// SPDX-License-Identifier: MIT
/*
 * Client side of the hexod protocol (lib/proto.h), used by the hexo CLI
 * (client.h): what every request shares (connecting, authenticating,
 * receiving, the one-line error) and the short requests, PING and MIGRATE
 * JOB. A job's run is in client_upload.c (the local checks and the upload),
 * client_job.c (while it runs, until EXIT) and client_results.c (the files
 * and the checkpoint coming back); client_int.h ties them.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client_int.h"
#include "proto_fs.h"
#include "secret.h"

#define DEFAULT_TIMEOUT_MS 30000

/* "node 'NAME' (HOST:PORT): " + message */
int client_fail(struct client *c, int ret, const char *fmt, ...)
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
		return client_fail(c, -EHOSTUNREACH,
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
		return client_fail(c, ret, "cannot connect: %s: is hexod running there%s?",
		                   strerror(-ret),
		                   strcmp(c->n->kind, "board") ? "" : " (see 'hexo board status')");
	c->fd = ret;
	return 0;
}

int client_init(struct client *c, const struct hexo_node *n, int timeout_ms, char *err,
                size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	*c = (struct client){.n = n,
	                     .fd = -1,
	                     .dirfd = -1,
	                     .out = {.fd = -1},
	                     .ck = {.fd = -1},
	                     .ckdir = -1,
	                     .err = err,
	                     .errlen = errlen};
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	c->umask = umask(0);
	umask(c->umask);
	if (hexo_secret_parse(n->secret, c->key))
		return client_fail(c, -EINVAL,
		                   "bad secret in the node registry: add the node again");
	c->buf = malloc(HEXO_PROTO_MAX_FRAME);
	if (!c->buf)
		return client_fail(c, -ENOMEM, "out of memory");
	return 0;
}

int client_auth(struct client *c)
{
	char herr[512];
	int ret;

	ret = client_connect(c);
	if (ret)
		return ret;
	ret =
	    hexo_handshake_client(c->fd, c->key, hexo_deadline(c->timeout_ms), herr, sizeof(herr));
	if (ret)
		return client_fail(c, ret, "%s", herr);
	return 0;
}

int client_open(struct client *c, const struct hexo_node *n, int timeout_ms, char *err,
                size_t errlen)
{
	int ret = client_init(c, n, timeout_ms, err, errlen);

	return ret ? ret : client_auth(c);
}

void client_close(struct client *c)
{
	if (c->out.fd >= 0)
		hexo_tree_abort(&c->out);
	if (c->ck.fd >= 0)
		hexo_newfile_abort(&c->ck);
	if (c->ckdir >= 0)
		close(c->ckdir);
	if (c->fd >= 0)
		hexo_io_close(c->fd);
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
int client_recv(struct client *c, struct hexo_frame_hdr *h, int64_t deadline)
{
	struct hexo_msg_error e;
	char err[256];
	int ret;

	ret = hexo_frame_recv(c->fd, h, c->buf, HEXO_PROTO_MAX_FRAME, deadline, err, sizeof(err));
	if (ret == -EBADMSG) /* nothing of it is used: the caller stops here */
		return client_fail(c, ret,
		                   "the data was altered on the way (or did not come from node "
		                   "'%s'): stopped, nothing more is written here",
		                   c->n->name);
	if (ret == -EPIPE || ret == -ECONNRESET)
		return client_fail(c, ret, "connection lost: %s", err);
	if (ret)
		return client_fail(c, ret, "%s", err);
	if (h->type == HEXO_F_ERROR) {
		hexo_msg_error_decode(c->buf, h->len, &e);
		return client_fail(c, e.code ? -(int)e.code : -EPROTO, "%s", e.msg);
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
		ret =
		    client_fail(&c, -EPROTO, "expected PONG, got %s", hexo_frame_type_name(h.type));
	if (!ret && hexo_msg_pong_decode(c.buf, h.len, &p, derr, sizeof(derr)))
		ret = client_fail(&c, -EPROTO, "%s", derr);
	if (!ret) {
		*info = (struct hexo_remote_info){.proto = p.version, .isa = p.isa, .cpus = p.cpus,
		                                    .mem_bytes = p.mem_bytes};
		snprintf(info->machine, sizeof(info->machine), "%s", p.machine);
		snprintf(info->agent, sizeof(info->agent), "%s", p.agent);
	}
	client_close(&c);
	return ret;
}

/* --- migrate ------------------------------------------------------------- */

int hexo_remote_migrate(const struct hexo_node *n, const char *job, int timeout_ms, char *err,
                        size_t errlen)
{
	struct hexo_frame_hdr h;
	struct client c;
	int ret;

	if (!hexo_proto_job_valid(job)) {
		snprintf(err, errlen, "'%s' is not a job id (e.g. job-Ab12Cd)", job);
		return -EINVAL;
	}
	ret = client_open(&c, n, timeout_ms, err, errlen);
	if (!ret)
		ret = hexo_frame_send(c.fd, HEXO_F_MIGRATE, 0, job, strlen(job) + 1,
		                      hexo_deadline(c.timeout_ms));
	if (ret && !err[0])
		ret = client_fail(&c, ret, "sending the request: %s", strerror(-ret));
	if (!ret)
		ret = client_recv(&c, &h, hexo_deadline(c.timeout_ms));
	if (!ret && (h.type != HEXO_F_OK || h.len))
		ret = client_fail(&c, -EPROTO, "expected OK, got %s", hexo_frame_type_name(h.type));
	client_close(&c);
	return ret;
}
