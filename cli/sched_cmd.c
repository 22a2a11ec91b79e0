// SPDX-License-Identifier: MIT
/*
 * The scheduler's commands: `hexo sched` (the daemon, sched/daemon.h; or
 * the simulator with --simulate; or `sched status`), and its clients
 * `hexo submit`, `jobs`, `wait` and `cancel`, which send one JSON line to
 * the daemon's Unix socket and read one back (sched/rpc.c).
 *
 * The socket: --sched PATH, else $HEXO_SCHED, else
 * $XDG_RUNTIME_DIR/hexo-sched.sock, else STATE/sched/sched.sock (STATE:
 * the node registry's folder, lib/nodes.h). The daemon's --socket follows
 * the same rule, so both find it without being told.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "err.h"
#include "nodes.h"
#include "options.h" /* options__parse_size */
#include "sched_cmd.h"
#include "sim.h"

static int default_state(char *buf, size_t len)
{
	char base[PATH_MAX], err[512];

	if (hexo_state_dir(base, sizeof(base), err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	snprintf(buf, len, "%s/sched", base);
	return 0;
}

static int default_socket(const char *given, char *buf, size_t len)
{
	const char *env = getenv("HEXO_SCHED"), *rt = getenv("XDG_RUNTIME_DIR");
	char st[PATH_MAX];

	if (given)
		snprintf(buf, len, "%s", given);
	else if (env && env[0])
		snprintf(buf, len, "%s", env);
	else if (rt && rt[0] == '/')
		snprintf(buf, len, "%s/hexo-sched.sock", rt);
	else {
		if (default_state(st, sizeof(st)))
			return HEXO_EXIT_ERROR;
		snprintf(buf, len, "%s/sched.sock", st);
	}
	return 0;
}

/* --- the client side ----------------------------------------------------- */

static int connect_sched(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Sends one request, reads one answer line; NULL when the daemon went away. */
static struct json_object *exchange(int fd, struct json_object *req)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text), cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	struct json_object *ans = NULL;

	if (!buf || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				return NULL;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf + n - (size_t)r, '\n', (size_t)r))
			break;
	}
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		ans = json_tokener_parse(buf);
	free(buf);
	return ans;
}

/* One request to the daemon at PATH: the answer, or exit 125 with one line. */
static struct json_object *request(const char *path, struct json_object *req)
{
	int fd = connect_sched(path);
	struct json_object *ans, *v;

	if (fd < 0) {
		hexo_error(HEXO_EXIT_ERROR,
		           "no scheduler at %s (%s): start one with 'hexo sched', or give --sched PATH",
		           path, strerror(errno));
		exit(HEXO_EXIT_ERROR);
	}
	ans = exchange(fd, req);
	close(fd);
	json_object_put(req);
	if (!ans)
		hexo_die("the scheduler at %s closed the connection: see its log", path);
	if (!json_object_object_get_ex(ans, "ok", &v) || !json_object_get_boolean(v)) {
		const char *e = json_object_object_get_ex(ans, "error", &v)
		                    ? json_object_get_string(v)
		                    : "refused (no reason given)";
		hexo_error(HEXO_EXIT_ERROR, "%s", e);
		exit(HEXO_EXIT_ERROR);
	}
	return ans;
}

static struct json_object *op(const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(name));
	return o;
}

/* Common options of the clients: --sched PATH, --json. Returns argv index used. */
static int client_opt(int argc, char **argv, int *i, const char **sched, bool *json)
{
	if (!strcmp(argv[*i], "--sched")) {
		if (*i + 1 >= argc)
			return hexo_error(HEXO_EXIT_ERROR, "--sched needs a PATH");
		*sched = argv[++*i];
		return 1;
	}
	if (json && !strcmp(argv[*i], "--json")) {
		*json = true;
		return 1;
	}
	return 0;
}

static uint64_t job_arg(const char *cmd, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!s[0] || *end || errno || !v || s[0] == '-')
		hexo_die("%s: '%s' is not a job id: see 'hexo jobs'", cmd, s);
	return v;
}

