// SPDX-License-Identifier: MIT
/*
 * Unit tests for the daemon's metrics (sched/metrics.c): the text of a
 * hand-built daemon state (two machines, jobs in every state, one of them
 * migrating), checked line by line and by `promtool check metrics` when it
 * is installed; the histograms; the listener's argument errors; and the
 * HTTP server over loopback, bad peers included.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon.h"

#define MiB (1024ull * 1024)

/* ---------------------------------------------------------------- world -- */

static struct sd d;
static struct sd_job job_store[8];
static struct sd_job *job_ptrs[8];

static int add_machine(const char *name, bool local, bool server, unsigned cores, uint64_t mem)
{
	struct sd_machine *m = &d.machines[d.n_machines];

	snprintf(m->name, sizeof(m->name), "%s", name);
	m->local = local;
	m->is_server = server;
	m->up = true;
	m->cores = cores;
	m->mem_bytes = mem;
	return (int)d.n_machines++;
}

static struct sd_job *add_job(enum sd_job_state s, int machine, int dest, uint64_t mem)
{
	struct sd_job *j = &job_store[d.n_jobs];

	j->id = d.n_jobs + 1;
	j->state = s;
	j->machine = machine;
	j->dest = dest;
	j->cores = 1;
	j->mem_bytes = mem;
	job_ptrs[d.n_jobs++] = j;
	return j;
}

/*
 * The server "local" (2 cores, 4 GiB) and the node "b1" (1 core, 1 GiB):
 * job 1 runs on local, job 2 migrates from local to b1, jobs 3 and 4 are
 * queued, job 5 ended on b1, job 6 failed before it started, job 7 was
 * cancelled while queued.
 */
static int setup_world(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	memset(job_store, 0, sizeof(job_store));
	d.jobs = job_ptrs;
	d.cap_jobs = 8;
	d.started = sd_now() - 100;
	sd_metrics_init(&d.metrics);

	int local = add_machine("local", true, true, 2, 4096 * MiB);
	int b1 = add_machine("b1", false, false, 1, 1024 * MiB);

	add_job(SD_RUNNING, local, -1, 100 * MiB);
	add_job(SD_MIGRATING, local, b1, 200 * MiB);
	add_job(SD_QUEUED, -1, -1, 100 * MiB);
	add_job(SD_QUEUED, -1, -1, 100 * MiB);
	add_job(SD_DONE, b1, -1, 100 * MiB);
	add_job(SD_FAILED, -1, -1, 100 * MiB);
	add_job(SD_CANCELLED, -1, -1, 100 * MiB);
	return 0;
}

/* The text has this line, whole. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define assert_line(text, line)                                                   \
	do {                                                                      \
		if (!has_line((text), (line))) {                                  \
			printf("%s", (text));                                     \
			fail_msg("no line \"%s\" in the text above", (line));     \
		}                                                                 \
	} while (0)

/* The value of the one sample line that starts with `prefix` and a space. */
static double sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; (p = strstr(p, prefix)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	fail_msg("no sample %s in:\n%s", prefix, text);
	return 0;
}

/* -------------------------------------------------------------- the text -- */

static void test_jobs_by_state_and_machine(void **state)
{
	(void)state;
	char *t = sd_metrics_text(&d);

	assert_non_null(t);
	assert_true(strncmp(t, "# HELP hexo_sched_jobs ", 23) == 0);
	assert_line(t, "# TYPE hexo_sched_jobs gauge");
	assert_line(t, "hexo_sched_jobs{state=\"queued\",machine=\"\"} 2");
	assert_line(t, "hexo_sched_jobs{state=\"running\",machine=\"local\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"running\",machine=\"b1\"} 0");
	/* a migrating job counts on its source */
	assert_line(t, "hexo_sched_jobs{state=\"migrating\",machine=\"local\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"migrating\",machine=\"b1\"} 0");
	assert_line(t, "hexo_sched_jobs{state=\"done\",machine=\"b1\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"done\",machine=\"local\"} 0");
	assert_line(t, "hexo_sched_jobs{state=\"done\",machine=\"\"} 0");
	assert_line(t, "hexo_sched_jobs{state=\"failed\",machine=\"\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"cancelled\",machine=\"\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"cancelled\",machine=\"local\"} 0");
	/* queued jobs have no machine; running ones always have one */
	assert_null(strstr(t, "{state=\"queued\",machine=\"local\"}"));
	assert_null(strstr(t, "{state=\"running\",machine=\"\"}"));
	assert_line(t, "hexo_sched_queue_length 2");
	free(t);
}

