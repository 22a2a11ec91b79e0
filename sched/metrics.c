// SPDX-License-Identifier: MIT
/*
 * The daemon's Prometheus metrics (daemon.h): the text exposition format,
 * version 0.0.4, of the daemon's state, and a tiny HTTP/1.x server for it
 * that fits the daemon's single-threaded poll() loop.
 *
 * The families, every name prefixed hexo_sched_:
 *   jobs{state,machine}               gauge: jobs by state and machine
 *                                     (queued jobs: machine=""; a job that
 *                                     never ran anywhere: machine="")
 *   machine_up{machine}               gauge: 1 when the machine answers
 *   cores{machine}                    gauge: cores for jobs
 *   cores_used{machine}               gauge: cores the jobs hold (R1)
 *   memory_bytes{machine}             gauge: memory for jobs
 *   memory_used_bytes{machine}        gauge: memory the jobs hold (R1)
 *   migrations_total{direction}       counter: "offload" and "back"
 *   migration_duration_seconds        histogram: migration asked to resumed
 *   checkpoint_bytes                  histogram: checkpoint sizes
 *   estimate_relative_error           histogram: |est - measured| / measured
 *   queue_length                      gauge: queued jobs
 *   uptime_seconds                    gauge: since the daemon started
 * Every series that can exist for the current machines is written, at 0
 * when nothing counts there, so the set of series only changes with the
 * machines.
 *
 * The server (sd_metrics_serve) answers one connection per call: the
 * daemon calls it when its poll() says the listening socket is readable.
 * Everything is non-blocking and bounded by one deadline (SERVE_DEADLINE_MS)
 * from the accept: a peer that sends nothing, sends slowly or does not read
 * costs the daemon at most that long. Writes use MSG_NOSIGNAL: a peer gone
 * away is no SIGPIPE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define PREFIX "hexo_sched_"

/* The whole of one connection: reading the request and writing the answer. */
#define SERVE_DEADLINE_MS 1000
/* The request's head (request line and headers) we read at most. */
#define REQUEST_MAX 8192

/* Our own names: the state label's values (sd_job_state_name is daemon.c's). */
static const char *const state_label[] = {
	[SD_QUEUED] = "queued",
	[SD_RUNNING] = "running",
	[SD_MIGRATING] = "migrating",
	[SD_DONE] = "done",
	[SD_FAILED] = "failed",
	[SD_CANCELLED] = "cancelled",
};
#define N_STATES (sizeof(state_label) / sizeof(state_label[0]))

/* ------------------------------------------------------------ histograms -- */

void sd_hist_init(struct sd_hist *h, double first_bound, double factor)
{
	double b = first_bound;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < SD_HIST_BUCKETS; i++) {
		h->bounds[i] = b;
		b *= factor;
	}
}

void sd_hist_add(struct sd_hist *h, double v)
{
	if (isnan(v))
		return; /* it would make the sum NaN for good */
	for (size_t i = 0; i < SD_HIST_BUCKETS; i++)
		if (v <= h->bounds[i])
			h->counts[i]++;
	h->count++;
	h->sum += v;
}

void sd_metrics_init(struct sd_metrics *m)
{
	memset(m, 0, sizeof(*m));
	sd_hist_init(&m->migration_s, 0.5, 2);                /* 0.5 s .. 1024 s */
	sd_hist_init(&m->checkpoint_bytes, 64.0 * 1024, 4);   /* 64 KiB .. 256 GiB */
	sd_hist_init(&m->est_error, 0.05, 2);                 /* 5 % .. 102.4 */
}

/* ------------------------------------------------------------- the text -- */

/*
 * A float as Prometheus reads it: whole numbers in full, others the shortest
 * %g that reads back the same (0.05, not 0.050000000000000003); +Inf, -Inf,
 * NaN.
 */
static void fmt_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v); /* 104857600, not 1.048576e+08 */
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, len, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A label value, escaped as the format wants: \\, \" and \n. */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

/* name{machine="M"} value, for each machine. */
static void put_per_machine(FILE *f, const struct sd *d, size_t n_machines, const char *name,
			    const double *values)
{
	char num[40];

	for (size_t m = 0; m < n_machines; m++) {
		fmt_double(num, sizeof(num), values[m]);
		fprintf(f, PREFIX "%s{machine=\"", name);
		put_label_value(f, d->machines[m].name);
		fprintf(f, "\"} %s\n", num);
	}
}