static char *absolute(const char *what, const char *p, bool must_exist)
{
	char *r = realpath(p, NULL);
	char *dup, *base, *dir, *res;

	if (r)
		return r;
	if (must_exist || errno != ENOENT)
		hexo_die("%s %s: %s", what, p, strerror(errno));
	/* a file still to be made: its folder must exist */
	dup = strdup(p);
	base = strrchr(dup, '/');
	if (base) {
		*base++ = 0;
		dir = realpath(dup[0] ? dup : "/", NULL);
	} else {
		base = dup;
		dir = realpath(".", NULL);
	}
	if (!dir)
		hexo_die("%s %s: its folder: %s", what, p, strerror(errno));
	if (asprintf(&res, "%s/%s", dir, base) < 0)
		hexo_die("out of memory");
	free(dir);
	free(dup);
	return res;
}

static void submit_help(FILE *f)
{
	fputs("usage: hexo submit [--sched PATH] [--cores N] [--mem SIZE] [--dir DIR]\n"
	      "                   [--output FILE] [--error FILE] [--wait] IMAGE [ARGS...]\n"
	      "Queues a job for the scheduler ('hexo sched') and prints its id. The job runs\n"
	      "IMAGE ARGS... as 'hexo run --dir DIR' would, on the server or, when the\n"
	      "scheduler moves it there, on a node. DIR (default: .; created if missing)\n"
	      "is its job directory; stdout goes to FILE (default: DIR/hexo-ID.out), stderr\n"
	      "to the same file unless --error is given, both appended; %j in FILE is the\n"
	      "job's id, as for sbatch.\n"
	      "  --cores N    cores the job holds (default 1; one job per core anywhere)\n"
	      "  --mem SIZE   guest memory, as 'hexo run --mem' (default 512M)\n"
	      "  --wait       wait for the job and exit with its status ('hexo wait')\n"
	      "Exit status: 0 (the id is printed), 125 when the request is refused (no\n"
	      "scheduler, a missing or damaged image, more cores than any server has).\n",
	      f);
}

static int wait_for(const char *sched, uint64_t id);

int submit_main(int argc, char **argv)
{
	const char *sched = NULL, *dir = ".", *output = NULL, *error = NULL, *mem = NULL;
	char path[PATH_MAX];
	unsigned long cores = 1;
	uint64_t mem_bytes = 512ull << 20;
	bool wait = false;
	struct json_object *req, *ans, *a, *v;
	char *absdir, *absimg;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];
		int r = client_opt(argc, argv, &i, &sched, NULL);

		if (r > 1)
			return r;
		if (r)
			continue;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			submit_help(stdout);
			return 0;
		}
		if (!strcmp(o, "--wait")) {
			wait = true;
			continue;
		}
		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			return hexo_error(HEXO_EXIT_ERROR, "%s needs a value: see 'hexo submit --help'", o);
		if (!strcmp(o, "--cores")) {
			char *end;
			cores = strtoul(argv[++i], &end, 10);
			if (*end || !cores || argv[i][0] == '-')
				return hexo_error(HEXO_EXIT_ERROR, "--cores %s: give a whole number >= 1",
				                  argv[i]);
		} else if (!strcmp(o, "--mem")) {
			mem = argv[++i];
			if (options__parse_size(mem, &mem_bytes) || mem_bytes < (32ull << 20))
				return hexo_error(HEXO_EXIT_ERROR,
				                  "--mem %s: not a size of at least 32M (e.g. 512M, 2G)", mem);
		} else if (!strcmp(o, "--dir")) {
			dir = argv[++i];
		} else if (!strcmp(o, "--output")) {
			output = argv[++i];
		} else if (!strcmp(o, "--error")) {
			error = argv[++i];
		} else {
			return hexo_error(HEXO_EXIT_ERROR, "unknown option '%s': see 'hexo submit --help'",
			                  o);
		}
	}
	if (i >= argc)
		return hexo_error(HEXO_EXIT_ERROR, "no IMAGE: see 'hexo submit --help'");
	if (default_socket(sched, path, sizeof(path)))
		return HEXO_EXIT_ERROR;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return hexo_error(HEXO_EXIT_ERROR, "--dir %s: %s", dir, strerror(errno));
	absdir = absolute("--dir", dir, true);
	absimg = absolute("image", argv[i], true);
	req = op("submit");
	json_object_object_add(req, "image", json_object_new_string(absimg));
	json_object_object_add(req, "dir", json_object_new_string(absdir));
	if (output) {
		char *p = absolute("--output", output, false);
		json_object_object_add(req, "output", json_object_new_string(p));
		free(p);
	}
	if (error) {
		char *p = absolute("--error", error, false);
		json_object_object_add(req, "error", json_object_new_string(p));
		free(p);
	}
	json_object_object_add(req, "cores", json_object_new_int64((int64_t)cores));
	json_object_object_add(req, "mem_bytes", json_object_new_int64((int64_t)mem_bytes));
	if (mem)
		json_object_object_add(req, "mem", json_object_new_string(mem));
	a = json_object_new_array();
	for (int k = i; k < argc; k++)
		json_object_array_add(a, json_object_new_string(argv[k]));
	json_object_object_add(req, "argv", a);
	free(absdir);
	free(absimg);
	ans = request(path, req);
	json_object_object_get_ex(ans, "id", &v);
	uint64_t id = (uint64_t)json_object_get_int64(v);
	printf("%llu\n", (unsigned long long)id);
	fflush(stdout);
	json_object_put(ans);
	return wait ? wait_for(path, id) : 0;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

