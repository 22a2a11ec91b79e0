// SPDX-License-Identifier: MIT
/*
 * While the job runs: its stdout and stderr go to the client as they come
 * (OUTPUT), the client's stdin to it (STDIN), a closed output of the
 * client closes the job's (CLOSED), and migration requests, the client's
 * (MIGRATE) and other connections' (SIGUSR1), go on to its hexo, and, for
 * RUN flag STATUS, its hexo's --status file goes to the client (STATUS)
 * when it changed, looked at once a second. Until the job has ended and
 * its pipes are drained.
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

#include "job.h"

#define DRAIN_MS        2000
#define MIGRATE_POLL_MS 20 /* a migration request waits for the job's hexo to take SIGUSR1 */
#define STATUS_POLL_MS  1000 /* the job's hexo writes its --status file once a second */

/* --- the job's output ---------------------------------------------------- */

/* Forwards what a pipe has; closes it at EOF. */
static int forward(struct job *j, int *fd, unsigned stream)
{
	uint8_t buf[OUT_CHUNK];
	ssize_t r;
	int ret;

	r = read(*fd, buf, sizeof(buf));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	ret = hexo_frame_send(j->c->fd, HEXO_F_OUTPUT, stream, buf, (size_t)r, -1);
	if (ret) {
		snprintf(j->c->err, sizeof(j->c->err), "client went away: %s", strerror(-ret));
		hexod_log("job killed: %s", j->c->err);
	}
	return ret;
}

/* --- the job's stdin ------------------------------------------------------ */

/* Closes the job's stdin (EOF for the job); input still pending is dropped. */
void job_stdin_close(struct job *j)
{
	if (j->in >= 0)
		close(j->in);
	j->in = -1;
	j->in_len = j->in_off = 0;
}

/* Writes what the pipe takes of p: the number of bytes, or -1 when the job
 * no longer reads its stdin (it closed it, or ended). */
