// SPDX-License-Identifier: MIT
/*
 * Calibration files (lib/calib.h): STATE/calib/NODE.json, written
 * atomically; the least-squares fit of the counter model and its use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "calib.h"
#include "err.h"
#include "fsutil.h"
#include "nodes.h"

#define CALIB_FILE_MAX (256 * 1024)

int hexo_calib_path(const char *node, char *buf, size_t len, char *err, size_t errlen)
{
	char base[PATH_MAX];
	int n;

	if (!hexo_node_name_valid(node))
		return hexo_fail(err, errlen, -EINVAL, "node name '%.80s' is not valid",
		                 node ? node : "");
	/* the registry's folder (lib/nodes.c), not created here */
	n = hexo_state_path(base, sizeof(base), err, errlen);
	if (n)
		return n;
	n = snprintf(buf, len, "%s/calib/%s.json", base, node);
	if (n < 0 || (size_t)n >= len)
		return hexo_fail(err, errlen, -ENAMETOOLONG, "hexo state folder path too long");
	return 0;
}

static bool positive(double d)
{
	return isfinite(d) && d > 0;
}

int hexo_calib_summarize(struct hexo_calib *c)
{
	double logsum = 0;

	if (!c->n_kernels)
		return -1;
	c->min = INFINITY;
	c->max = 0;
	for (size_t i = 0; i < c->n_kernels; i++) {
		double s = c->kernels[i].slowdown;

		if (!positive(s))
			return -1;
		logsum += log(s);
		c->min = s < c->min ? s : c->min;
		c->max = s > c->max ? s : c->max;
	}
	c->geomean = exp(logsum / (double)c->n_kernels);
	/* rounding must not put the mean outside the values it averages */
	if (c->geomean < c->min)
		c->geomean = c->min;
	if (c->geomean > c->max)
		c->geomean = c->max;
	return 0;
}

int hexo_calib_fit(const double *x1, const double *x2, const double *y, size_t n, double coef[3])
{
	double m1 = 0, m2 = 0, my = 0, s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0, det, b, c;

	if (n < 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x1[i]) || !isfinite(x2[i]) || !isfinite(y[i]))
			return -1;
		m1 += x1[i];
		m2 += x2[i];
		my += y[i];
	}
	m1 /= (double)n;
	m2 /= (double)n;
	my /= (double)n;
	/*
	 * With the means taken out, a drops from the normal equations and b, c
	 * solve a 2x2 system (better conditioned than the 3x3 one):
	 *   [s11 s12] [b]   [s1y]
	 *   [s12 s22] [c] = [s2y],  a = my - b m1 - c m2
	 */
	for (size_t i = 0; i < n; i++) {
		double d1 = x1[i] - m1, d2 = x2[i] - m2, dy = y[i] - my;

		s11 += d1 * d1;
		s12 += d1 * d2;
		s22 += d2 * d2;
		s1y += d1 * dy;
		s2y += d2 * dy;
	}
	det = s11 * s22 - s12 * s12;
	/* x1 and x2 (nearly) collinear, or one of them constant: no plane */
	if (!(s11 > 0) || !(s22 > 0) || !(fabs(det) > 1e-10 * s11 * s22))
		return -1;
	b = (s1y * s22 - s2y * s12) / det;
	c = (s2y * s11 - s1y * s12) / det;
	coef[0] = my - b * m1 - c * m2;
	coef[1] = b;
	coef[2] = c;
	return isfinite(coef[0]) && isfinite(b) && isfinite(c) ? 0 : -1;
}

int hexo_calib_predict(const struct hexo_calib *c, double ginstr_s, double mllcmiss_s, double *out)
{
	double v;

	if (!c->has_model || !isfinite(ginstr_s) || !isfinite(mllcmiss_s))
		return -1;
	v = c->model_a + c->model_b * ginstr_s + c->model_c * mllcmiss_s;
	if (!(v >= c->min))
		v = c->min;
	if (v > c->max)
		v = c->max;
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- JSON -- */

static json_object *num(double d)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.10g", d);
	return json_object_new_double_s(d, buf);
}

static json_object *num_array(const double *v, unsigned n)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; a && i < n; i++)
		json_object_array_add(a, num(v[i]));
	return a;
}