static double jnum(struct json_object *o, const char *k, double dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null)
	           ? json_object_get_double(v)
	           : dflt;
}

/* "3.10 history": the estimate for the node the job is on, else its best node's. */
static void estimate_text(struct json_object *job, char *buf, size_t len)
{
	struct json_object *ms, *m;
	const char *where = jstr(job, "machine"), *src = NULL;
	double best = 0;

	buf[0] = 0;
	if (!json_object_object_get_ex(job, "machines", &ms))
		return;
	if (where && json_object_object_get_ex(ms, where, &m) && jstr(m, "est_source") &&
	    strcmp(jstr(m, "est_source"), "server")) {
		snprintf(buf, len, "%.2f %s", jnum(m, "est_slowdown", 0), jstr(m, "est_source"));
		return;
	}
	json_object_object_foreach(ms, name, mm)
	{
		const char *s = jstr(mm, "est_source");
		double e = jnum(mm, "est_slowdown", 0);

		(void)name;
		if (!s || !strcmp(s, "server") || e <= 0)
			continue;
		if (!src || e < best) {
			best = e;
			src = s;
		}
	}
	if (src)
		snprintf(buf, len, "%.2f %s", best, src);
}

static void print_jobs(struct json_object *ans)
{
	struct json_object *jobs;
	double now = jnum(ans, "now", 0);

	json_object_object_get_ex(ans, "jobs", &jobs);
	printf("%-5s %-10s %-10s %7s %6s %8s %-18s %8s %s\n", "ID", "STATE", "WHERE", "POINTS",
	       "MOVES", "TIME", "EST.SLOWDOWN", "MEASURED", "IMAGE");
	for (size_t i = 0; i < json_object_array_length(jobs); i++) {
		struct json_object *j = json_object_array_get_idx(jobs, i);
		const char *state = jstr(j, "state"), *where = jstr(j, "machine"),
		           *dest = jstr(j, "dest"), *img = jstr(j, "image"), *why = jstr(j, "why");
		double started = jnum(j, "started", 0), ended = jnum(j, "ended", 0);
		double meas = jnum(j, "measured_slowdown", 0);
		char w[80], est[40], t[24], m[16];
		const char *base = img ? strrchr(img, '/') : NULL;

		snprintf(w, sizeof(w), "%s%s%s", where ? where : "-", dest ? ">" : "", dest ? dest : "");
		estimate_text(j, est, sizeof(est));
		if (started > 0)
			snprintf(t, sizeof(t), "%.1fs", (ended > 0 ? ended : now) - started);
		else
			snprintf(t, sizeof(t), "-");
		if (meas > 0)
			snprintf(m, sizeof(m), "%.2f", meas);
		else
			snprintf(m, sizeof(m), "-");
		printf("%-5lld %-10s %-10s %7lld %6lld %8s %-18s %8s %s", (long long)jnum(j, "id", 0),
		       state ? state : "?", w, (long long)jnum(j, "points", 0),
		       (long long)jnum(j, "migrations", 0), t, est[0] ? est : "-", m,
		       base ? base + 1 : "?");
		if (!strcmp(state ? state : "", "done") || !strcmp(state ? state : "", "failed"))
			printf(" (status %lld)", (long long)jnum(j, "exit_status", 0));
		if (why)
			printf(" [%s]", why);
		putchar('\n');
	}
}