static void put_hist(FILE *f, const char *name, const char *help, const struct sd_hist *h)
{
	char num[40];
	double last = -INFINITY;

	put_family(f, name, "histogram", help);
	for (size_t i = 0; i < SD_HIST_BUCKETS; i++) {
		/* Bounds must increase: a histogram never initialised (all 0)
		 * still gives a valid exposition. */
		if (!(h->bounds[i] > last) || isinf(h->bounds[i]))
			continue;
		last = h->bounds[i];
		fmt_double(num, sizeof(num), h->bounds[i]);
		fprintf(f, PREFIX "%s_bucket{le=\"%s\"} %llu\n", name, num,
			(unsigned long long)h->counts[i]);
	}
	fprintf(f, PREFIX "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
	fmt_double(num, sizeof(num), h->sum);
	fprintf(f, PREFIX "%s_sum %s\n", name, num);
	fprintf(f, PREFIX "%s_count %llu\n", name, (unsigned long long)h->count);
}

/* Does job j hold room on machine m? The policy's R1 (sched/policy.h). */
static bool holds(const struct sd_job *j, int m)
{
	if (j->state == SD_RUNNING)
		return j->machine == m;
	if (j->state == SD_MIGRATING)
		return j->machine == m || j->dest == m;
	return false;
}

char *sd_metrics_text(const struct sd *d)
{
	size_t nm = d->n_machines < SD_MAX_MACHINES ? d->n_machines : SD_MAX_MACHINES;
	/* jobs[state][machine]; index nm is machine="" */
	uint64_t jobs[N_STATES][SD_MAX_MACHINES + 1];
	double v[SD_MAX_MACHINES];
	uint64_t queued = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	memset(jobs, 0, sizeof(jobs));
	for (size_t i = 0; i < d->n_jobs; i++) {
		const struct sd_job *j = d->jobs[i];
		size_t at = nm;

		if (!j || (unsigned)j->state >= N_STATES)
			continue;
		if (j->state == SD_QUEUED)
			queued++;
		else if (j->machine >= 0 && (size_t)j->machine < nm)
			at = (size_t)j->machine;
		jobs[j->state][at]++;
	}

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;

	put_family(f, "jobs", "gauge",
		   "Jobs by state and machine (a migrating job: its source; queued: machine=\"\").");
	for (size_t s = 0; s < N_STATES; s++) {
		/* machine="": always for the states a job can be in without a
		 * machine (queued, or ended before it started), else when some
		 * job's machine is unknown */
		bool bare = s == SD_QUEUED || s == SD_DONE || s == SD_FAILED || s == SD_CANCELLED;

		for (size_t m = 0; m <= nm; m++) {
			if (m < nm ? s == SD_QUEUED : !bare && jobs[s][m] == 0)
				continue;
			fprintf(f, PREFIX "jobs{state=\"%s\",machine=\"", state_label[s]);
			if (m < nm)
				put_label_value(f, d->machines[m].name);
			fprintf(f, "\"} %llu\n", (unsigned long long)jobs[s][m]);
		}
	}

	put_family(f, "machine_up", "gauge", "1 when the machine answers, else 0.");
	for (size_t m = 0; m < nm; m++)
		v[m] = d->machines[m].up ? 1 : 0;
	put_per_machine(f, d, nm, "machine_up", v);

	put_family(f, "cores", "gauge", "Cores of the machine for jobs.");
	for (size_t m = 0; m < nm; m++)
		v[m] = d->machines[m].cores;
	put_per_machine(f, d, nm, "cores", v);

	put_family(f, "cores_used", "gauge",
		   "Cores held by the machine's jobs: running there, or migrating from or to it.");
	for (size_t m = 0; m < nm; m++) {
		uint64_t c = 0;

		for (size_t i = 0; i < d->n_jobs; i++)
			if (d->jobs[i] && holds(d->jobs[i], (int)m))
				c += d->jobs[i]->cores;
		v[m] = (double)c;
	}
	put_per_machine(f, d, nm, "cores_used", v);

	put_family(f, "memory_bytes", "gauge", "Memory of the machine for jobs, in bytes.");
	for (size_t m = 0; m < nm; m++)
		v[m] = (double)d->machines[m].mem_bytes;
	put_per_machine(f, d, nm, "memory_bytes", v);

	put_family(f, "memory_used_bytes", "gauge",
		   "Memory held by the machine's jobs (as cores_used), in bytes.");
	for (size_t m = 0; m < nm; m++) {
		uint64_t b = 0;

		for (size_t i = 0; i < d->n_jobs; i++)
			if (d->jobs[i] && holds(d->jobs[i], (int)m))
				b += d->jobs[i]->mem_bytes;
		v[m] = (double)b;
	}
	put_per_machine(f, d, nm, "memory_used_bytes", v);

	put_family(f, "migrations_total", "counter",
		   "Migrations done: offload (server to node) and back (node to server).");
	fprintf(f, PREFIX "migrations_total{direction=\"offload\"} %llu\n",
		(unsigned long long)d->metrics.migrations_offload);
	fprintf(f, PREFIX "migrations_total{direction=\"back\"} %llu\n",
		(unsigned long long)d->metrics.migrations_back);

	put_hist(f, "migration_duration_seconds",
		 "Time from asking a job to migrate to its resuming on the destination.",
		 &d->metrics.migration_s);
	put_hist(f, "checkpoint_bytes", "Size of the checkpoints of migrations.",
		 &d->metrics.checkpoint_bytes);
	put_hist(f, "estimate_relative_error",
		 "Relative error of the slowdown estimates of finished jobs (|estimated - measured| / measured).",
		 &d->metrics.est_error);

	put_family(f, "queue_length", "gauge", "Jobs queued, not started yet.");
	fprintf(f, PREFIX "queue_length %llu\n", (unsigned long long)queued);

	{
		char num[40];
		double up = sd_now() - d->started;

		fmt_double(num, sizeof(num), up > 0 ? up : 0);
		put_family(f, "uptime_seconds", "gauge", "Seconds since the daemon started.");
		fprintf(f, PREFIX "uptime_seconds %s\n", num);
	}

	if (ferror(f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* ------------------------------------------------------------- listening -- */

int sd_metrics_listen(const char *addr_port, char *err, size_t errlen)
{
	const char *colon = addr_port ? strrchr(addr_port, ':') : NULL;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	size_t hlen;
	unsigned long port = 0;
	int fd, one = 1;

	if (!addr_port)
		addr_port = "";
	if (!colon || colon == addr_port || !colon[1]) {
		snprintf(err, errlen, "--metrics %s: give ADDR:PORT, e.g. 127.0.0.1:9464", addr_port);
		return -1;
	}
	hlen = (size_t)(colon - addr_port);
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen,
			 "--metrics %s: the address must be an IPv4 address or localhost, e.g. 127.0.0.1:9464",
			 addr_port);
		return -1;
	}
	memcpy(host, addr_port, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "localhost") == 0) {
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen,
			 "--metrics %s: '%s' is not an IPv4 address: give dotted digits (127.0.0.1) or localhost",
			 addr_port, host);
		return -1;
	}
	for (const char *p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535) {
			port = 0;
			break;
		}
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "--metrics %s: the port must be 1 to 65535", addr_port);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--metrics %s: cannot make a TCP socket: %s", addr_port,
			 strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			snprintf(err, errlen,
				 "--metrics %s: the port is in use: choose another one or stop what listens there",
				 addr_port);
		else if (e == EACCES)
			snprintf(err, errlen,
				 "--metrics %s: permission denied: ports below 1024 need root, choose a port above 1023",
				 addr_port);
		else if (e == EADDRNOTAVAIL)
			snprintf(err, errlen,
				 "--metrics %s: no interface of this host has that address: use 127.0.0.1 or one of its addresses",
				 addr_port);
		else
			snprintf(err, errlen, "--metrics %s: cannot bind: %s", addr_port, strerror(e));
		return -1;
	}
	if (listen(fd, 16) < 0) {
		int e = errno;

		close(fd);
		snprintf(err, errlen, "--metrics %s: cannot listen: %s", addr_port, strerror(e));
		return -1;
	}
	return fd;
}