char *hexo_calib_to_json(const struct hexo_calib *c)
{
	json_object *o = json_object_new_object(), *ks = json_object_new_array(), *m;
	const char *text;
	char *out;

	if (!o || !ks) {
		json_object_put(o);
		json_object_put(ks);
		return NULL;
	}
	json_object_object_add(o, "version", json_object_new_int(HEXO_CALIB_VERSION));
	json_object_object_add(o, "node", json_object_new_string(c->node));
	json_object_object_add(o, "reference", json_object_new_string(c->reference));
	json_object_object_add(o, "date", json_object_new_string(c->date));
	json_object_object_add(o, "time", json_object_new_int64(c->time));
	json_object_object_add(o, "quick", json_object_new_boolean(c->quick));
	for (size_t i = 0; i < c->n_kernels; i++) {
		const struct hexo_calib_kernel *k = &c->kernels[i];
		json_object *jk = json_object_new_object();

		if (!jk)
			break;
		json_object_object_add(jk, "name", json_object_new_string(k->name));
		json_object_object_add(jk, "size", json_object_new_uint64(k->size));
		json_object_object_add(jk, "iters", json_object_new_uint64(k->iters));
		json_object_object_add(jk, "checksum", json_object_new_string(k->checksum));
		json_object_object_add(jk, "checksums_agree", json_object_new_boolean(1));
		json_object_object_add(jk, "here_s", num_array(k->here_s, k->reps));
		json_object_object_add(jk, "node_s", num_array(k->node_s, k->reps));
		json_object_object_add(jk, "here_s_per_iter", num(k->here_iter_s));
		json_object_object_add(jk, "node_s_per_iter", num(k->node_iter_s));
		json_object_object_add(jk, "slowdown", num(k->slowdown));
		if (k->has_counters) {
			json_object *r = json_object_new_object();

			json_object_object_add(r, "ginstr_s", num(k->ginstr_s));
			json_object_object_add(r, "mllc_refs_s", num(k->mllcref_s));
			json_object_object_add(r, "mllc_misses_s", num(k->mllcmiss_s));
			json_object_object_add(jk, "counters", r);
		}
		json_object_array_add(ks, jk);
	}
	json_object_object_add(o, "kernels", ks);
	json_object_object_add(o, "geomean", num(c->geomean));
	json_object_object_add(o, "min", num(c->min));
	json_object_object_add(o, "max", num(c->max));
	if (c->has_model) {
		m = json_object_new_object();
		json_object_object_add(
		    m, "formula",
		    json_object_new_string("slowdown = a + b * ginstr_s + c * mllc_misses_s"));
		json_object_object_add(m, "a", num(c->model_a));
		json_object_object_add(m, "b", num(c->model_b));
		json_object_object_add(m, "c", num(c->model_c));
		json_object_object_add(o, "model", m);
	} else {
		json_object_object_add(o, "model", NULL);
	}
	json_object_object_add(o, "counters",
	                       json_object_new_string(c->counters[0] ? c->counters : "measured"));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	out = text ? malloc(strlen(text) + 2) : NULL;
	if (out)
		sprintf(out, "%s\n", text);
	json_object_put(o);
	return out;
}

int hexo_calib_save(const struct hexo_calib *c, char *err, size_t errlen)
{
	char path[PATH_MAX], *text, *slash;
	int ret;

	ret = hexo_calib_path(c->node, path, sizeof(path), err, errlen);
	if (ret)
		return ret;
	slash = strrchr(path, '/');
	*slash = '\0';
	ret = hexo_mkdir_p(path, 0700);
	if (ret)
		return hexo_fail(err, errlen, ret, "'%s': %s: set HEXO_STATE to a writable folder",
		                 path, strerror(-ret));
	*slash = '/';
	text = hexo_calib_to_json(c);
	if (!text)
		return hexo_fail(err, errlen, -ENOMEM, "out of memory");
	ret = hexo_write_file_atomic(path, text, strlen(text), 0644);
	free(text);
	if (ret)
		return hexo_fail(err, errlen, ret, "'%s': %s", path, strerror(-ret));
	return 0;
}

/* Members: each getter returns NULL or what is wrong with key. */