int jobs_main(int argc, char **argv)
{
	const char *sched = NULL;
	bool json = false;
	char path[PATH_MAX];
	struct json_object *ans;

	for (int i = 1; i < argc; i++) {
		int r = client_opt(argc, argv, &i, &sched, &json);

		if (r > 1)
			return r;
		if (r)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("usage: hexo jobs [--sched PATH] [--json]\n"
			     "Lists the scheduler's jobs: id, state (queued, running, migrating, done,\n"
			     "failed, cancelled), where it runs (SOURCE>DEST while migrating), migration\n"
			     "points passed, migrations, time since it started, the estimated slowdown\n"
			     "on its node (or its best node) with the estimate's source (history,\n"
			     "calibration, default), the measured slowdown once it ran on both, its\n"
			     "image, status and why it ended or is never offloaded. --json: all of it,\n"
			     "with per-machine run times, points and estimates.");
			return 0;
		}
		return hexo_error(HEXO_EXIT_ERROR, "unknown argument '%s': see 'hexo jobs --help'",
		                  argv[i]);
	}
	if (default_socket(sched, path, sizeof(path)))
		return HEXO_EXIT_ERROR;
	ans = request(path, op("jobs"));
	if (json) {
		json_object_object_del(ans, "ok");
		puts(json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PRETTY));
	} else {
		print_jobs(ans);
	}
	json_object_put(ans);
	return 0;
}

/*
 * Waits for job id; its status: the program's own for done and failed jobs,
 * 125 with a line for cancelled ones. A daemon that restarts meanwhile is
 * waited for (up to 2 minutes) and asked again.
 */
static int wait_for(const char *sched, uint64_t id)
{
	time_t give_up = 0;

	for (;;) {
		struct json_object *req = op("wait"), *ans, *v, *job;
		int fd = connect_sched(sched);

		json_object_object_add(req, "id", json_object_new_int64((int64_t)id));
		if (fd < 0) {
			if (!give_up)
				give_up = time(NULL) + 120;
			if (time(NULL) > give_up)
				return hexo_error(HEXO_EXIT_ERROR, "no scheduler at %s (%s) for 2 minutes",
				                  sched, strerror(errno));
			json_object_put(req);
			sleep(1);
			continue;
		}
		give_up = 0;
		ans = exchange(fd, req);
		close(fd);
		json_object_put(req);
		if (!ans) { /* the daemon went away: it may come back */
			give_up = time(NULL) + 120;
			sleep(1);
			continue;
		}
		if (!json_object_object_get_ex(ans, "ok", &v) || !json_object_get_boolean(v)) {
			int r = hexo_error(HEXO_EXIT_ERROR, "%s", jstr(ans, "error") ? jstr(ans, "error") : "refused");
			json_object_put(ans);
			return r;
		}
		json_object_object_get_ex(ans, "job", &job);
		const char *state = jstr(job, "state");
		int status = (int)jnum(job, "exit_status", HEXO_EXIT_ERROR);
		if (state && !strcmp(state, "cancelled")) {
			hexo_error(HEXO_EXIT_ERROR, "job %llu was cancelled", (unsigned long long)id);
			status = HEXO_EXIT_ERROR;
		} else if (state && !strcmp(state, "failed") && jstr(job, "why")) {
			hexo_error(status, "job %llu failed: %s", (unsigned long long)id, jstr(job, "why"));
		}
		json_object_put(ans);
		return status;
	}
}