static ssize_t pipe_put(int fd, const uint8_t *p, size_t len)
{
	size_t done = 0;
	ssize_t w;

	while (done < len) {
		w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

/* A STDIN frame (in c->buf): more input for the job, or its end. */
static int stdin_frame(struct job *j, const struct hexo_frame_hdr *h)
{
	ssize_t n;

	if (j->in_eof)
		return conn_refuse(j->c, -EPROTO, "STDIN after the end of stdin");
	j->in_total += h->len;
	if (!h->len) {
		j->in_eof = true;
		if (!j->in_len)
			job_stdin_close(j);
		return 0;
	}
	if (j->in < 0)
		return 0; /* the job no longer reads: dropped */
	n = pipe_put(j->in, j->c->buf, h->len);
	if (n < 0) {
		job_stdin_close(j);
		return 0;
	}
	if ((size_t)n == h->len)
		return 0;
	/* The pipe is full: keep the rest (c->buf is reused) until it has room. */
	if (!j->in_buf) {
		j->in_buf = malloc(HEXO_PROTO_MAX_FRAME);
		if (!j->in_buf)
			return conn_refuse(j->c, -ENOMEM, "agent out of memory");
	}
	j->in_len = h->len - (size_t)n;
	j->in_off = 0;
	memcpy(j->in_buf, j->c->buf + n, j->in_len);
	return 0;
}

/* The pipe has room again: write what is pending. */
static void stdin_flush(struct job *j)
{
	ssize_t n;

	if (j->in < 0 || !j->in_len)
		return;
	n = pipe_put(j->in, j->in_buf + j->in_off, j->in_len);
	if (n < 0) {
		job_stdin_close(j);
		return;
	}
	j->in_off += (size_t)n;
	j->in_len -= (size_t)n;
	if (!j->in_len && j->in_eof)
		job_stdin_close(j);
}

/*
 * The client's stdout or stderr is closed (a reader that went away): close
 * the job's too, so its writes fail (EPIPE) as they would in a local run.
 */
static int output_closed(struct job *j, unsigned stream)
{
	bool merged = j->m->flags & HEXO_RUN_F_MERGED;
	int *fd = stream == HEXO_STREAM_STDERR && !merged ? &j->err : &j->out;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return 0;
}

/*
 * The client sent something while the job ran: stdin, or it left, or it
 * misbehaves. While stdin input is pending (the job does not read), the
 * socket is only watched for the client going away (POLLRDHUP), so TCP
 * holds the client back.
 */
static int client_spoke(struct job *j, short revents)
{
	struct hexo_frame_hdr h;
	uint8_t b;
	ssize_t r;
	int ret;

	if (j->in_len && !(revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return 0;
	if (j->in_len) {
		hexod_log("job killed: client went away");
		return -ECONNRESET;
	}
	r = recv(j->c->fd, &b, 1, MSG_PEEK);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		hexod_log("job killed: client went away");
		return -ECONNRESET;
	}
	ret = conn_recv(j->c, &h);
	if (ret)
		return ret;
	if (h.type == HEXO_F_STDIN)
		return stdin_frame(j, &h);
	if (h.type == HEXO_F_CLOSED)
		return output_closed(j, h.stream);
	if (h.type == HEXO_F_MIGRATE) {
		if (h.len)
			return conn_refuse(
			    j->c, -EPROTO,
			    "MIGRATE with a job id while a job runs (empty: this job)");
		j->migrate++;
		hexod_log("migration requested by the client");
		return 0;
	}
	return conn_refuse(j->c, -EPROTO, "unexpected %s frame while the job runs",
	                   hexo_frame_type_name(h.type));
}

/* --- the job's status ---------------------------------------------------- */

int job_status_send(struct job *j)
{
	char text[HEXO_PROTO_STATUS_MAX + 2];
	struct hexo_buf b = {0};
	ssize_t n;
	int fd, ret;

	if (!(j->m->flags & HEXO_RUN_F_STATUS))
		return 0;
	/* Replaced by rename(): one open file is one whole version of it. */
	fd = openat(j->tmpfd, JOB_STATUS, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0; /* not written yet */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (!strcmp(text, j->status_sent))
		return 0;
	if (hexo_msg_status_encode(&b, text)) {
		hexod_log("the job's status file is not a status (%zd bytes): not sent", n);
		hexo_buf_free(&b);
		return 0;
	}
	ret = hexo_frame_send(j->c->fd, HEXO_F_STATUS, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (ret) {
		snprintf(j->c->err, sizeof(j->c->err), "client went away: %s", strerror(-ret));
		hexod_log("job killed: %s", j->c->err);
		return ret;
	}
	memcpy(j->status_sent, text, (size_t)n + 1);
	return 0;
}

/* While the job runs: its status once a second; the wait shortened to the next look. */
static int status_poll(struct job *j, int *ms)
{
	int64_t now = hexo_now_ms(), left;
	int ret = 0;

	if (!(j->m->flags & HEXO_RUN_F_STATUS) || j->pid <= 0)
		return 0;
	if (now >= j->status_next) {
		ret = job_status_send(j);
		j->status_next = now + STATUS_POLL_MS;
	}
	left = j->status_next - now;
	if (*ms < 0 || *ms > left)
		*ms = (int)left;
	return ret;
}

/* --- migration requests -------------------------------------------------- */

/* A SIGUSR1 bit (bit N-1 for signal N) in a /proc/PID/status mask line. */
static bool status_has_usr1(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n))
		return false;
	return (strtoull(line + n, NULL, 16) >> (SIGUSR1 - 1)) & 1;
}

/*
 * Whether the job's hexo can take SIGUSR1 now without dying of it: it has
 * exec()ed (before, the child of fork() has our handler, then the default,
 * which kills) and catches or blocks SIGUSR1 (it installs its handler early
 * in main(), but not before). A request waits until then.
 */
static bool usr1_ready(pid_t pid)
{
	char path[64], self[PATH_MAX], exe[PATH_MAX], line[256];
	ssize_t n, m;
	bool ready = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe));
	m = readlink("/proc/self/exe", self, sizeof(self));
	if (n < 0 || (n == m && !memcmp(exe, self, (size_t)n)))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!ready && fgets(line, sizeof(line), f))
		ready = status_has_usr1(line, "SigCgt:") || status_has_usr1(line, "SigBlk:");
	fclose(f);
	return ready;
}

