/* SPDX-License-Identifier: MIT */
/*
 * A node's calibration: how much slower than a reference machine it runs
 * the calibration kernels (sched/calib/), measured by `hexo node calibrate`
 * and kept as one JSON file per node,
 *   ${HEXO_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/hexo}/calib/NODE.json
 * (docs/sched.md, "Slowdown estimates: calibration"). The scheduler reads it
 * as the prior slowdown of images it has never seen on that node: the
 * geometric mean of the kernels' slowdowns, or, when the reference could
 * count instructions and last-level-cache misses (lib/counters.h), the
 * linear model fitted to the kernels, evaluated at the image's own rates.
 */
#ifndef HEXO_LIB_CALIB_H
#define HEXO_LIB_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes.h"

#define HEXO_CALIB_VERSION     1
#define HEXO_CALIB_MAX_KERNELS 16
#define HEXO_CALIB_MAX_REPS    20

struct hexo_calib_kernel {
	char name[32];
	uint64_t size, iters; /* the arguments both sides ran it with */
	char checksum[40];    /* the same on both sides (calibrate checks) */
	unsigned reps;
	double here_s[HEXO_CALIB_MAX_REPS]; /* seconds of the timed iterations, per run */
	double node_s[HEXO_CALIB_MAX_REPS];
	double here_iter_s, node_iter_s; /* seconds per iteration, fastest run */
	double slowdown;                 /* node_iter_s / here_iter_s */
	/* rates measured on the reference while it ran the kernel (has_counters) */
	bool has_counters;
	double ginstr_s;   /* 10^9 instructions per second */
	double mllcref_s;  /* 10^6 last-level-cache references per second */
	double mllcmiss_s; /* 10^6 last-level-cache misses per second */
};

struct hexo_calib {
	int version;
	char node[HEXO_NODE_NAME_MAX];      /* the node calibrated */
	char reference[HEXO_NODE_NAME_MAX]; /* "local" (this machine) or a node's name */
	int64_t time;                       /* when, seconds since the epoch */
	char date[32];                      /* the same, "YYYY-MM-DDTHH:MM:SSZ" */
	bool quick;                         /* --quick: small working sets */
	size_t n_kernels;
	struct hexo_calib_kernel kernels[HEXO_CALIB_MAX_KERNELS];
	double geomean, min, max; /* of the kernels' slowdowns */
	/* slowdown = a + b * ginstr_s + c * mllcmiss_s, fitted over the kernels */
	bool has_model;
	double model_a, model_b, model_c;
	char counters[160]; /* why there are no counter rates ("" when there are) */
};

/* STATE/calib/NODE.json into buf (the folder is not created). 0 or -errno. */
int hexo_calib_path(const char *node, char *buf, size_t len, char *err, size_t errlen);

/*
 * Node's calibration into *out: 0; 1 when the node was never calibrated
 * (no file); -1 when the file cannot be read or is damaged, with one line
 * in err naming the file and what is wrong.
 */
int hexo_calib_load(const char *node, struct hexo_calib *out, char *err, size_t errlen);

/* Writes c to its file, atomically (the calib folder created 0700). 0 or -errno. */
int hexo_calib_save(const struct hexo_calib *c, char *err, size_t errlen);

/* c as the JSON text of its file (pretty-printed, '\n'-terminated); free() it. NULL: no memory. */
char *hexo_calib_to_json(const struct hexo_calib *c);

/* Parses the text of a calibration file (file names it in err). 0 or -1. */
int hexo_calib_from_json(const char *text, const char *file, struct hexo_calib *out, char *err,
                         size_t errlen);

/* Sets geomean, min and max from the kernels' slowdowns. -1 when one is not finite and > 0. */
int hexo_calib_summarize(struct hexo_calib *c);

/*
 * The prior slowdown of an image that runs here at ginstr_s (10^9
 * instructions/s) with mllcmiss_s (10^6 LLC misses/s): the model's value,
 * kept within the kernels' slowdowns [min, max] (a straight line says little
 * beyond the points it was fitted to). -1 when c has no model (use
 * c->geomean then), 0 with *out set.
 */
int hexo_calib_predict(const struct hexo_calib *c, double ginstr_s, double mllcmiss_s, double *out);

/*
 * Least squares: the a, b, c minimising sum (y - a - b x1 - c x2)^2 over
 * n points (normal equations, solved with partial pivoting). 0 with
 * coef[0..2] = a, b, c; -1 when n < 3, a value is not finite or the points
 * do not determine a plane (x1, x2 collinear).
 */
int hexo_calib_fit(const double *x1, const double *x2, const double *y, size_t n, double coef[3]);

#endif