/*
 * The arguments of `hexo wait|cancel [--sched PATH] JOB` (argv[0] names the
 * command): the socket's path and the job's id. Returns -1 when they are
 * good, else the exit status (0 after --help, which prints help).
 */
static int job_command(int argc, char **argv, const char *help, char *path, size_t len,
                       uint64_t *id)
{
	const char *sched = NULL, *job = NULL;

	for (int i = 1; i < argc; i++) {
		int r = client_opt(argc, argv, &i, &sched, NULL);

		if (r > 1)
			return r;
		if (r)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts(help);
			return 0;
		}
		if (job)
			return hexo_error(HEXO_EXIT_ERROR, "one JOB only: see 'hexo %s --help'", argv[0]);
		job = argv[i];
	}
	if (!job)
		return hexo_error(HEXO_EXIT_ERROR, "no JOB: see 'hexo %s --help'", argv[0]);
	if (default_socket(sched, path, len))
		return HEXO_EXIT_ERROR;
	*id = job_arg(argv[0], job);
	return -1;
}

int wait_main(int argc, char **argv)
{
	char path[PATH_MAX];
	uint64_t id;
	int r = job_command(argc, argv,
	                    "usage: hexo wait [--sched PATH] JOB\n"
	                    "Waits until job JOB ends and exits with its status: the program's own\n"
	                    "(0-255; 139 when it crashed), 125 when it was cancelled or hexo could not\n"
	                    "run it. A scheduler that restarts meanwhile is waited for.",
	                    path, sizeof(path), &id);

	return r >= 0 ? r : wait_for(path, id);
}

int cancel_main(int argc, char **argv)
{
	char path[PATH_MAX];
	struct json_object *req;
	uint64_t id;
	int r = job_command(argc, argv,
	                    "usage: hexo cancel [--sched PATH] JOB\n"
	                    "Cancels job JOB: a queued job never starts; a running one is ended\n"
	                    "where it runs (its files keep what it wrote so far).",
	                    path, sizeof(path), &id);

	if (r >= 0)
		return r;
	req = op("cancel");
	json_object_object_add(req, "id", json_object_new_int64((int64_t)id));
	json_object_put(request(path, req));
	return 0;
}

/* --- hexo sched -------------------------------------------------------- */

static void sched_help(FILE *f)
{
	fputs("usage: hexo sched [--socket PATH] [--state DIR] [--cores N] [--mem SIZE]\n"
	      "                  [--idle SECONDS] [--metrics ADDR:PORT] [--server NODE]...\n"
	      "                  [--node NODE]... [--checkpoint-every SECONDS]\n"
	      "       hexo sched status [--sched PATH] [--json]\n"
	      "       hexo sched --simulate CONFIG [--json]\n"
	      "The scheduler daemon (in the foreground; its log on stderr). It keeps a queue\n"
	      "of jobs ('hexo submit') for this server and its nodes, starts them here, and\n"
	      "offloads the running job expected to slow down least to a node (at its next\n"
	      "migration point) when a new job needs the room; when the queue has been\n"
	      "empty for --idle seconds, jobs come back. See docs/sched.md.\n"
	      "  --socket PATH   where clients reach it (default: $HEXO_SCHED, else\n"
	      "                  $XDG_RUNTIME_DIR/hexo-sched.sock, else STATE/sched/sched.sock)\n"
	      "  --state DIR     its journal: jobs, checkpoints, history (default:\n"
	      "                  STATE/sched, STATE as for 'hexo node'); a restarted daemon\n"
	      "                  takes its jobs back from there\n"
	      "  --cores N       cores of this host for jobs (default: all; 0: none, which\n"
	      "                  needs --server)\n"
	      "  --mem SIZE      memory of this host for jobs (default: 3/4 of its RAM)\n"
	      "  --idle SECONDS  bring jobs back after the queue was empty this long\n"
	      "                  (default 30; negative: never)\n"
	      "  --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	      "  --server NODE   a node that acts as a server too: jobs start there\n"
	      "  --node NODE     use this node (repeatable; default: every registered one)\n"
	      "  --checkpoint-every SECONDS  jobs also write periodic checkpoints\n"
	      "'status' prints every machine's cores and memory, used and free, and the\n"
	      "queue's length. SIGTERM or SIGINT stops the daemon: running jobs stop at\n"
	      "their next migration point and wait, with their checkpoints, for the next\n"
	      "start.\n",
	      f);
}