static void test_machines(void **state)
{
	(void)state;
	char *t;

	d.machines[1].up = false;
	t = sd_metrics_text(&d);
	assert_non_null(t);
	assert_line(t, "# TYPE hexo_sched_machine_up gauge");
	assert_line(t, "hexo_sched_machine_up{machine=\"local\"} 1");
	assert_line(t, "hexo_sched_machine_up{machine=\"b1\"} 0");
	assert_line(t, "hexo_sched_cores{machine=\"local\"} 2");
	assert_line(t, "hexo_sched_cores{machine=\"b1\"} 1");
	/* R1: the migrating job holds its core on both its source and its
	 * destination; the ended ones hold nothing */
	assert_line(t, "hexo_sched_cores_used{machine=\"local\"} 2");
	assert_line(t, "hexo_sched_cores_used{machine=\"b1\"} 1");
	assert_line(t, "hexo_sched_memory_bytes{machine=\"local\"} 4294967296");
	assert_line(t, "hexo_sched_memory_bytes{machine=\"b1\"} 1073741824");
	assert_line(t, "hexo_sched_memory_used_bytes{machine=\"local\"} 314572800");
	assert_line(t, "hexo_sched_memory_used_bytes{machine=\"b1\"} 209715200");
	free(t);

	/* once it has resumed on b1, local has one core in use */
	job_store[1].state = SD_RUNNING;
	job_store[1].machine = 1;
	job_store[1].dest = -1;
	t = sd_metrics_text(&d);
	assert_line(t, "hexo_sched_cores_used{machine=\"local\"} 1");
	assert_line(t, "hexo_sched_cores_used{machine=\"b1\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"migrating\",machine=\"local\"} 0");
	assert_line(t, "hexo_sched_jobs{state=\"running\",machine=\"b1\"} 1");
	free(t);
}

static void test_counters_histograms_uptime(void **state)
{
	(void)state;
	char *t;
	double up;

	d.metrics.migrations_offload = 3;
	d.metrics.migrations_back = 1;
	sd_hist_add(&d.metrics.migration_s, 0.3);
	sd_hist_add(&d.metrics.migration_s, 1.5);
	sd_hist_add(&d.metrics.migration_s, 5000); /* above every bound */
	sd_hist_add(&d.metrics.checkpoint_bytes, 3 * MiB);
	sd_hist_add(&d.metrics.est_error, 0.1);
	t = sd_metrics_text(&d);
	assert_non_null(t);

	assert_line(t, "# TYPE hexo_sched_migrations_total counter");
	assert_line(t, "hexo_sched_migrations_total{direction=\"offload\"} 3");
	assert_line(t, "hexo_sched_migrations_total{direction=\"back\"} 1");

	assert_line(t, "# TYPE hexo_sched_migration_duration_seconds histogram");
	assert_line(t, "hexo_sched_migration_duration_seconds_bucket{le=\"0.5\"} 1");
	assert_line(t, "hexo_sched_migration_duration_seconds_bucket{le=\"1\"} 1");
	assert_line(t, "hexo_sched_migration_duration_seconds_bucket{le=\"2\"} 2");
	assert_line(t, "hexo_sched_migration_duration_seconds_bucket{le=\"1024\"} 2");
	assert_line(t, "hexo_sched_migration_duration_seconds_bucket{le=\"+Inf\"} 3");
	assert_line(t, "hexo_sched_migration_duration_seconds_count 3");
	assert_line(t, "hexo_sched_migration_duration_seconds_sum 5001.8");

	assert_line(t, "# TYPE hexo_sched_checkpoint_bytes histogram");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"65536\"} 0");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"1048576\"} 0");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"4194304\"} 1");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"274877906944\"} 1");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"+Inf\"} 1");
	assert_line(t, "hexo_sched_checkpoint_bytes_sum 3145728");

	assert_line(t, "# TYPE hexo_sched_estimate_relative_error histogram");
	assert_line(t, "hexo_sched_estimate_relative_error_bucket{le=\"0.05\"} 0");
	assert_line(t, "hexo_sched_estimate_relative_error_bucket{le=\"0.1\"} 1");
	assert_line(t, "hexo_sched_estimate_relative_error_bucket{le=\"102.4\"} 1");
	assert_line(t, "hexo_sched_estimate_relative_error_bucket{le=\"+Inf\"} 1");
	assert_line(t, "hexo_sched_estimate_relative_error_count 1");

	/* every histogram: +Inf is the count */
	static const char *const h[] = {"hexo_sched_migration_duration_seconds",
					"hexo_sched_checkpoint_bytes",
					"hexo_sched_estimate_relative_error"};
	for (size_t i = 0; i < 3; i++) {
		char inf[128], count[128];

		snprintf(inf, sizeof(inf), "%s_bucket{le=\"+Inf\"}", h[i]);
		snprintf(count, sizeof(count), "%s_count", h[i]);
		assert_true(sample(t, inf) == sample(t, count));
	}

	assert_line(t, "# TYPE hexo_sched_uptime_seconds gauge");
	up = sample(t, "hexo_sched_uptime_seconds");
	assert_true(up >= 100 && up < 110);
	free(t);
}