/* --------------------------------------------------------------- serving -- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for `events` until the deadline; false when not. */
static bool wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = {.fd = fd, .events = events};
		int n;

		if (left <= 0)
			return false;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Writes all of buf before the deadline; false when the peer is gone or slow. */
static bool send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static void respond(int fd, long long deadline, const char *status, const char *type,
		    const char *extra, const char *body, bool head_only)
{
	char hdr[512];
	size_t blen = strlen(body);
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, type, blen, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return;
	if (send_all(fd, hdr, (size_t)n, deadline) && !head_only)
		send_all(fd, body, blen, deadline);
}

/*
 * What the request's head says, once it is whole (a blank line) or the peer
 * has stopped sending: 0 and the request line's method and target, or -1
 * (malformed). The request line is METHOD SP TARGET SP HTTP/1.x.
 */
static int parse_request_line(char *req, char **method, char **target)
{
	char *eol = strchr(req, '\n');
	char *sp1, *sp2, *version;

	if (!eol)
		return -1;
	if (eol > req && eol[-1] == '\r')
		eol--;
	*eol = '\0';
	sp1 = strchr(req, ' ');
	if (!sp1 || sp1 == req)
		return -1;
	*sp1 = '\0';
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || sp2 == sp1 + 1)
		return -1;
	*sp2 = '\0';
	version = sp2 + 1;
	if (strncmp(version, "HTTP/1.", 7) != 0 || version[7] < '0' || version[7] > '9' ||
	    version[8] != '\0')
		return -1;
	for (const char *p = req; *p; p++)
		if (*p < 'A' || *p > 'Z')
			return -1; /* methods are tokens; ours are upper case */
	for (const char *p = sp1 + 1; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return -1;
	*method = req;
	*target = sp1 + 1;
	return 0;
}

