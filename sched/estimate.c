// SPDX-License-Identifier: MIT
/*
 * Slowdown estimates: how much longer a job would take on each machine
 * than on a server. Sources, best first (each estimate says which it came
 * from, `hexo jobs`):
 *  - history: jobs of the same image (build id) have run on that node and
 *    on a server; their progress rates (migration points passed per second,
 *    counted by the guest) there and here give a measured slowdown. Kept in
 *    STATE/history.json and updated whenever a job ends;
 *  - counters: where perf_event_open works, the job's instructions and
 *    last-level-cache misses per second while it runs on this host, put
 *    into the node's calibrated model (`hexo node calibrate` fits it);
 *  - calibration: the node's calibrated slowdown (`hexo node calibrate`),
 *    the geometric mean of its calibration kernels;
 *  - default: nothing known: SD_DEFAULT_SLOWDOWN, the middle of the range
 *    real boards show (3x to 30x).
 * A job's own measurement, once it has run in both places, is reported as
 * its measured slowdown and compared with the estimate its offload was
 * decided on (the estimator's error, in the metrics).
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "fsutil.h"
#include "sched_int.h"

#define SD_DEFAULT_SLOWDOWN 10.0
#define SD_MIN_RUN_S        1.0 /* shorter stays measure too little */

static void history_path(const struct sd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/history.json", d->opt.state);
}

int sd_history_load(struct sd *d)
{
	char path[4200], err[256];
	struct json_object *o;

	history_path(d, path, sizeof(path));
	o = json_object_from_file(path);
	if (!o || !json_object_is_type(o, json_type_object)) {
		if (o)
			json_object_put(o);
		o = json_object_new_object();
	}
	d->history = o;
	for (size_t m = 0; m < d->n_machines; m++) {
		struct hexo_calib c;

		if (d->machines[m].local || d->machines[m].is_server)
			continue;
		int r = hexo_calib_load(d->machines[m].name, &c, err, sizeof(err));
		if (r == 0 && c.geomean > 0) {
			d->calib[m] = c.geomean;
			if (c.has_model) {
				d->calib_full[m] = malloc(sizeof(c));
				if (d->calib_full[m])
					*d->calib_full[m] = c;
			}
			sd_log(d, "%s: calibrated slowdown %.2f (%s)", d->machines[m].name, c.geomean,
			       c.date);
		} else if (r < 0) {
			sd_log(d, "%s", err);
		}
	}
	return 0;
}

/* The image's measured progress rate on a machine (points/s), 0 if unknown. */
static double rate(const struct sd *d, const char *build_id, const char *machine)
{
	struct json_object *img, *m, *v;

	if (!build_id[0] || !json_object_object_get_ex(d->history, build_id, &img) ||
	    !json_object_object_get_ex(img, machine, &m) ||
	    !json_object_object_get_ex(m, "rate", &v))
		return 0;
	return json_object_get_double(v);
}

/* The best server rate of the image: what a job of it would do on a server. */
static double server_rate(const struct sd *d, const char *build_id)
{
	double best = 0;

	for (size_t m = 0; m < d->n_machines; m++)
		if (d->machines[m].is_server) {
			double r = rate(d, build_id, d->machines[m].name);
			if (r > best)
				best = r;
		}
	return best;
}

void sd_estimate(struct sd *d, struct sd_job *j)
{
	double rs = server_rate(d, j->build_id);

	for (size_t m = 0; m < d->n_machines; m++) {
		double rn = rate(d, j->build_id, d->machines[m].name), p;

		if (d->machines[m].is_server) {
			j->est[m] = 1.0;
			j->est_src[m] = SD_EST_SERVER;
		} else if (rs > 0 && rn > 0) {
			j->est[m] = rs / rn;
			j->est_src[m] = SD_EST_HISTORY;
		} else if (j->ctr_rates && d->calib_full[m] &&
		           hexo_calib_predict(d->calib_full[m], j->ctr_ginstr_s, j->ctr_mllcmiss_s,
		                              &p) == 0) {
			j->est[m] = p;
			j->est_src[m] = SD_EST_COUNTERS;
		} else if (d->calib[m] > 0) {
			j->est[m] = d->calib[m];
			j->est_src[m] = SD_EST_CALIB;
		} else {
			j->est[m] = SD_DEFAULT_SLOWDOWN;
			j->est_src[m] = SD_EST_DEFAULT;
		}
	}
}

static void set_num(struct json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(v));
}

/*
 * A job ended: fold its measured rates into the history (a running mean
 * over the last 8 jobs, so the history follows a node that changes), and
 * measure its own slowdown where it ran in both places.
 */
void sd_estimate_learn(struct sd *d, struct sd_job *j)
{
	char path[4200];
	double rs = 0, rn = 0;
	struct json_object *img, *m, *v;
	bool changed = false;

	if (!j->build_id[0])
		return;
	for (size_t k = 0; k < d->n_machines; k++) {
		double r, old, n;

		if (j->run_s[k] < SD_MIN_RUN_S || !j->points_on[k])
			continue;
		r = (double)j->points_on[k] / j->run_s[k];
		if (d->machines[k].is_server && r > rs)
			rs = r;
		if ((int)k == j->est_node)
			rn = r;
		if (!json_object_object_get_ex(d->history, j->build_id, &img)) {
			img = json_object_new_object();
			json_object_object_add(d->history, j->build_id, img);
		}
		if (!json_object_object_get_ex(img, d->machines[k].name, &m)) {
			m = json_object_new_object();
			json_object_object_add(img, d->machines[k].name, m);
		}
		old = json_object_object_get_ex(m, "rate", &v) ? json_object_get_double(v) : 0;
		n = json_object_object_get_ex(m, "n", &v) ? json_object_get_double(v) : 0;
		if (n > 7)
			n = 7;
		set_num(m, "rate", (old * n + r) / (n + 1));
		set_num(m, "n", n + 1);
		changed = true;
	}
	if (rs > 0 && rn > 0) {
		j->measured = rs / rn;
		sd_hist_add(&d->metrics.est_error, fabs(j->est_used - j->measured) / j->measured);
		sd_log(d, "job %llu: slowdown on %s: estimated %.2f, measured %.2f",
		       (unsigned long long)j->id, d->machines[j->est_node].name, j->est_used,
		       j->measured);
	}
	if (changed) {
		const char *text = json_object_to_json_string_ext(d->history, JSON_C_TO_STRING_PRETTY);
		int ret;

		history_path(d, path, sizeof(path));
		ret = hexo_write_file_atomic(path, text, strlen(text), 0600);
		if (ret)
			sd_log(d, "%s: cannot write it: %s", path, strerror(-ret));
	}
}
