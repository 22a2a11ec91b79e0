// SPDX-License-Identifier: MIT
/*
 * A job on a node, from the checks to EXIT (hexo_remote_run(),
 * hexo_remote_resume()): the job is checked and sent (client_upload.c),
 * then, while it runs, its output goes to ours, our stdin and SIGUSR1s
 * (MIGRATE) go to it, and what comes back is written (client_results.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "fsutil.h"

#define STDIN_CHUNK        65536
#define BACKGROUND_POLL_MS 250

/* SIGUSR1 while a job runs on a node: ask it to migrate (MIGRATE). */
static volatile sig_atomic_t usr1_got;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_got = 1;
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

/* --- while the job runs: frames we send ---------------------------------- */

/* a STDIN frame and a few empty ones, as they go on the wire (sealed) */
#define Q_CAP (HEXO_FRAME_WIRE_MAX(STDIN_CHUNK) + 8 * HEXO_FRAME_WIRE_MAX(0))

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

/* Queues a frame (sealed, as hexo_frame_send() would send it); q_room() first. */
static int q_frame(struct client *c, uint8_t *q, unsigned type, unsigned stream, const void *p,
                   size_t len)
{
	ssize_t n = hexo_frame_encode(c->fd, q, type, stream, p, len);

	if (n < 0)
		return client_fail(c, (int)n, "sealing a frame: %s", strerror((int)-n));
	c->q_len += (size_t)n;
	return 0;
}

/* Reads what our stdin has into a STDIN frame; at its end, an empty one. */
static int stdin_read(struct client *c)
{
	static uint8_t in[STDIN_CHUNK];
	uint8_t *q = q_room(c, HEXO_FRAME_WIRE_MAX(STDIN_CHUNK));
	ssize_t r;
	int ret;

	if (!q)
		return client_fail(c, -ENOMEM, "out of memory");
	r = read(0, in, sizeof(in));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) { /* the end, or an error: the job sees the end */
		r = 0;
		c->in_open = false;
	}
	ret = q_frame(c, q, HEXO_F_STDIN, 0, in, (size_t)r);
	q_send(c);
	return ret;
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
	int fd = stream == HEXO_STREAM_STDOUT ? 1 : 2;
	uint8_t *q;
	int ret;

	if (c->out_closed[fd] || hexo_io_write_all(fd, p, len, -1) != -EPIPE)
		return 0;
	c->out_closed[fd] = true;
	if (c->q_dead)
		return 0;
	q = q_room(c, HEXO_FRAME_WIRE_MAX(0));
	if (!q)
		return client_fail(c, -ENOMEM, "out of memory");
	ret = q_frame(c, q, HEXO_F_CLOSED, stream, NULL, 0);
	q_send(c);
	return ret;
}

/* SIGUSR1s received: one MIGRATE each, as the queue takes them. */
static void migrate_send(struct client *c)
{
	uint8_t *q;

	if (usr1_got) {
		usr1_got = 0;
		c->migrate_pending++;
	}
	while (c->migrate_pending && !c->q_dead) {
		q = q_room(c, 3 * HEXO_FRAME_WIRE_MAX(0)); /* and room left for two CLOSED */
		if (!q || q_frame(c, q, HEXO_F_MIGRATE, 0, NULL, 0))
			break; /* full: once it drains */
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
		return client_fail(c, -EPROTO, "STARTED twice");
	if (hexo_msg_job_decode(c->buf, h->len, false, &job, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	snprintf(c->job, sizeof(c->job), "%s", job);
	if (c->o && c->o->verbose)
		fprintf(stderr, "hexo: job %s started on node '%s'\n", c->job, c->n->name);
	return 0;
}

/* STATUS: the job's status, to --status FILE (a failure is told once, the job goes on). */
static int job_status(struct client *c, const struct hexo_frame_hdr *h)
{
	const char *text;
	char derr[256];
	int ret;

	if (!c->o || !c->o->status)
		return client_fail(c, -EPROTO, "STATUS frame, but no --status was asked for");
	if (hexo_msg_status_decode(c->buf, h->len, &text, derr, sizeof(derr)))
		return client_fail(c, -EPROTO, "%s", derr);
	ret = hexo_write_file_atomic(c->o->status, text, strlen(text), 0644);
	if (ret && !c->status_told) {
		fprintf(stderr, "hexo: warning: --status %s: cannot write it: %s; the job goes on\n",
		        c->o->status, strerror(-ret));
		c->status_told = true;
	}
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
		ret = client_file_begin(c, &h);
		break;
	case HEXO_F_DATA:
		if (c->ck.fd >= 0)
			return client_ckpt_data(c, &h);
		ret = client_file_data(c, &h);
		break;
	case HEXO_F_CHECKPOINT:
		return client_ckpt_begin(c, &h);
	case HEXO_F_STARTED:
		return job_started(c, &h);
	case HEXO_F_STATUS:
		return job_status(c, &h);
	case HEXO_F_DELETE:
		ret = client_file_delete(c, &h);
		break;
	case HEXO_F_EXIT:
		if (c->out.fd >= 0)
			return client_fail(c, -EPROTO, "EXIT before the end of '%s'", c->cur);
		if (c->ck.fd >= 0)
			return client_fail(c, -EPROTO, "EXIT before the end of the checkpoint");
		if (hexo_msg_exit_decode(c->buf, h.len, &st, derr, sizeof(derr)))
			return client_fail(c, -EPROTO, "%s", derr);
		*status = (int)st;
		return 1;
	default:
		return client_fail(c, -EPROTO, "unexpected %s frame from the agent",
		                   hexo_frame_type_name(h.type));
	}
	if (ret == 1)
		ret = client_file_end(c);
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
			return client_fail(c, -errno, "poll: %s", strerror(errno));
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

	*res = (struct hexo_remote_result){.status = 125};
	ret = client_init(&c, n, o ? o->timeout_ms : 0, err, errlen);
	if (ret)
		goto out;
	usr1_take(&c, &save);
	std_fds(&c);
	c.o = o;
	c.dir = dir ? dir : ".";
	if (r->argc > HEXO_PROTO_MAX_ARGS || (o && o->n_env > HEXO_PROTO_MAX_ARGS)) {
		ret = client_fail(&c, -E2BIG, "more than %u arguments or --env values",
		                  HEXO_PROTO_MAX_ARGS);
		goto out_usr1;
	}
	ret = client_check_image(&c, r->image);
	if (!ret)
		ret = client_check_dir(&c);
	if (!ret)
		ret = client_auth(&c);
	if (!ret)
		ret = client_upload(&c, r, o);
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
