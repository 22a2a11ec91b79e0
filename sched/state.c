// SPDX-License-Identifier: MIT
/*
 * The daemon's journal: one folder per job under STATE/jobs/ID, holding
 * job.json (everything the daemon knows about the job, rewritten
 * atomically at every change of state) and the job's checkpoints. A
 * restarted daemon reads them back (sd_state_load): a job that was running
 * when the daemon stopped is queued again, from its last checkpoint when it
 * has one, with its output files cut back to what they held at that
 * checkpoint, so nothing is lost and nothing is printed twice.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "sched_int.h"

static const char *const state_names[] = {"queued", "running", "migrating",
                                          "done",   "failed",  "cancelled"};
static const char *const src_names[] = {"server", "history", "counters", "calibration",
                                        "default"};

const char *sd_job_state_name(enum sd_job_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

const char *sd_est_source_name(enum sd_est_source s)
{
	return (unsigned)s < sizeof(src_names) / sizeof(src_names[0]) ? src_names[s] : "?";
}

static int state_from_name(const char *n)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(n, state_names[i]))
			return (int)i;
	return -1;
}

void sd_job_dir(const struct sd *d, uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/jobs/%llu", d->opt.state, (unsigned long long)id);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* The job as JSON: the journal's record and what `hexo jobs --json` shows. */
struct json_object *sd_job_json(const struct sd *d, const struct sd_job *j)
{
	struct json_object *o = json_object_new_object(), *a, *e, *r;

	json_object_object_add(o, "id", json_object_new_int64((int64_t)j->id));
	add_str(o, "state", sd_job_state_name(j->state));
	add_str(o, "image", j->image);
	add_str(o, "build_id", j->build_id);
	json_object_object_add(o, "migratable", json_object_new_boolean(j->migratable));
	add_str(o, "dir", j->dir);
	add_str(o, "output", j->output);
	add_str(o, "error", j->error);
	a = json_object_new_array();
	for (int i = 0; i < j->argc; i++)
		json_object_array_add(a, json_object_new_string(j->argv[i]));
	json_object_object_add(o, "argv", a);
	json_object_object_add(o, "cores", json_object_new_int64(j->cores));
	json_object_object_add(o, "mem_bytes", json_object_new_int64((int64_t)j->mem_bytes));
	add_str(o, "mem", j->mem_text);
	add_str(o, "machine", j->machine >= 0 ? d->machines[j->machine].name : NULL);
	add_str(o, "dest", j->state == SD_MIGRATING && j->dest >= 0 ? d->machines[j->dest].name
	                                                             : NULL);
	json_object_object_add(o, "segments", json_object_new_int64(j->segment));
	add_str(o, "checkpoint", j->checkpoint);
	json_object_object_add(o, "out_size", json_object_new_int64((int64_t)j->out_size));
	json_object_object_add(o, "err_size", json_object_new_int64((int64_t)j->err_size));
	json_object_object_add(o, "submitted", json_object_new_double(j->submitted));
	json_object_object_add(o, "started", j->started > 0 ? json_object_new_double(j->started)
	                                                    : NULL);
	json_object_object_add(o, "ended", j->ended > 0 ? json_object_new_double(j->ended) : NULL);
	json_object_object_add(o, "migrations", json_object_new_int64(j->migrations));
	json_object_object_add(o, "retries", json_object_new_int64(j->retries));
	json_object_object_add(o, "points", json_object_new_int64((int64_t)j->points));
	json_object_object_add(o, "exit_status", j->state == SD_DONE || j->state == SD_FAILED
	                                             ? json_object_new_int(j->exit_status)
	                                             : NULL);
	add_str(o, "why", j->why[0] ? j->why : NULL);
	/* per machine: seconds run, points passed, the estimate and its source */
	r = json_object_new_object();
	for (size_t m = 0; m < d->n_machines; m++) {
		e = json_object_new_object();
		json_object_object_add(e, "run_s", json_object_new_double(j->run_s[m]));
		json_object_object_add(e, "points", json_object_new_int64((int64_t)j->points_on[m]));
		json_object_object_add(e, "est_slowdown", json_object_new_double(j->est[m]));
		add_str(e, "est_source", sd_est_source_name(j->est_src[m]));
		json_object_object_add(r, d->machines[m].name, e);
	}
	json_object_object_add(o, "machines", r);
	return o;
}