/*
 * Passes migration requests on to the job's hexo (SIGUSR1, which it turns
 * into a stop at the next migration point, as for a local run): the
 * client's (MIGRATE) and other connections' (MIGRATE JOB, our SIGUSR1).
 * Returns true while one still waits for the job to be ready.
 */
static bool migrate_pass_on(struct job *j)
{
	if (hexod_got_usr1) {
		hexod_got_usr1 = 0;
		j->migrate++;
		hexod_log("migration requested by another connection (MIGRATE %s)", j->id);
	}
	if (j->pid <= 0)
		j->migrate = 0; /* too late: the job has ended */
	if (!j->migrate || !usr1_ready(j->pid))
		return j->migrate != 0;
	if (kill(j->pid, SIGUSR1) < 0) {
		hexod_log("cannot pass the migration request on to pid %d: %s", (int)j->pid,
		          strerror(errno));
	} else {
		hexod_log("migration request passed on: SIGUSR1 to pid %d", (int)j->pid);
	}
	j->migrate = 0;
	return false;
}

static int stream_wait_ms(struct job *j, int64_t drain_end)
{
	if (j->pid > 0)
		return j->pidfd >= 0 ? -1 : 100;
	return (int)(drain_end > hexo_now_ms() ? drain_end - hexo_now_ms() : 0);
}

int job_stream(struct job *j)
{
	struct pollfd p[5];
	int64_t drain_end = -1;
	struct timespec ts;
	int ret = 0, ms, n;

	while (!ret && (j->pid > 0 || j->out >= 0 || j->err >= 0)) {
		if (j->pid <= 0 && drain_end < 0)
			drain_end = hexo_now_ms() + DRAIN_MS;
		ms = stream_wait_ms(j, drain_end);
		if (j->pid <= 0 && ms == 0)
			break; /* something outside the group holds the pipes */
		if (migrate_pass_on(j) && (ms < 0 || ms > MIGRATE_POLL_MS))
			ms = MIGRATE_POLL_MS;
		ret = status_poll(j, &ms);
		if (ret)
			break;
		p[0] = (struct pollfd){.fd = j->out, .events = POLLIN};
		p[1] = (struct pollfd){.fd = j->err, .events = POLLIN};
		p[2] = (struct pollfd){.fd = j->pid > 0 ? j->pidfd : -1, .events = POLLIN};
		p[3] = (struct pollfd){.fd = j->c->fd, .events = j->in_len ? POLLRDHUP : POLLIN};
		p[4] = (struct pollfd){.fd = j->in_len ? j->in : -1, .events = POLLOUT};
		ts = (struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
		n = ppoll(p, 5, ms < 0 ? NULL : &ts,
		          hexo_io_use_waitmask ? &hexo_io_waitmask : NULL);
		if (hexo_io_stop)
			return conn_refuse(j->c, -ESHUTDOWN, "agent stopping: job killed");
		if (n < 0 && errno != EINTR)
			return conn_refuse(j->c, -errno, "poll: %s", strerror(errno));
		if (n <= 0) {
			if (job_reap(j))
				job_stdin_close(j);
			continue;
		}
		if (p[0].revents)
			ret = forward(j, &j->out, HEXO_STREAM_STDOUT);
		if (!ret && p[1].revents)
			ret = forward(j, &j->err, HEXO_STREAM_STDERR);
		if (!ret && p[4].revents)
			stdin_flush(j);
		if (!ret && p[3].revents)
			ret = client_spoke(j, p[3].revents);
		if (!ret && (p[2].revents || j->pidfd < 0) && job_reap(j))
			job_stdin_close(j);
	}
	return ret;
}
