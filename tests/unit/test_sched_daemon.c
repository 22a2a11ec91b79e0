// SPDX-License-Identifier: MIT
/*
 * Unit tests for the daemon's estimator (sched/estimate.c) and journal
 * (sched/state.c) on a hand-built daemon with a state folder of its own:
 * where each estimate comes from (server, calibration, default, history),
 * what a finished job teaches the history and the estimator's error
 * histogram, and a job's record written and read back, including the
 * recovery of jobs that were running when the daemon stopped (queued
 * again, output cut back to the last checkpoint, or emptied).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "sched_int.h"

static struct sd d;
static char dir[] = "/tmp/hexo-test-sched-daemon.XXXXXX";

static int setup(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	assert_non_null(mkdtemp(dir));
	d.opt.state = dir;
	d.next_id = 1;
	sd_metrics_init(&d.metrics);
	snprintf(d.machines[0].name, SD_NAME_MAX, "local");
	d.machines[0].local = d.machines[0].is_server = d.machines[0].up = true;
	d.machines[0].cores = 2;
	snprintf(d.machines[1].name, SD_NAME_MAX, "n1");
	snprintf(d.machines[2].name, SD_NAME_MAX, "n2");
	d.n_machines = 3;
	d.history = json_object_new_object();
	d.calib[1] = 3.0; /* n1 calibrated, n2 not */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_object_put(d.history);
	for (size_t i = 0; i < d.n_jobs; i++)
		sd_job_free(d.jobs[i]);
	free(d.jobs);
	hexo_tree_rm(dir);
	return 0;
}

static struct sd_job *job(const char *build_id)
{
	struct sd_job *j = sd_job_new();

	j->id = d.next_id++;
	snprintf(j->build_id, sizeof(j->build_id), "%s", build_id);
	return j;
}

static void test_estimate_sources(void **state)
{
	struct sd_job *j = job("img-a");

	(void)state;
	sd_estimate(&d, j);
	assert_true(j->est[0] == 1.0);
	assert_int_equal(j->est_src[0], SD_EST_SERVER);
	assert_true(j->est[1] == 3.0);
	assert_int_equal(j->est_src[1], SD_EST_CALIB);
	assert_true(j->est[2] == 10.0);
	assert_int_equal(j->est_src[2], SD_EST_DEFAULT);
	assert_string_equal(sd_est_source_name(j->est_src[1]), "calibration");
	sd_job_free(j);
}

