// SPDX-License-Identifier: MIT
/*
 * The daemon's clients (`hexo submit`, `jobs`, `wait`, `cancel`, `sched
 * status`): a Unix socket only its owner can open (mode 0600, and the
 * peer's uid is checked). Each request is one JSON object on one line,
 * {"op": ...}; each answer is one line too, {"ok": true, ...} or
 * {"ok": false, "error": "one line"}. `wait` answers when the job ends.
 * A client that sends garbage, too much, or goes away is closed; it never
 * stops the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_file.h"
#include "sched_int.h"

#define SD_MAX_CLIENTS 256

void sd_rpc_accept(struct sd *d, int listen_fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != geteuid() ||
		    d->n_clients == SD_MAX_CLIENTS) {
			close(fd);
			continue;
		}
		d->clients = realloc(d->clients, (d->n_clients + 1) * sizeof(*d->clients));
		if (!d->clients)
			abort();
		d->clients[d->n_clients].fd = fd;
		d->clients[d->n_clients].len = 0;
		d->clients[d->n_clients].waiting_for = 0;
		d->n_clients++;
	}
}

static void drop(struct sd *d, size_t c)
{
	close(d->clients[c].fd);
	d->clients[c] = d->clients[--d->n_clients];
}

/* Sends one answer line; a client that cannot take it (full, gone) is dropped. */
static int answer(struct sd *d, size_t c, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	char *line = malloc(len + 2);
	ssize_t w;

	memcpy(line, text, len);
	line[len] = '\n';
	w = send(d->clients[c].fd, line, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	json_object_put(o);
	if (w != (ssize_t)len + 1) {
		drop(d, c);
		return -1;
	}
	return 0;
}

static struct json_object *ok(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static int refuse(struct sd *d, size_t c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct sd *d, size_t c, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return answer(d, c, o);
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

static int64_t num(struct json_object *o, const char *k, int64_t dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int)
	           ? json_object_get_int64(v)
	           : dflt;
}

/* The image's build id and whether it can migrate (its manifest). */
static int image_facts(const char *path, struct sd_job *j, char *err, size_t errlen)
{
	struct hexo_image img;
	struct json_object *root, *mig, *v;
	const char *text;
	char *copy;
	size_t len;
	int64_t inst = 0;
	bool cross = false;

	if (hexo_image_open(path, &img, err, errlen))
		return -1;
	text = hexo_image_manifest(&img, &len);
	copy = text ? strndup(text, len) : NULL;
	root = copy ? json_tokener_parse(copy) : NULL;
	free(copy);
	if (root) {
		if (json_object_object_get_ex(root, "build_id", &v))
			snprintf(j->build_id, sizeof(j->build_id), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(root, "migration", &mig) &&
		    json_object_is_type(mig, json_type_object)) {
			if (json_object_object_get_ex(mig, "instrumented_functions", &v))
				inst = json_object_get_int64(v);
			if (json_object_object_get_ex(mig, "cross_isa", &v))
				cross = json_object_get_boolean(v);
		}
		json_object_put(root);
	}
	hexo_image_close(&img);
	j->migratable = inst > 0 && cross;
	if (!j->migratable)
		snprintf(j->why, sizeof(j->why),
		         "never offloaded: its image has no migration points (rebuild it with "
		         "hexocc --migration-points=auto)");
	return 0;
}

/* FILE with every %j replaced by the job's id (sbatch's way), %% by %. */
static char *with_id(const char *file, uint64_t id)
{
	size_t cap = strlen(file) * 21 + 1, n = 0;
	char *s = malloc(cap);

	if (!s)
		abort();
	for (const char *p = file; *p; p++) {
		if (p[0] == '%' && p[1] == 'j') {
			n += (size_t)snprintf(s + n, cap - n, "%llu", (unsigned long long)id);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			s[n++] = '%';
			p++;
		} else {
			s[n++] = *p;
		}
	}
	s[n] = 0;
	return s;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int do_submit(struct sd *d, size_t c, struct json_object *req)
{
	const char *image = str(req, "image"), *dir = str(req, "dir"), *out = str(req, "output"),
	           *errf = str(req, "error"), *mem = str(req, "mem");
	struct json_object *argv, *o;
	int64_t cores = num(req, "cores", 1), mem_bytes = num(req, "mem_bytes", 512LL << 20);
	unsigned max_cores = 0;
	uint64_t max_mem = 0;
	bool all_known = true;
	char err[1024];
	struct sd_job *j;

	if (!image || image[0] != '/' || !dir || dir[0] != '/' ||
	    !json_object_object_get_ex(req, "argv", &argv) ||
	    !json_object_is_type(argv, json_type_array) || json_object_array_length(argv) < 1 ||
	    json_object_array_length(argv) > SD_MAX_ARGS || (out && out[0] != '/') ||
	    (errf && errf[0] != '/'))
		return refuse(d, c, "malformed submit request (image, dir and argv are required, "
		                    "paths absolute)");
	if (cores < 1 || cores > 4096)
		return refuse(d, c, "--cores %lld: must be 1 to 4096", (long long)cores);
	if (mem_bytes < 1)
		return refuse(d, c, "--mem: must be more than 0 bytes");
	for (size_t m = 0; m < d->n_machines; m++) {
		const struct sd_machine *ma = &d->machines[m];

		if (!ma->is_server)
			continue;
		if (!ma->local && !ma->cores)
			all_known = false; /* not pinged yet */
		if (ma->cores > max_cores)
			max_cores = ma->cores;
		if (ma->mem_bytes > max_mem)
			max_mem = ma->mem_bytes;
	}
	if (all_known && (uint64_t)cores > max_cores)
		return refuse(d, c, "--cores %lld: more than any server has (%u): jobs start on a "
		                    "server, so this one never could",
		              (long long)cores, max_cores);
	if (all_known && (uint64_t)mem_bytes > max_mem)
		return refuse(d, c, "--mem %s: more than any server gives jobs (%llu MiB)",
		              mem ? mem : "?", (unsigned long long)(max_mem >> 20));
	if (!is_dir(dir))
		return refuse(d, c, "--dir %s: no such folder", dir);
	j = sd_job_new();
	if (image_facts(image, j, err, sizeof(err))) {
		sd_job_free(j);
		return refuse(d, c, "%s", err);
	}
	j->id = d->next_id++;
	j->state = SD_QUEUED;
	j->image = strdup(image);
	j->dir = strdup(dir);
	if (out)
		j->output = with_id(out, j->id);
	else if (asprintf(&j->output, "%s/hexo-%llu.out", dir, (unsigned long long)j->id) < 0)
		abort();
	j->error = errf ? with_id(errf, j->id) : strdup(j->output);
	j->argc = (int)json_object_array_length(argv);
	j->argv = calloc((size_t)j->argc + 1, sizeof(char *));
	for (int i = 0; i < j->argc; i++)
		j->argv[i] = strdup(json_object_get_string(json_object_array_get_idx(argv, (size_t)i)));
	j->cores = (unsigned)cores;
	j->mem_bytes = (uint64_t)mem_bytes;
	snprintf(j->mem_text, sizeof(j->mem_text), "%s", mem ? mem : "");
	j->submitted = sd_now();
	sd_estimate(d, j);
	if (sd_state_save(d, j)) {
		d->next_id--;
		sd_job_free(j);
		return refuse(d, c, "cannot journal the job in %s: see the daemon's log", d->opt.state);
	}
	sd_job_add(d, j);
	sd_log(d, "job %llu: submitted: %s (%u cores, %s)%s", (unsigned long long)j->id, image,
	       j->cores, mem ? mem : "512M", j->migratable ? "" : ", no migration points");
	o = ok();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)j->id));
	answer(d, c, o);
	sd_schedule(d);
	return 0;
}