/* Every family has its HELP and TYPE, once each, HELP first. */
static void test_help_and_type(void **state)
{
	(void)state;
	static const char *const fam[] = {
		"jobs", "machine_up", "cores", "cores_used", "memory_bytes", "memory_used_bytes",
		"migrations_total", "migration_duration_seconds", "checkpoint_bytes",
		"estimate_relative_error", "queue_length", "uptime_seconds",
	};
	char *t = sd_metrics_text(&d);

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		char help[96], type[96];
		const char *ph, *pt;

		snprintf(help, sizeof(help), "\n# HELP hexo_sched_%s ", fam[i]);
		snprintf(type, sizeof(type), "\n# TYPE hexo_sched_%s ", fam[i]);
		ph = i == 0 && strncmp(t, help + 1, strlen(help) - 1) == 0 ? t : strstr(t, help);
		pt = strstr(t, type);
		assert_non_null(ph);
		assert_non_null(pt);
		assert_true(ph < pt);
		assert_null(strstr(pt + 1, type));
	}
	assert_int_equal(t[strlen(t) - 1], '\n');
	free(t);
}

static void test_label_escaping(void **state)
{
	(void)state;
	char *t;

	snprintf(d.machines[1].name, sizeof(d.machines[1].name), "b\"1\\x\ny");
	t = sd_metrics_text(&d);
	assert_line(t, "hexo_sched_cores{machine=\"b\\\"1\\\\x\\ny\"} 1");
	assert_line(t, "hexo_sched_jobs{state=\"done\",machine=\"b\\\"1\\\\x\\ny\"} 1");
	free(t);
}

/* No machine, no job, histograms never initialised: still valid. */
static void test_empty_state(void **state)
{
	(void)state;
	char *t;

	memset(&d, 0, sizeof(d));
	d.started = sd_now();
	t = sd_metrics_text(&d);
	assert_non_null(t);
	assert_line(t, "hexo_sched_jobs{state=\"queued\",machine=\"\"} 0");
	assert_line(t, "hexo_sched_queue_length 0");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"0\"} 0");
	assert_line(t, "hexo_sched_checkpoint_bytes_bucket{le=\"+Inf\"} 0");
	/* all-zero bounds give one bucket, not twelve equal ones */
	assert_null(strstr(strstr(t, "checkpoint_bytes_bucket{le=\"0\"}") + 1,
			   "checkpoint_bytes_bucket{le=\"0\"}"));
	free(t);
}