static void test_learn_and_history(void **state)
{
	struct sd_job *j = job("img-b"), *k;
	char path[512];
	struct stat st;

	(void)state;
	/* 10 s on the server for 1000 points, 40 s on n1 for 1000 more: 4x */
	j->run_s[0] = 10;
	j->points_on[0] = 1000;
	j->run_s[1] = 40;
	j->points_on[1] = 1000;
	j->est_node = 1;
	j->est_used = 3.0;
	sd_estimate_learn(&d, j);
	assert_true(j->measured > 3.999 && j->measured < 4.001);
	assert_int_equal(d.metrics.est_error.count, 1);
	assert_true(d.metrics.est_error.sum > 0.2499 && d.metrics.est_error.sum < 0.2501);
	snprintf(path, sizeof(path), "%s/history.json", dir);
	assert_int_equal(stat(path, &st), 0);

	/* The next job of the same image: a measured estimate on n1 only. */
	k = job("img-b");
	sd_estimate(&d, k);
	assert_int_equal(k->est_src[1], SD_EST_HISTORY);
	assert_true(k->est[1] > 3.999 && k->est[1] < 4.001);
	assert_int_equal(k->est_src[2], SD_EST_DEFAULT);
	/* Another image learns nothing from it. */
	sd_job_free(k);
	k = job("img-c");
	sd_estimate(&d, k);
	assert_int_equal(k->est_src[1], SD_EST_CALIB);
	sd_job_free(k);

	/* Too short a stay (< 1 s) measures nothing. */
	k = job("img-d");
	k->run_s[0] = 0.5;
	k->points_on[0] = 10;
	sd_estimate_learn(&d, k);
	assert_true(k->measured == 0);
	sd_job_free(k);
	sd_job_free(j);

	/* A restarted daemon reads the history back. */
	json_object_put(d.history);
	d.history = NULL;
	sd_history_load(&d);
	k = job("img-b");
	sd_estimate(&d, k);
	assert_int_equal(k->est_src[1], SD_EST_HISTORY);
	sd_job_free(k);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct sd_job *journaled(const char *name, enum sd_job_state st, int machine,
                                const char *ckpt, uint64_t out_size)
{
	struct sd_job *j = job("img-e");
	char p[512];

	j->state = st;
	j->machine = machine;
	asprintf(&j->image, "%s/app.hexo", dir);
	j->dir = strdup(dir);
	asprintf(&j->output, "%s/%s.out", dir, name);
	j->error = strdup(j->output);
	j->argc = 2;
	j->argv = calloc(3, sizeof(char *));
	j->argv[0] = strdup("app.hexo");
	j->argv[1] = strdup(name);
	j->cores = 1;
	j->mem_bytes = 512u << 20;
	j->migratable = true;
	j->migrations = 2;
	j->run_s[1] = 7.5;
	j->points_on[1] = 42;
	if (ckpt) {
		snprintf(p, sizeof(p), "%s/%s", dir, ckpt);
		j->checkpoint = strdup(p);
	}
	j->out_size = out_size;
	write_file(j->output, "0123456789abcdef");
	assert_int_equal(sd_state_save(&d, j), 0);
	return j;
}

static void test_journal_round_trip_and_recovery(void **state)
{
	struct sd_job *a, *b, *c;
	struct stat st;
	int ids[3];

	(void)state;
	a = journaled("done", SD_DONE, 1, NULL, 0);
	a->exit_status = 3;
	sd_state_save(&d, a);
	b = journaled("ckpt", SD_RUNNING, 2, "ckpt-2", 10);
	c = journaled("fresh", SD_MIGRATING, 0, NULL, 0);
	ids[0] = (int)a->id, ids[1] = (int)b->id, ids[2] = (int)c->id;
	sd_job_free(a);
	sd_job_free(b);
	sd_job_free(c);

	d.next_id = 1;
	assert_int_equal(sd_state_load(&d), 0);
	assert_int_equal(d.n_jobs, 3);
	assert_true(d.next_id == (uint64_t)ids[2] + 1);
	a = sd_job_find(&d, (uint64_t)ids[0]);
	b = sd_job_find(&d, (uint64_t)ids[1]);
	c = sd_job_find(&d, (uint64_t)ids[2]);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	/* an ended job comes back as it was */
	assert_int_equal(a->state, SD_DONE);
	assert_int_equal(a->exit_status, 3);
	assert_string_equal(a->argv[1], "done");
	assert_int_equal(a->migrations, 2);
	assert_true(a->run_s[1] == 7.5);
	assert_int_equal(a->points_on[1], 42);
	assert_string_equal(d.machines[a->machine].name, "n1");
	assert_true(a->migratable);
	/* running with a checkpoint: queued, output cut back to the checkpoint's */
	assert_int_equal(b->state, SD_QUEUED);
	assert_int_equal(b->machine, -1);
	assert_int_equal(b->retries, 1);
	assert_non_null(strstr(b->why, "resumes from its last checkpoint"));
	assert_int_equal(stat(b->output, &st), 0);
	assert_int_equal(st.st_size, 10);
	/* migrating without one: queued, starts over with an empty output */
	assert_int_equal(c->state, SD_QUEUED);
	assert_non_null(strstr(c->why, "starts over"));
	assert_int_equal(stat(c->output, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* a damaged record is left alone, the others load */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/jobs/77", dir);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/jobs/77/job.json", dir);
		write_file(p, "{\"id\": 77, \"state\": ");
		for (size_t i = 0; i < d.n_jobs; i++)
			sd_job_free(d.jobs[i]);
		d.n_jobs = 0;
		assert_int_equal(sd_state_load(&d), 0);
		assert_int_equal(d.n_jobs, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_estimate_sources),
	    cmocka_unit_test(test_learn_and_history),
	    cmocka_unit_test(test_journal_round_trip_and_recovery),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