static json_object *member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_string(json_object *o, const char *key, char *dst, size_t len)
{
	json_object *v = member(o, key);
	const char *s;

	if (!v || !json_object_is_type(v, json_type_string))
		return "expected a string";
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return "too long";
	memcpy(dst, s, strlen(s) + 1);
	return NULL;
}

static const char *get_number(json_object *o, const char *key, double *d, bool pos)
{
	json_object *v = member(o, key);

	if (!v ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return "expected a number";
	*d = json_object_get_double(v);
	if (!isfinite(*d) || (pos && !(*d > 0)))
		return pos ? "expected a number > 0" : "expected a finite number";
	return NULL;
}

static const char *get_count(json_object *o, const char *key, uint64_t *u)
{
	json_object *v = member(o, key);

	if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
		return "expected an integer > 0";
	*u = json_object_get_uint64(v);
	return NULL;
}

static const char *get_times(json_object *o, const char *key, double *t, unsigned *reps)
{
	json_object *a = member(o, key);
	size_t n;

	if (!a || !json_object_is_type(a, json_type_array))
		return "expected an array of seconds";
	n = json_object_array_length(a);
	if (n < 1 || n > HEXO_CALIB_MAX_REPS || (*reps && n != *reps))
		return "expected 1 to 20 runs, as many on both sides";
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (!(json_object_is_type(v, json_type_double) ||
		      json_object_is_type(v, json_type_int)))
			return "expected an array of seconds";
		t[i] = json_object_get_double(v);
		if (!(t[i] >= 0 && isfinite(t[i])))
			return "expected seconds >= 0";
	}
	*reps = (unsigned)n;
	return NULL;
}

static const char *kernel_from_json(json_object *jk, struct hexo_calib_kernel *k, const char **key)
{
	json_object *r;
	const char *bad;

	if (!json_object_is_type(jk, json_type_object))
		return (*key = "", "expected an object");
	if ((bad = get_string(jk, *key = "name", k->name, sizeof(k->name))) ||
	    (bad = get_count(jk, *key = "size", &k->size)) ||
	    (bad = get_count(jk, *key = "iters", &k->iters)) ||
	    (bad = get_string(jk, *key = "checksum", k->checksum, sizeof(k->checksum))) ||
	    (bad = get_times(jk, *key = "here_s", k->here_s, &k->reps)) ||
	    (bad = get_times(jk, *key = "node_s", k->node_s, &k->reps)) ||
	    (bad = get_number(jk, *key = "here_s_per_iter", &k->here_iter_s, true)) ||
	    (bad = get_number(jk, *key = "node_s_per_iter", &k->node_iter_s, true)) ||
	    (bad = get_number(jk, *key = "slowdown", &k->slowdown, true)))
		return bad;
	r = member(jk, *key = "counters");
	if (!r || json_object_is_type(r, json_type_null))
		return NULL;
	if (!json_object_is_type(r, json_type_object))
		return "expected an object or null";
	k->has_counters = true;
	if ((*key = "counters.ginstr_s", bad = get_number(r, "ginstr_s", &k->ginstr_s, false)) ||
	    (*key = "counters.mllc_refs_s",
	     bad = get_number(r, "mllc_refs_s", &k->mllcref_s, false)) ||
	    (*key = "counters.mllc_misses_s",
	     bad = get_number(r, "mllc_misses_s", &k->mllcmiss_s, false)))
		return bad;
	return NULL;
}

