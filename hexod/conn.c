// SPDX-License-Identifier: MIT
/*
 * One client connection, in its own process: the handshake, then requests
 * (PING, RUN, MIGRATE JOB) until the client closes. Anything unauthenticated, malformed,
 * oversized or out of order is answered with an ERROR frame, logged with
 * the peer address, and the connection is closed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hexod.h"
#include "isa.h"

const char *hexod_machine(void)
{
	static struct utsname u;

	if (!u.machine[0] && uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	return u.machine;
}

/*
 * Memory this machine gives jobs, for schedulers: 3/4 of its RAM (the rest
 * for the system, the agent and the monitors' own pages).
 */
uint64_t hexod_job_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 4 * 3 : 0;
}

static int send_pong(struct conn *c)
{
	struct hexo_msg_pong p = {.version = HEXO_PROTO_VERSION, .agent = "hexod " HEXOD_VERSION};
	struct hexo_buf b = {0};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	p.machine = hexod_machine();
	p.isa = hexo_isa_from_name(p.machine);
	p.cpus = cpus > 0 ? (uint32_t)cpus : 1;
	p.mem_bytes = hexod_job_memory();
	ret = hexo_msg_pong_encode(&b, &p);
	if (!ret)
		ret = hexo_frame_send(c->fd, HEXO_F_PONG, 0, b.p, b.len,
		                      hexo_deadline(c->cfg->timeout_ms));
	hexo_buf_free(&b);
	hexod_log("ping: %s, %u CPUs", p.machine, p.cpus);
	return ret;
}

static int serve_run(struct conn *c, const struct hexo_frame_hdr *h)
{
	struct hexo_msg_run m;
	char err[256];
	uint8_t *req;
	int ret;

	/* The decoded strings point into the payload: keep it, c->buf is reused. */
	req = malloc(h->len ? h->len : 1);
	if (!req)
		return conn_refuse(c, -ENOMEM, "agent out of memory");
	memcpy(req, c->buf, h->len);
	ret = hexo_msg_run_decode(req, h->len, &m, err, sizeof(err));
	if (ret) {
		free(req);
		return conn_refuse(c, ret, "%s", err);
	}
	ret = job_run(c, &m);
	hexo_msg_run_free(&m);
	free(req);
	return ret;
}

/* MIGRATE JOB: ask the job `JOB` of this agent to migrate. */
static int serve_migrate(struct conn *c, const struct hexo_frame_hdr *h)
{
	const char *job;
	char err[256];

	if (hexo_msg_job_decode(c->buf, h->len, false, &job, err, sizeof(err)))
		return conn_refuse(c, -EPROTO, "%s", err);
	hexod_log("migrate request: %s", job);
	return job_migrate_request(c, job);
}

/* Serves requests until the client closes or something goes wrong. */
static int serve_requests(struct conn *c)
{
	struct hexo_frame_hdr h;
	int ret;

	for (;;) {
		ret = conn_recv(c, &h);
		if (ret == -EPIPE) {
			hexod_log("closed by client");
			return 0;
		}
		if (ret)
			return ret;
		switch (h.type) {
		case HEXO_F_PING:
			if (h.len)
				return conn_refuse(c, -EPROTO, "PING with a payload");
			ret = send_pong(c);
			break;
		case HEXO_F_RUN:
			ret = serve_run(c, &h);
			c->jobs++;
			break;
		case HEXO_F_MIGRATE:
			if (h.len) {
				ret = serve_migrate(c, &h);
				break;
			}
			/* fall through: an empty one is for this connection's job */
		case HEXO_F_STDIN:
		case HEXO_F_CLOSED:
			/* Sent before the client saw the job's EXIT: too late, dropped. */
			if (!c->jobs)
				return conn_refuse(c, -EPROTO, "%s before any RUN",
				                   hexo_frame_type_name(h.type));
			break;
		default:
			return conn_refuse(c, -EPROTO,
			                   "expected a PING, RUN or MIGRATE request, got %s",
			                   hexo_frame_type_name(h.type));
		}
		if (ret)
			return ret;
	}
}

void conn_serve(const struct hexod_cfg *cfg, int fd, const char *peer, unsigned id, int authfd)
{
	int hs_ms = cfg->timeout_ms < HEXOD_HANDSHAKE_MS ? cfg->timeout_ms : HEXOD_HANDSHAKE_MS;
	struct conn c = {.fd = fd, .id = id, .cfg = cfg};
	int ret;

	snprintf(c.peer, sizeof(c.peer), "%s", peer);
	hexod_log_set_conn(peer, id);
	hexod_log("connected");
	c.buf = malloc(HEXO_PROTO_MAX_FRAME);
	if (!c.buf) {
		hexo_send_error(fd, ENOMEM, "agent out of memory");
		hexod_log("out of memory");
		close(fd);
		return;
	}
	ret = hexo_sock_setup(fd);
	if (!ret)
		ret = hexo_handshake_server(fd, cfg->key, hexo_deadline(hs_ms), c.err, sizeof(c.err));
	if (ret) {
		hexod_log("refused: handshake: %s", c.err);
	} else {
		hexod_log("authenticated");
		/* The agent counts us among the authenticated from now on. */
		if (write(authfd, "A", 1) < 0)
			hexod_log("warning: cannot tell the agent: %s", strerror(errno));
		ret = serve_requests(&c);
	}
	free(c.buf);
	if (ret)
		hexo_io_linger_close(fd, 2000);
	else
		hexo_io_close(fd);
}