static int do_jobs(struct sd *d, size_t c)
{
	struct json_object *o = ok(), *a = json_object_new_array();

	for (size_t i = 0; i < d->n_jobs; i++) {
		struct json_object *jo = sd_job_json(d, d->jobs[i]);

		json_object_object_add(jo, "measured_slowdown",
		                       d->jobs[i]->measured > 0
		                           ? json_object_new_double(d->jobs[i]->measured)
		                           : NULL);
		json_object_object_add(jo, "offload_estimate",
		                       d->jobs[i]->est_node >= 0
		                           ? json_object_new_double(d->jobs[i]->est_used)
		                           : NULL);
		json_object_array_add(a, jo);
	}
	json_object_object_add(o, "now", json_object_new_double(sd_now()));
	json_object_object_add(o, "jobs", a);
	return answer(d, c, o);
}

static struct json_object *status_json(const struct sd *d)
{
	struct json_object *o = ok(), *a = json_object_new_array();

	for (size_t m = 0; m < d->n_machines; m++) {
		const struct sd_machine *ma = &d->machines[m];
		struct json_object *mo = json_object_new_object();
		unsigned used = 0;
		uint64_t mem_used = 0;

		for (size_t i = 0; i < d->n_jobs; i++) {
			const struct sd_job *j = d->jobs[i];

			if ((j->state == SD_RUNNING || j->state == SD_MIGRATING) &&
			    (j->machine == (int)m || (j->state == SD_MIGRATING && j->dest == (int)m))) {
				used += j->cores;
				mem_used += j->mem_bytes;
			}
		}
		json_object_object_add(mo, "name", json_object_new_string(ma->name));
		json_object_object_add(mo, "role",
		                       json_object_new_string(ma->is_server ? "server" : "node"));
		json_object_object_add(mo, "up", json_object_new_boolean(ma->up));
		json_object_object_add(mo, "isa", json_object_new_string(ma->isa));
		json_object_object_add(mo, "cores", json_object_new_int64(ma->cores));
		json_object_object_add(mo, "cores_used", json_object_new_int64(used));
		json_object_object_add(mo, "mem_bytes",
		                       ma->mem_bytes >= UINT64_MAX / 4
		                           ? NULL
		                           : json_object_new_int64((int64_t)ma->mem_bytes));
		json_object_object_add(mo, "mem_used_bytes", json_object_new_int64((int64_t)mem_used));
		json_object_object_add(mo, "migrations_in", json_object_new_int64((int64_t)ma->migrations_in));
		json_object_object_add(mo, "migrations_out",
		                       json_object_new_int64((int64_t)ma->migrations_out));
		json_object_object_add(mo, "calibrated_slowdown",
		                       d->calib[m] > 0 ? json_object_new_double(d->calib[m]) : NULL);
		json_object_array_add(a, mo);
	}
	json_object_object_add(o, "machines", a);
	json_object_object_add(o, "queue", json_object_new_int64((int64_t)sd_queue_length(d)));
	json_object_object_add(o, "jobs", json_object_new_int64((int64_t)d->n_jobs));
	json_object_object_add(o, "state", json_object_new_string(d->opt.state));
	json_object_object_add(o, "uptime_s", json_object_new_double(sd_now() - d->started));
	json_object_object_add(o, "idle_s", json_object_new_double(d->opt.idle_s));
	json_object_object_add(o, "offloads",
	                       json_object_new_int64((int64_t)d->metrics.migrations_offload));
	json_object_object_add(o, "bring_backs",
	                       json_object_new_int64((int64_t)d->metrics.migrations_back));
	return o;
}