int sd_state_save(const struct sd *d, const struct sd_job *j)
{
	char dir[4096], path[4200];
	struct json_object *o = sd_job_json(d, j);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	int ret;

	sd_job_dir(d, j->id, dir, sizeof(dir));
	ret = hexo_mkdir_p(dir, 0700);
	if (!ret) {
		snprintf(path, sizeof(path), "%s/job.json", dir);
		ret = hexo_write_file_atomic(path, text, strlen(text), 0600);
	}
	if (ret)
		sd_log(d, "job %llu: cannot write its journal in %s: %s", (unsigned long long)j->id,
		       dir, strerror(-ret));
	json_object_put(o);
	return ret;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static double jnum(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	return json_object_get_double(v);
}

static char *dupnull(const char *s)
{
	return s ? strdup(s) : NULL;
}

int sd_machine_index(const struct sd *d, const char *name)
{
	for (size_t m = 0; m < d->n_machines; m++)
		if (name && !strcmp(d->machines[m].name, name))
			return (int)m;
	return -1;
}

/* One job from its job.json; NULL (and a log line) when it is unreadable. */
static struct sd_job *load_job(struct sd *d, const char *path)
{
	struct json_object *o = json_object_from_file(path), *a, *r, *e;
	struct sd_job *j;
	int st;

	if (!o) {
		const char *e = json_util_get_last_err();

		sd_log(d, "%s: unreadable or damaged (%.*s): left as it is", path,
		       e ? (int)strcspn(e, "\n") : 0, e ? e : "");
		return NULL;
	}
	j = sd_job_new();
	j->id = (uint64_t)jnum(o, "id");
	st = state_from_name(jstr(o, "state") ? jstr(o, "state") : "");
	j->image = dupnull(jstr(o, "image"));
	j->dir = dupnull(jstr(o, "dir"));
	j->output = dupnull(jstr(o, "output"));
	j->error = dupnull(jstr(o, "error"));
	if (st < 0 || !j->id || !j->image || !j->dir || !j->output || !j->error ||
	    !json_object_object_get_ex(o, "argv", &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) < 1 || json_object_array_length(a) > SD_MAX_ARGS) {
		sd_log(d, "%s: not a job record: left as it is", path);
		sd_job_free(j);
		json_object_put(o);
		return NULL;
	}
	j->state = (enum sd_job_state)st;
	j->argc = (int)json_object_array_length(a);
	j->argv = calloc((size_t)j->argc + 1, sizeof(char *));
	for (int i = 0; i < j->argc; i++)
		j->argv[i] = strdup(json_object_get_string(json_object_array_get_idx(a, (size_t)i)));
	snprintf(j->build_id, sizeof(j->build_id), "%s", jstr(o, "build_id") ? jstr(o, "build_id") : "");
	j->migratable = json_object_object_get_ex(o, "migratable", &e) && json_object_get_boolean(e);
	j->cores = (unsigned)jnum(o, "cores");
	j->mem_bytes = (uint64_t)jnum(o, "mem_bytes");
	snprintf(j->mem_text, sizeof(j->mem_text), "%s", jstr(o, "mem") ? jstr(o, "mem") : "");
	j->machine = sd_machine_index(d, jstr(o, "machine"));
	j->segment = (unsigned)jnum(o, "segments");
	j->checkpoint = dupnull(jstr(o, "checkpoint"));
	j->out_size = (uint64_t)jnum(o, "out_size");
	j->err_size = (uint64_t)jnum(o, "err_size");
	j->submitted = jnum(o, "submitted");
	j->started = jnum(o, "started");
	j->ended = jnum(o, "ended");
	j->migrations = (unsigned)jnum(o, "migrations");
	j->retries = (unsigned)jnum(o, "retries");
	j->points = (uint64_t)jnum(o, "points");
	j->exit_status = (int)jnum(o, "exit_status");
	snprintf(j->why, sizeof(j->why), "%s", jstr(o, "why") ? jstr(o, "why") : "");
	if (json_object_object_get_ex(o, "machines", &r) && json_object_is_type(r, json_type_object)) {
		json_object_object_foreach(r, name, mo)
		{
			int m = sd_machine_index(d, name);

			if (m < 0 || !json_object_is_type(mo, json_type_object))
				continue;
			j->run_s[m] = jnum(mo, "run_s");
			j->points_on[m] = (uint64_t)jnum(mo, "points");
		}
	}
	json_object_put(o);
	return j;
}

/* Cuts FILE back to SIZE bytes when it is longer (output after a checkpoint). */
static void cut_back(struct sd *d, const struct sd_job *j, const char *file, uint64_t size)
{
	struct stat st;

	if (stat(file, &st) == 0 && (uint64_t)st.st_size > size && truncate(file, (off_t)size) < 0)
		sd_log(d, "job %llu: cannot cut %s back to %llu bytes: %s", (unsigned long long)j->id,
		       file, (unsigned long long)size, strerror(errno));
}

/*
 * Reads every job back. A job that was running or migrating when the
 * daemon stopped has lost its segment (segments die with the daemon): it is
 * queued again, to resume from its last checkpoint, or to start over.
 */
int sd_state_load(struct sd *d)
{
	char dir[4096], path[4300];
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/jobs", d->opt.state);
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dp))) {
		struct sd_job *j;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/job.json", dir, de->d_name);
		if (access(path, F_OK) < 0)
			continue;
		j = load_job(d, path);
		if (!j)
			continue;
		if (j->id >= d->next_id)
			d->next_id = j->id + 1;
		if (j->state == SD_RUNNING || j->state == SD_MIGRATING) {
			j->state = SD_QUEUED;
			j->machine = j->dest = -1;
			j->retries++;
			if (j->checkpoint) {
				cut_back(d, j, j->output, j->out_size);
				if (strcmp(j->error, j->output))
					cut_back(d, j, j->error, j->err_size);
				snprintf(j->why, sizeof(j->why),
				         "the daemon restarted: resumes from its last checkpoint");
			} else {
				cut_back(d, j, j->output, 0);
				if (strcmp(j->error, j->output))
					cut_back(d, j, j->error, 0);
				snprintf(j->why, sizeof(j->why),
				         "the daemon restarted: starts over (no checkpoint yet)");
			}
			sd_log(d, "job %llu: %s", (unsigned long long)j->id, j->why);
			sd_state_save(d, j);
		}
		sd_job_add(d, j);
	}
	closedir(dp);
	sd_jobs_sort(d);
	return 0;
}