/* ------------------------------------------------------------- promtool -- */

static bool have_promtool(void)
{
	return system("command -v promtool >/dev/null 2>&1") == 0;
}

/* `promtool check metrics` reads the text on stdin: no error, no lint. */
static void promtool_check(const char *text)
{
	char path[] = "/tmp/hexo-metrics.XXXXXX";
	char cmd[128], out[4096];
	size_t n;
	FILE *f, *p;
	int fd, st;

	if (!have_promtool()) {
		printf("SKIP: promtool not installed (apt-get install prometheus)\n");
		fflush(stdout);
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	unlink(path);
	if (st != 0)
		fail_msg("promtool check metrics: status %d:\n%s\non:\n%s", st, out, text);
}

static void test_promtool(void **state)
{
	(void)state;
	char *t;

	sd_hist_add(&d.metrics.migration_s, 2.5);
	sd_hist_add(&d.metrics.checkpoint_bytes, 1e9);
	sd_hist_add(&d.metrics.est_error, 0.3);
	snprintf(d.machines[1].name, sizeof(d.machines[1].name), "b\"1\\x\ny");
	t = sd_metrics_text(&d);
	assert_non_null(t);
	promtool_check(t);
	free(t);

	memset(&d, 0, sizeof(d));
	t = sd_metrics_text(&d);
	assert_non_null(t);
	promtool_check(t);
	free(t);
}

/* ----------------------------------------------------------- histograms -- */

static void test_hist(void **state)
{
	(void)state;
	struct sd_hist h;

	sd_hist_init(&h, 0.5, 2);
	assert_true(h.bounds[0] == 0.5);
	assert_true(h.bounds[1] == 1);
	assert_true(h.bounds[SD_HIST_BUCKETS - 1] == 1024);
	assert_int_equal(h.count, 0);
	for (size_t i = 0; i < SD_HIST_BUCKETS; i++)
		assert_int_equal(h.counts[i], 0);

	sd_hist_add(&h, 1); /* on a bound: counts in it */
	assert_int_equal(h.counts[0], 0);
	assert_int_equal(h.counts[1], 1);
	assert_int_equal(h.counts[SD_HIST_BUCKETS - 1], 1);

	sd_hist_add(&h, 0); /* below every bound: in all */
	sd_hist_add(&h, 1e6); /* above every bound: in none, but counted */
	assert_int_equal(h.counts[0], 1);
	assert_int_equal(h.counts[1], 2);
	assert_int_equal(h.counts[SD_HIST_BUCKETS - 1], 2);
	assert_int_equal(h.count, 3);
	assert_true(h.sum == 1e6 + 1);

	/* cumulative: never decreasing */
	for (size_t i = 1; i < SD_HIST_BUCKETS; i++)
		assert_true(h.counts[i] >= h.counts[i - 1]);

	sd_hist_add(&h, NAN); /* ignored */
	assert_int_equal(h.count, 3);

	sd_hist_init(&h, 65536, 4);
	assert_true(h.bounds[2] == 1048576);
	assert_true(h.bounds[SD_HIST_BUCKETS - 1] == 274877906944.0);
}

/* ------------------------------------------------------------- listening -- */

static void listen_fails(const char *arg, const char *want)
{
	char err[256] = "";

	assert_int_equal(sd_metrics_listen(arg, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("%s: \"%s\" does not say \"%s\"", arg, err, want);
	assert_null(strchr(err, '\n'));
}

static void test_listen_errors(void **state)
{
	(void)state;
	listen_fails("127.0.0.1:99999", "--metrics 127.0.0.1:99999: the port must be 1 to 65535");
	listen_fails("127.0.0.1:0", "the port must be 1 to 65535");
	listen_fails("127.0.0.1:-1", "the port must be 1 to 65535");
	listen_fails("127.0.0.1:9x", "the port must be 1 to 65535");
	listen_fails("127.0.0.1:", "--metrics 127.0.0.1:: give ADDR:PORT");
	listen_fails("9464", "--metrics 9464: give ADDR:PORT");
	listen_fails(":9464", "give ADDR:PORT");
	listen_fails("example.org:9464", "'example.org' is not an IPv4 address");
	listen_fails("1.2.3:9464", "is not an IPv4 address");
	listen_fails("192.0.2.1:9464", "no interface of this host has that address");
}

/* ---------------------------------------------------------------- serving -- */

static int lfd = -1;
static int port;

/* 127.0.0.1 on a free port, tried from a random base. */
static int setup_server(void **state)
{
	char addr[32], err[256];

	setup_world(state);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int i = 0; i < 200 && lfd < 0; i++) {
		port = 20000 + (rand() % 40000);
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
		lfd = sd_metrics_listen(addr, err, sizeof(err));
	}
	if (lfd < 0) {
		fprintf(stderr, "no free port: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown_server(void **state)
{
	(void)state;
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
	return 0;
}

static int connect_client(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Everything the server sent until it closed (2 s at most). */
static char *read_all(int fd)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	double end = mono() + 2;

	assert_non_null(buf);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 100) == 0) {
			if (mono() > end)
				break;
			continue;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap)
			break;
	}
	buf[len] = '\0';
	return buf;
}

/* Sends req (len bytes), lets the server answer, returns what it said. */
static char *exchange(const char *req, size_t len)
{
	int fd = connect_client();
	char *resp;

	if (len)
		assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	sd_metrics_serve(&d, lfd);
	resp = read_all(fd);
	close(fd);
	return resp;
}

static char *request(const char *req)
{
	return exchange(req, strlen(req));
}

static void assert_status(const char *resp, const char *status)
{
	if (strncmp(resp, status, strlen(status)) != 0)
		fail_msg("expected \"%s\", got:\n%s", status, resp);
	assert_non_null(strstr(resp, "\r\nConnection: close\r\n"));
}

static void test_serve_metrics(void **state)
{
	(void)state;
	char *r = request("GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
	char *body, *text;

	assert_status(r, "HTTP/1.1 200 OK\r\n");
	assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4\r\n"));
	body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_true(strncmp(body, "# HELP hexo_sched_jobs ", 23) == 0);
	assert_line(body, "hexo_sched_cores_used{machine=\"b1\"} 1");
	assert_line(body, "hexo_sched_queue_length 2");
	/* the body is the whole text (but for the uptime's value, which moves) */
	text = sd_metrics_text(&d);
	{
		const char *up = "\nhexo_sched_uptime_seconds ";
		size_t n = (size_t)(strstr(text, up) - text) + strlen(up);

		assert_non_null(strstr(body, up));
		assert_int_equal((size_t)(strstr(body, up) - body) + strlen(up), n);
		assert_memory_equal(body, text, n);
		assert_int_equal(body[strlen(body) - 1], '\n');
	}
	assert_int_equal(strtoul(strstr(r, "Content-Length: ") + 16, NULL, 10), strlen(body));
	free(text);
	free(r);

	/* a query string, HTTP/1.0 */
	r = request("GET /metrics?x=1 HTTP/1.0\r\n\r\n");
	assert_status(r, "HTTP/1.1 200 OK\r\n");
	free(r);

	/* HEAD: the head only */
	r = request("HEAD /metrics HTTP/1.1\r\n\r\n");
	assert_status(r, "HTTP/1.1 200 OK\r\n");
	assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n");
	free(r);
}

static void test_serve_other_paths(void **state)
{
	(void)state;
	char *r;

	r = request("GET / HTTP/1.1\r\n\r\n");
	assert_status(r, "HTTP/1.1 200 OK\r\n");
	assert_non_null(strstr(r, "/metrics"));
	free(r);

	r = request("GET /nothing HTTP/1.1\r\n\r\n");
	assert_status(r, "HTTP/1.1 404 Not Found\r\n");
	free(r);

	r = request("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	assert_status(r, "HTTP/1.1 405 Method Not Allowed\r\n");
	assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
	free(r);
}

static void test_serve_bad_requests(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"garbage\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET /metrics HTTP/2.0\r\n\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"get /metrics HTTP/1.1\r\n\r\n",
		"GET /met\x01rics HTTP/1.1\r\n\r\n",
		"\r\n\r\n",
	};
	char *r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = request(bad[i]);
		assert_status(r, "HTTP/1.1 400 Bad Request\r\n");
		free(r);
	}

	/* a NUL byte */
	{
		static const char nul[] = "GET /\0 HTTP/1.1\r\n\r\n";

		r = exchange(nul, sizeof(nul) - 1);
	}
	assert_status(r, "HTTP/1.1 400 Bad Request\r\n");
	free(r);

	/* a line longer than the server reads: 400 at once, no waiting */
	{
		size_t n = 20000;
		char *big = malloc(n + 1);
		double t0 = mono();

		memset(big, 'A', n);
		big[n] = '\0';
		r = exchange(big, 8192 + 10); /* the rest would not fit the socket buffer unread */
		assert_status(r, "HTTP/1.1 400 Bad Request\r\n");
		assert_true(mono() - t0 < 1.5);
		free(r);
		free(big);
	}

	/* the peer stops half-way through the request line and closes */
	{
		int fd = connect_client();

		assert_int_equal(send(fd, "GET /met", 8, MSG_NOSIGNAL), 8);
		shutdown(fd, SHUT_WR);
		sd_metrics_serve(&d, lfd);
		r = read_all(fd);
		close(fd);
		assert_status(r, "HTTP/1.1 400 Bad Request\r\n");
		free(r);
	}
}

static void test_serve_slow_peers(void **state)
{
	(void)state;
	double t0, dt;
	char *r;
	int fd;

	/* nothing waiting: returns at once */
	t0 = mono();
	sd_metrics_serve(&d, lfd);
	assert_true(mono() - t0 < 0.1);

	/* connects and says nothing: about a second, then 408 */
	fd = connect_client();
	t0 = mono();
	sd_metrics_serve(&d, lfd);
	dt = mono() - t0;
	r = read_all(fd);
	close(fd);
	if (dt < 0.9 || dt > 1.5)
		fail_msg("a silent peer held the server %.3f s", dt);
	assert_status(r, "HTTP/1.1 408 Request Timeout\r\n");
	free(r);

	/* sends a request line but never ends the headers: answered after
	 * the second, from the request line */
	fd = connect_client();
	assert_int_equal(send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n", 32, MSG_NOSIGNAL), 32);
	t0 = mono();
	sd_metrics_serve(&d, lfd);
	dt = mono() - t0;
	r = read_all(fd);
	close(fd);
	if (dt > 1.5)
		fail_msg("a slow peer held the server %.3f s", dt);
	assert_status(r, "HTTP/1.1 200 OK\r\n");
	free(r);

	/* connects and hangs up: nothing to answer, no crash, no SIGPIPE */
	fd = connect_client();
	close(fd);
	t0 = mono();
	sd_metrics_serve(&d, lfd);
	assert_true(mono() - t0 < 0.5);

	/* sends a request and hangs up before the answer */
	fd = connect_client();
	assert_int_equal(send(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25, MSG_NOSIGNAL), 25);
	{
		struct linger lg = {1, 0}; /* close with a reset */

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
	t0 = mono();
	sd_metrics_serve(&d, lfd);
	assert_true(mono() - t0 < 1.5);

	/* still serving */
	r = request("GET /metrics HTTP/1.1\r\n\r\n");
	assert_status(r, "HTTP/1.1 200 OK\r\n");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_jobs_by_state_and_machine, setup_world),
		cmocka_unit_test_setup(test_machines, setup_world),
		cmocka_unit_test_setup(test_counters_histograms_uptime, setup_world),
		cmocka_unit_test_setup(test_help_and_type, setup_world),
		cmocka_unit_test_setup(test_label_escaping, setup_world),
		cmocka_unit_test_setup(test_empty_state, setup_world),
		cmocka_unit_test_setup(test_promtool, setup_world),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test_setup_teardown(test_serve_metrics, setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_serve_other_paths, setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_serve_bad_requests, setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_serve_slow_peers, setup_server, teardown_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