static int sched_status(int argc, char **argv)
{
	const char *sched = NULL;
	bool json = false;
	char path[PATH_MAX];
	struct json_object *ans, *ms;

	for (int i = 1; i < argc; i++) {
		int r = client_opt(argc, argv, &i, &sched, &json);

		if (r > 1)
			return r;
		if (r)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			sched_help(stdout);
			return 0;
		}
		return hexo_error(HEXO_EXIT_ERROR, "unknown argument '%s': see 'hexo sched --help'",
		                  argv[i]);
	}
	if (default_socket(sched, path, sizeof(path)))
		return HEXO_EXIT_ERROR;
	ans = request(path, op("status"));
	json_object_object_del(ans, "ok");
	if (json) {
		puts(json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PRETTY));
		json_object_put(ans);
		return 0;
	}
	json_object_object_get_ex(ans, "machines", &ms);
	printf("%-12s %-6s %-4s %-8s %11s %19s %7s %s\n", "MACHINE", "ROLE", "UP", "ISA",
	       "CORES USED", "MEMORY USED", "MOVES", "CALIBRATED");
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		struct json_object *m = json_object_array_get_idx(ms, i), *v;
		char mem[32], cal[16];
		bool up = json_object_object_get_ex(m, "up", &v) && json_object_get_boolean(v);
		double mb = jnum(m, "mem_bytes", -1);

		if (mb < 0)
			snprintf(mem, sizeof(mem), "%.0f MiB / ?", jnum(m, "mem_used_bytes", 0) / 1048576);
		else
			snprintf(mem, sizeof(mem), "%.0f / %.0f MiB", jnum(m, "mem_used_bytes", 0) / 1048576,
			         mb / 1048576);
		if (jnum(m, "calibrated_slowdown", 0) > 0)
			snprintf(cal, sizeof(cal), "%.2f", jnum(m, "calibrated_slowdown", 0));
		else
			snprintf(cal, sizeof(cal), "-");
		printf("%-12s %-6s %-4s %-8s %5lld / %-3lld %19s %3lld/%-3lld %s\n", jstr(m, "name"),
		       jstr(m, "role"), up ? "yes" : "no", jstr(m, "isa")[0] ? jstr(m, "isa") : "?",
		       (long long)jnum(m, "cores_used", 0), (long long)jnum(m, "cores", 0), mem,
		       (long long)jnum(m, "migrations_in", 0), (long long)jnum(m, "migrations_out", 0),
		       cal);
	}
	printf("queue: %lld job(s) waiting; %lld job(s) in all; %lld offload(s), %lld "
	       "bring-back(s)\n",
	       (long long)jnum(ans, "queue", 0), (long long)jnum(ans, "jobs", 0),
	       (long long)jnum(ans, "offloads", 0), (long long)jnum(ans, "bring_backs", 0));
	json_object_put(ans);
	return 0;
}

static double seconds_arg(const char *opt, const char *s, bool neg_ok)
{
	char *end;
	double v = strtod(s, &end);

	if (!s[0] || *end || !isfinite(v) || (!neg_ok && v < 0))
		hexo_die("%s %s: give a number of seconds", opt, s);
	return v;
}

static uint64_t host_mem(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 4 * 3 : 1ull << 30;
}