static struct json_object *ended_json(const struct sd *d, const struct sd_job *j)
{
	struct json_object *o = ok();

	json_object_object_add(o, "job", sd_job_json(d, j));
	return o;
}

static int do_wait(struct sd *d, size_t c, uint64_t id)
{
	struct sd_job *j = sd_job_find(d, id);

	if (!j)
		return refuse(d, c, "no job %llu: see 'hexo jobs'", (unsigned long long)id);
	if (j->state >= SD_DONE)
		return answer(d, c, ended_json(d, j));
	d->clients[c].waiting_for = id;
	return 0;
}

static int do_cancel(struct sd *d, size_t c, uint64_t id)
{
	struct sd_job *j = sd_job_find(d, id);
	struct json_object *o;

	if (!j)
		return refuse(d, c, "no job %llu: see 'hexo jobs'", (unsigned long long)id);
	if (j->state >= SD_DONE)
		return refuse(d, c, "job %llu has already ended (%s)", (unsigned long long)id,
		              sd_job_state_name(j->state));
	if (j->state == SD_QUEUED) {
		j->state = SD_CANCELLED;
		snprintf(j->why, sizeof(j->why), "cancelled before it started");
		sd_log(d, "job %llu: cancelled while queued", (unsigned long long)id);
		sd_job_ended(d, j);
	} else {
		sd_log(d, "job %llu: cancelling: ending its segment on %s", (unsigned long long)id,
		       d->machines[j->machine].name);
		sd_segment_kill(d, j);
	}
	o = ok();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)id));
	answer(d, c, o);
	sd_schedule(d);
	return 0;
}

static void serve(struct sd *d, size_t c, const char *line)
{
	struct json_object *req = json_tokener_parse(line);
	const char *op = req ? str(req, "op") : NULL;
	int64_t id = req ? num(req, "id", 0) : 0;

	if (!op)
		refuse(d, c, "malformed request: one JSON object with \"op\" per line");
	else if (!strcmp(op, "submit"))
		do_submit(d, c, req);
	else if (!strcmp(op, "jobs"))
		do_jobs(d, c);
	else if (!strcmp(op, "status"))
		answer(d, c, status_json(d));
	else if (!strcmp(op, "wait"))
		do_wait(d, c, (uint64_t)id);
	else if (!strcmp(op, "cancel"))
		do_cancel(d, c, (uint64_t)id);
	else
		refuse(d, c, "unknown request '%s'", op);
	if (req)
		json_object_put(req);
}

void sd_rpc_read(struct sd *d, size_t c)
{
	struct sd_client *cl = &d->clients[c];
	ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len, MSG_DONTWAIT);
	char *nl;

	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		drop(d, c); /* gone: a waiter that left stops waiting */
		return;
	}
	cl->len += (size_t)r;
	cl->buf[cl->len] = 0;
	nl = memchr(cl->buf, '\n', cl->len);
	if (!nl) {
		if (cl->len == sizeof(cl->buf) - 1)
			refuse(d, c, "request longer than %zu bytes", sizeof(cl->buf) - 1);
		return;
	}
	*nl = 0;
	/* One request per connection at a time: what follows the line is dropped. */
	cl->len = 0;
	serve(d, c, cl->buf);
}

void sd_rpc_job_ended(struct sd *d, struct sd_job *j)
{
	for (size_t c = d->n_clients; c-- > 0;)
		if (d->clients[c].waiting_for == j->id) {
			d->clients[c].waiting_for = 0;
			answer(d, c, ended_json(d, j));
		}
}

void sd_rpc_close_all(struct sd *d)
{
	while (d->n_clients)
		drop(d, d->n_clients - 1);
	free(d->clients);
	d->clients = NULL;
}