/* The head is whole: the request line, the headers and a blank line. */
static bool head_complete(const char *req)
{
	return strstr(req, "\r\n\r\n") || strstr(req, "\n\n");
}

/* Is the request line there, and is it malformed already? */
static bool first_line_bad(const char *req)
{
	const char *eol = strchr(req, '\n');
	char line[REQUEST_MAX + 1];
	char *m, *t;
	size_t n;

	if (!eol)
		return false;
	n = (size_t)(eol - req) + 1;
	memcpy(line, req, n);
	line[n] = '\0';
	return parse_request_line(line, &m, &t) != 0;
}

static void answer(const struct sd *d, int fd, char *req, long long deadline)
{
	const char *text_type = "text/plain; charset=utf-8";
	char *method, *target, *q;
	bool head;

	if (parse_request_line(req, &method, &target) != 0) {
		respond(fd, deadline, "400 Bad Request", text_type, NULL,
			"bad request: expected GET /metrics HTTP/1.1\n", false);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		respond(fd, deadline, "405 Method Not Allowed", text_type, "Allow: GET, HEAD\r\n",
			"method not allowed: use GET\n", false);
		return;
	}
	q = strchr(target, '?');
	if (q)
		*q = '\0'; /* the query does not matter */
	if (strcmp(target, "/metrics") == 0) {
		char *body = sd_metrics_text(d);

		if (!body) {
			respond(fd, deadline, "500 Internal Server Error", text_type, NULL,
				"out of memory writing the metrics\n", head);
			return;
		}
		respond(fd, deadline, "200 OK", "text/plain; version=0.0.4", NULL, body, head);
		free(body);
	} else if (strcmp(target, "/") == 0) {
		respond(fd, deadline, "200 OK", text_type, NULL,
			"hexo sched: the Prometheus metrics are at /metrics\n", head);
	} else {
		respond(fd, deadline, "404 Not Found", text_type, NULL,
			"not found: the metrics are at /metrics\n", head);
	}
}

void sd_metrics_serve(const struct sd *d, int listen_fd)
{
	char req[REQUEST_MAX + 1];
	size_t len = 0;
	long long deadline;
	bool eof = false, late = false, nul = false;
	int fd;

	do
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return; /* none waiting (EAGAIN), or it went away */
	deadline = now_ms() + SERVE_DEADLINE_MS;

	/* Read until the head is whole, the request line is bad already, the
	 * peer stops sending, the buffer is full or the time is up. */
	req[0] = '\0';
	while (!eof && len < REQUEST_MAX && !head_complete(req) && !first_line_bad(req)) {
		ssize_t n = recv(fd, req + len, REQUEST_MAX - len, 0);

		if (n > 0) {
			if (memchr(req + len, '\0', (size_t)n)) {
				nul = true; /* no HTTP request has one */
				req[0] = '\0';
				break;
			}
			len += (size_t)n;
			req[len] = '\0';
		} else if (n == 0) {
			eof = true;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!wait_fd(fd, POLLIN, deadline)) {
				late = true;
				break;
			}
		} else {
			close(fd);
			return;
		}
	}

	if (late && !strchr(req, '\n')) {
		/* not even a request line in time: a little more time to say so */
		respond(fd, now_ms() + 100, "408 Request Timeout", "text/plain; charset=utf-8", NULL,
			"request timeout: send the request within a second\n", false);
	} else if (len > 0 || nul) {
		answer(d, fd, req, late ? now_ms() + 100 : deadline); /* no whole request line: 400 */
	} /* else it hung up before a byte: nobody to answer */

	/* So that close() does not reset the connection under data the peer
	 * has still to read: shut our side, then drop what it sent unread
	 * (a bounded amount: a peer that keeps sending is not waited for). */
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 16 && recv(fd, req, sizeof(req) - 1, 0) > 0; i++)
		;
	close(fd);
}