int sched_main(int argc, char **argv)
{
	static char sock[PATH_MAX], state[PATH_MAX], exe[PATH_MAX];
	struct sd_options o = {.idle_s = 30, .tick_s = 1};
	bool cores_given = false;
	ssize_t n;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--simulate") || !strncmp(argv[i], "--simulate=", 11))
			return sched_simulate_main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "status"))
		return sched_status(argc - 1, argv + 1);
	o.cores = 0;
	o.mem_bytes = host_mem();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			sched_help(stdout);
			return 0;
		}
		if (a[0] != '-' || i + 1 >= argc)
			return hexo_error(HEXO_EXIT_ERROR, "%s '%s': see 'hexo sched --help'",
			                  a[0] == '-' ? "missing value after" : "unknown argument", a);
		const char *v = argv[++i];
		if (!strcmp(a, "--socket")) {
			o.socket = v;
		} else if (!strcmp(a, "--state")) {
			o.state = v;
		} else if (!strcmp(a, "--cores")) {
			char *end;
			unsigned long c = strtoul(v, &end, 10);
			if (!v[0] || *end || v[0] == '-' || c > 4096)
				return hexo_error(HEXO_EXIT_ERROR, "--cores %s: give a whole number, 0 to 4096", v);
			o.cores = (unsigned)c;
			cores_given = true;
		} else if (!strcmp(a, "--mem")) {
			if (options__parse_size(v, &o.mem_bytes))
				return hexo_error(HEXO_EXIT_ERROR, "--mem %s: not a size (e.g. 8G)", v);
		} else if (!strcmp(a, "--idle")) {
			o.idle_s = seconds_arg(a, v, true);
		} else if (!strcmp(a, "--metrics")) {
			o.metrics = v;
		} else if (!strcmp(a, "--checkpoint-every")) {
			o.checkpoint_every = seconds_arg(a, v, false);
		} else if (!strcmp(a, "--server") || !strcmp(a, "--node")) {
			bool srv = a[2] == 's';
			size_t *cnt = srv ? &o.n_servers : &o.n_nodes;
			if (*cnt == SD_MAX_MACHINES - 1)
				return hexo_error(HEXO_EXIT_ERROR, "%s: at most %d", a, SD_MAX_MACHINES - 1);
			if (!hexo_node_name_valid(v))
				return hexo_error(HEXO_EXIT_ERROR, "%s %s: not a node name (see 'hexo node list')", a, v);
			(srv ? o.servers : o.nodes)[(*cnt)++] = v;
		} else {
			return hexo_error(HEXO_EXIT_ERROR, "unknown option '%s': see 'hexo sched --help'", a);
		}
	}
	if (!cores_given) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		o.cores = c > 0 ? (unsigned)c : 1;
		if (access("/dev/kvm", R_OK | W_OK) < 0) {
			if (o.n_servers) /* else the one line is the refusal below */
				fprintf(stderr, "hexo sched: this host has no usable /dev/kvm (%s): it "
				                "runs no jobs itself (--cores 0)\n",
				        strerror(errno));
			o.cores = 0;
		}
	} else if (o.cores && access("/dev/kvm", R_OK | W_OK) < 0) {
		return hexo_error(HEXO_EXIT_ERROR,
		                  "--cores %u: this host has no usable /dev/kvm (%s), so it can run no "
		                  "job: use --cores 0 and --server NODE",
		                  o.cores, strerror(errno));
	}
	if (!o.cores && !o.n_servers)
		return hexo_error(HEXO_EXIT_ERROR,
		                  "no server to start jobs on: this host gives none (--cores 0): add "
		                  "--server NODE");
	if (!o.state) {
		if (default_state(state, sizeof(state)))
			return HEXO_EXIT_ERROR;
		o.state = state;
	}
	if (default_socket(o.socket, sock, sizeof(sock)))
		return HEXO_EXIT_ERROR;
	o.socket = sock;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return hexo_error(HEXO_EXIT_ERROR, "/proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	o.hexo = exe;
	return sd_main(&o);
}