static const char *calib_from_json(json_object *o, struct hexo_calib *c, char *key, size_t keylen)
{
	json_object *v, *ks;
	const char *bad, *k = "";
	double d;

	snprintf(key, keylen, "(top)");
	if (!json_object_is_type(o, json_type_object))
		return "expected a JSON object";
#define KEY(s) (snprintf(key, keylen, "%s", s), s)
	v = member(o, KEY("version"));
	if (!v || !json_object_is_type(v, json_type_int))
		return "expected an integer";
	c->version = json_object_get_int(v);
	if (c->version != HEXO_CALIB_VERSION)
		return "unknown version (this hexo reads version 1): calibrate the node again";
	if ((bad = get_string(o, KEY("node"), c->node, sizeof(c->node))) ||
	    (bad = get_string(o, KEY("reference"), c->reference, sizeof(c->reference))) ||
	    (bad = get_string(o, KEY("date"), c->date, sizeof(c->date))) ||
	    (bad = get_number(o, KEY("time"), &d, true)))
		return bad;
	c->time = (int64_t)d;
	v = member(o, KEY("quick"));
	if (!v || !json_object_is_type(v, json_type_boolean))
		return "expected true or false";
	c->quick = json_object_get_boolean(v);
	ks = member(o, KEY("kernels"));
	if (!ks || !json_object_is_type(ks, json_type_array) || json_object_array_length(ks) < 1 ||
	    json_object_array_length(ks) > HEXO_CALIB_MAX_KERNELS)
		return "expected an array of 1 to 16 kernels";
	c->n_kernels = json_object_array_length(ks);
	for (size_t i = 0; i < c->n_kernels; i++) {
		bad = kernel_from_json(json_object_array_get_idx(ks, i), &c->kernels[i], &k);
		if (bad) {
			snprintf(key, keylen, "kernels[%zu]%s%s", i, *k ? "." : "", k);
			return bad;
		}
	}
	if ((bad = get_number(o, KEY("geomean"), &c->geomean, true)))
		return bad;
	v = member(o, KEY("model"));
	if (v && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_object))
			return "expected an object or null";
		if ((KEY("model.a"), bad = get_number(v, "a", &c->model_a, false)) ||
		    (KEY("model.b"), bad = get_number(v, "b", &c->model_b, false)) ||
		    (KEY("model.c"), bad = get_number(v, "c", &c->model_c, false)))
			return bad;
		c->has_model = true;
	}
	v = member(o, KEY("counters"));
	if (v && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "measured"))
		snprintf(c->counters, sizeof(c->counters), "%s", json_object_get_string(v));
#undef KEY
	d = c->geomean;
	if (hexo_calib_summarize(c))
		return (snprintf(key, keylen, "kernels"), "a slowdown is not a number > 0");
	c->geomean = d; /* as stored */
	return NULL;
}

int hexo_calib_from_json(const char *text, const char *file, struct hexo_calib *out, char *err,
                         size_t errlen)
{
	enum json_tokener_error jerr;
	json_object *o;
	const char *bad;
	char key[96];

	memset(out, 0, sizeof(*out));
	o = json_tokener_parse_verbose(text, &jerr);
	if (!o) {
		hexo_seterr(err, errlen,
		            "calibration file '%s' is damaged: %s: run 'hexo node calibrate' again",
		            file, json_tokener_error_desc(jerr));
		return -1;
	}
	bad = calib_from_json(o, out, key, sizeof(key));
	json_object_put(o);
	if (bad) {
		hexo_seterr(
		    err, errlen,
		    "calibration file '%s' is damaged: %s: %s: run 'hexo node calibrate' again",
		    file, key, bad);
		return -1;
	}
	return 0;
}

int hexo_calib_load(const char *node, struct hexo_calib *out, char *err, size_t errlen)
{
	char path[PATH_MAX], *text;
	ssize_t r;
	size_t len = 0;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	if (hexo_calib_path(node, path, sizeof(path), err, errlen))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		hexo_seterr(err, errlen, "calibration file '%s': %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CALIB_FILE_MAX + 1);
	if (!text) {
		close(fd);
		hexo_seterr(err, errlen, "out of memory");
		return -1;
	}
	while ((r = read(fd, text + len, CALIB_FILE_MAX + 1 - len)) > 0)
		len += (size_t)r;
	ret = errno;
	close(fd);
	if (r < 0 || len > CALIB_FILE_MAX) {
		hexo_seterr(err, errlen, "calibration file '%s': %s", path,
		            r < 0 ? strerror(ret) : "larger than 256 KiB");
		free(text);
		return -1;
	}
	text[len] = '\0';
	ret = hexo_calib_from_json(text, path, out, err, errlen);
	free(text);
	if (!ret && strcmp(out->node, node)) {
		hexo_seterr(err, errlen,
		            "calibration file '%s' is damaged: node: names '%s', not '%s'", path,
		            out->node, node);
		return -1;
	}
	return ret;
}
