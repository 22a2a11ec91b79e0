// SPDX-License-Identifier: MIT
/*
 * The simulator's config file (sched/sim.h, format in docs/sched.md): JSON
 * read with json-c and checked key by key. Every error is one line naming
 * the file, the key (as a path: jobs[1].slowdown.board) and what is
 * expected there; unknown keys are errors too, so a typo is not silently
 * a default.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "sim.h"

#define CONFIG_MAX   (1024 * 1024)
#define KEY_MAX      128
#define MB           1000000.0 /* sizes are in MB (10^6 bytes), like the link's Mb/s */
#define MAX_CORES    1024
#define MAX_MB       1e9 /* a petabyte: keeps MB * 10^6 a valid uint64_t */

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
};

/* "FILE: KEY: expected WHAT, got VALUE" (or "..., but it is missing"). */
static int bad(const struct ctx *c, const char *key, const char *what, json_object *got)
{
	if (!got)
		return hexo_fail(c->err, c->errlen, -EINVAL, "%s: %s: expected %s, but it is missing",
		                 c->file, key, what);
	return hexo_fail(c->err, c->errlen, -EINVAL, "%s: %s: expected %s, got %.60s", c->file,
	                 key, what, json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN));
}

/* Appends s to the key path in buf (n bytes so far), cut at KEY_MAX - 1. */
static size_t append(char *buf, size_t n, const char *s)
{
	size_t k = strlen(s);

	if (k > KEY_MAX - 1 - n)
		k = KEY_MAX - 1 - n; /* it only names a key in a message */
	memcpy(buf + n, s, k);
	buf[n + k] = 0;
	return n + k;
}

/* The key path prefix.name (or name, at the top) into buf[KEY_MAX]. */
static void join(char *buf, const char *prefix, const char *name)
{
	size_t n = append(buf, 0, prefix);

	append(buf, *prefix ? append(buf, n, ".") : n, name);
}

/* name[i] into buf[KEY_MAX]. */
static void index_key(char *buf, const char *name, size_t i)
{
	char num[24];

	snprintf(num, sizeof(num), "[%zu]", i);
	append(buf, append(buf, 0, name), num);
}

/* Refuses keys of obj that are not in `allowed` (NULL-terminated). */
static int known_keys(const struct ctx *c, json_object *obj, const char *prefix,
                      const char *const *allowed, const char *listed)
{
	char key[KEY_MAX];

	json_object_object_foreach(obj, k, v)
	{
		size_t i = 0;

		(void)v;
		while (allowed[i] && strcmp(allowed[i], k))
			i++;
		if (!allowed[i]) {
			join(key, prefix, k);
			return hexo_fail(c->err, c->errlen, -EINVAL,
			                 "%s: %s: unknown key (expected one of: %s)", c->file, key,
			                 listed);
		}
	}
	return 0;
}

static json_object *member(json_object *obj, const char *name)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, name, &v) ? v : NULL;
}

static bool is_number(json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

/* A number >= min (> min when strict); `dflt` when missing and dflt is not NAN. */
static int number(const struct ctx *c, json_object *obj, const char *prefix, const char *name,
                  double min, bool strict, double dflt, const char *what, double *out)
{
	json_object *v = member(obj, name);
	char key[KEY_MAX];
	double d;

	join(key, prefix, name);
	if (!v && !isnan(dflt)) {
		*out = dflt;
		return 0;
	}
	if (!v || !is_number(v))
		return bad(c, key, what, v);
	d = json_object_get_double(v);
	if (!isfinite(d) || d < min || (strict && d == min))
		return bad(c, key, what, v);
	*out = d;
	return 0;
}

/* A size in MB: number() with an upper bound, MAX_MB. */
static int size_mb(const struct ctx *c, json_object *obj, const char *prefix, const char *name,
                   bool strict, double dflt, const char *what, double *out)
{
	char key[KEY_MAX];
	int ret = number(c, obj, prefix, name, 0, strict, dflt, what, out);

	join(key, prefix, name);
	if (!ret && *out > MAX_MB)
		return bad(c, key, "at most 10^9 MB", member(obj, name));
	return ret;
}

static int whole(const struct ctx *c, json_object *obj, const char *prefix, const char *name,
                 unsigned dflt, const char *what, unsigned *out)
{
	json_object *v = member(obj, name);
	char key[KEY_MAX];
	int64_t n;

	join(key, prefix, name);
	if (!v && dflt) {
		*out = dflt;
		return 0;
	}
	if (!v || !json_object_is_type(v, json_type_int))
		return bad(c, key, what, v);
	n = json_object_get_int64(v);
	if (n < 1 || n > MAX_CORES)
		return bad(c, key, what, v);
	*out = (unsigned)n;
	return 0;
}

static int boolean(const struct ctx *c, json_object *obj, const char *prefix, const char *name,
                   int dflt, bool *out)
{
	json_object *v = member(obj, name);
	char key[KEY_MAX];

	join(key, prefix, name);
	if (!v && dflt >= 0) {
		*out = dflt;
		return 0;
	}
	if (!v || !json_object_is_type(v, json_type_boolean))
		return bad(c, key, "true or false", v);
	*out = json_object_get_boolean(v);
	return 0;
}

/* A string that fits in buf (len >= 2), non-empty; "" when optional and missing. */
static int text(const struct ctx *c, json_object *obj, const char *prefix, const char *name,
                bool required, char *buf, size_t len)
{
	json_object *v = member(obj, name);
	char key[KEY_MAX], what[64];

	join(key, prefix, name);
	snprintf(what, sizeof(what), "a string of 1 to %zu characters", len - 1);
	if (!v && !required) {
		buf[0] = 0;
		return 0;
	}
	if (!v || !json_object_is_type(v, json_type_string) || !json_object_get_string_len(v) ||
	    (size_t)json_object_get_string_len(v) >= len)
		return bad(c, key, what, v);
	memcpy(buf, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
	return 0;
}

/* obj[name] when it is of type t (objects and arrays), else an error. */
static int child(const struct ctx *c, json_object *obj, const char *prefix, const char *name,
                 json_type t, const char *what, json_object **out)
{
	char key[KEY_MAX];

	join(key, prefix, name);
	*out = member(obj, name);
	if (!*out || !json_object_is_type(*out, t))
		return bad(c, key, what, *out);
	return 0;
}

static int type_index(const struct sim_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_types; i++)
		if (!strcmp(cfg->types[i].name, name))
			return (int)i;
	return -1;
}

static int load_power(const struct ctx *c, json_object *m, const char *prefix,
                      struct sim_power *p)
{
	static const char *const keys[] = {"idle", "busy1", "busy4", NULL};
	const char *what = "watts, a number >= 0";
	json_object *o;
	char key[KEY_MAX];
	int ret;

	join(key, prefix, "power_w");
	if ((ret = child(c, m, prefix, "power_w", json_type_object,
	                 "an object {\"idle\": W, \"busy1\": W, \"busy4\": W}", &o)) ||
	    (ret = known_keys(c, o, key, keys, "idle, busy1, busy4")) ||
	    (ret = number(c, o, key, "idle", 0, false, NAN, what, &p->idle_w)) ||
	    (ret = number(c, o, key, "busy1", 0, false, NAN, what, &p->busy1_w)) ||
	    (ret = number(c, o, key, "busy4", 0, false, NAN, what, &p->busy4_w)))
		return ret;
	return 0;
}

static int load_machine(const struct ctx *c, const char *name, json_object *m,
                        struct sim_machine_type *t)
{
	static const char *const keys[] = {"server", "cores", "mem_mb", "power_w", "note", NULL};
	char prefix[KEY_MAX];
	double mem_mb;
	int ret;

	join(prefix, "machines", name);
	if (!json_object_is_type(m, json_type_object))
		return bad(c, prefix, "an object describing a kind of machine", m);
	if (strlen(name) == 0 || strlen(name) >= SIM_NAME_MAX)
		return bad(c, prefix, "a name of 1 to 31 characters", NULL);
	snprintf(t->name, sizeof(t->name), "%s", name);
	if ((ret = known_keys(c, m, prefix, keys, "server, cores, mem_mb, power_w, note")) ||
	    (ret = boolean(c, m, prefix, "server", -1, &t->server)) ||
	    (ret = whole(c, m, prefix, "cores", 0, "a whole number of cores, 1 to 1024",
	                 &t->cores)) ||
	    (ret = size_mb(c, m, prefix, "mem_mb", true, NAN, "MB for jobs, a number > 0",
	                   &mem_mb)) ||
	    (ret = load_power(c, m, prefix, &t->power)))
		return ret;
	t->mem_bytes = (uint64_t)(mem_mb * MB);
	return 0;
}

static int load_machines(const struct ctx *c, json_object *root, struct sim_config *cfg)
{
	json_object *o;
	int ret;

	if ((ret = child(c, root, "", "machines", json_type_object,
	                 "an object: machine kind name -> {server, cores, mem_mb, power_w}", &o)))
		return ret;
	if (json_object_object_length(o) < 1 || json_object_object_length(o) > SIM_MAX_TYPES)
		return bad(c, "machines", "1 to 8 kinds of machine", o);
	json_object_object_foreach(o, name, m)
	{
		if ((ret = load_machine(c, name, m, &cfg->types[cfg->n_types])))
			return ret;
		cfg->n_types++;
	}
	return 0;
}

/* slowdown: {kind: s > 0}; 1.0 on servers unless given; required elsewhere. */
static int load_slowdown(const struct ctx *c, json_object *j, const char *prefix,
                         const struct sim_config *cfg, struct sim_job_type *t)
{
	const char *what = "a slowdown, a number > 0 (run time there / on a server)";
	json_object *o;
	char key[KEY_MAX];
	int ret;

	join(key, prefix, "slowdown");
	if ((ret = child(c, j, prefix, "slowdown", json_type_object,
	                 "an object: machine kind -> slowdown there", &o)))
		return ret;
	json_object_object_foreach(o, kind, v)
	{
		char k[KEY_MAX];

		(void)v;
		join(k, key, kind);
		if (type_index(cfg, kind) < 0)
			return hexo_fail(c->err, c->errlen, -EINVAL,
			                 "%s: %s: unknown machine kind (expected one named in "
			                 "\"machines\")",
			                 c->file, k);
	}
	for (size_t i = 0; i < cfg->n_types; i++) {
		double dflt = cfg->types[i].server ? 1.0 : NAN;

		if ((ret = number(c, o, key, cfg->types[i].name, 0, true, dflt, what,
		                  &t->slowdown[i])))
			return ret;
	}
	return 0;
}

static int load_job(const struct ctx *c, json_object *j, size_t i, struct sim_config *cfg)
{
	static const char *const keys[] = {"name",  "runtime_s",  "checkpoint_mb", "mem_mb",
	                                   "cores", "migratable", "slowdown",      "note",
	                                   NULL};
	struct sim_job_type *t = &cfg->jobs[i];
	char prefix[KEY_MAX];
	double ckpt_mb, mem_mb;
	int ret;

	index_key(prefix, "jobs", i);
	if (!json_object_is_type(j, json_type_object))
		return bad(c, prefix, "an object describing a job", j);
	if ((ret = known_keys(c, j, prefix, keys,
	                      "name, runtime_s, checkpoint_mb, mem_mb, cores, migratable, "
	                      "slowdown, note")) ||
	    (ret = text(c, j, prefix, "name", true, t->name, sizeof(t->name))) ||
	    (ret = number(c, j, prefix, "runtime_s", 0, true, NAN,
	                  "seconds alone on a server, a number > 0", &t->runtime_s)) ||
	    (ret = size_mb(c, j, prefix, "checkpoint_mb", false, NAN,
	                   "the checkpoint's size in MB, a number >= 0", &ckpt_mb)) ||
	    (ret = size_mb(c, j, prefix, "mem_mb", false, ckpt_mb,
	                   "the memory it needs in MB, a number >= 0", &mem_mb)) ||
	    (ret = whole(c, j, prefix, "cores", 1, "a whole number of cores, 1 to 1024",
	                 &t->cores)) ||
	    (ret = boolean(c, j, prefix, "migratable", 1, &t->migratable)) ||
	    (ret = load_slowdown(c, j, prefix, cfg, t)))
		return ret;
	t->checkpoint_bytes = (uint64_t)(ckpt_mb * MB);
	t->mem_bytes = (uint64_t)(mem_mb * MB);
	for (size_t k = 0; k < i; k++)
		if (!strcmp(cfg->jobs[k].name, t->name))
			return bad(c, prefix, "a name no other job has", member(j, "name"));
	return 0;
}

static int load_jobs(const struct ctx *c, json_object *root, struct sim_config *cfg)
{
	json_object *a;
	int ret;

	if ((ret = child(c, root, "", "jobs", json_type_array, "an array of jobs (the job set)",
	                 &a)))
		return ret;
	if (json_object_array_length(a) < 1 || json_object_array_length(a) > SIM_MAX_JOBS)
		return bad(c, "jobs", "1 to 16 jobs", a);
	for (size_t i = 0; i < json_object_array_length(a); i++, cfg->n_jobs++)
		if ((ret = load_job(c, json_object_array_get_idx(a, i), i, cfg)))
			return ret;
	return 0;
}

/* Every job must fit on every server of the setup, or the queue would stall. */
static int check_jobs_fit(const struct ctx *c, const struct sim_config *cfg,
                          const struct sim_setup *s, const char *prefix)
{
	for (size_t m = 0; m < s->n_machines; m++) {
		const struct sim_machine_type *t = &cfg->types[s->machine_type[m]];

		for (size_t j = 0; t->server && j < cfg->n_jobs; j++)
			if (cfg->jobs[j].cores > t->cores || cfg->jobs[j].mem_bytes > t->mem_bytes)
				return hexo_fail(c->err, c->errlen, -EINVAL,
				                 "%s: %s: job %s needs more cores or memory than "
				                 "server kind %s has",
				                 c->file, prefix, cfg->jobs[j].name, t->name);
	}
	return 0;
}

static int load_setup_machines(const struct ctx *c, json_object *s, const char *prefix,
                               const struct sim_config *cfg, struct sim_setup *st)
{
	const char *what = "an array of 1 to 16 machine kinds, at least one a server";
	json_object *a;
	char key[KEY_MAX];
	bool server = false;
	int ret, m;

	join(key, prefix, "machines");
	if ((ret = child(c, s, prefix, "machines", json_type_array, what, &a)))
		return ret;
	if (json_object_array_length(a) < 1 || json_object_array_length(a) > SIM_MAX_MACHINES)
		return bad(c, key, what, a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);
		char k[KEY_MAX];

		index_key(k, key, i);
		if (!json_object_is_type(v, json_type_string) ||
		    (m = type_index(cfg, json_object_get_string(v))) < 0)
			return bad(c, k, "a machine kind named in \"machines\"", v);
		st->machine_type[st->n_machines++] = (size_t)m;
		server |= cfg->types[m].server;
	}
	if (!server)
		return bad(c, key, what, a);
	return check_jobs_fit(c, cfg, st, prefix);
}

static int load_setups(const struct ctx *c, json_object *root, struct sim_config *cfg)
{
	static const char *const keys[] = {"name", "machines", "note", NULL};
	json_object *a;
	int ret;

	if ((ret = child(c, root, "", "setups", json_type_array,
	                 "an array of setups {name, machines}", &a)))
		return ret;
	if (json_object_array_length(a) < 1 || json_object_array_length(a) > SIM_MAX_SETUPS)
		return bad(c, "setups", "1 to 8 setups", a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		struct sim_setup *st = &cfg->setups[i];
		char prefix[KEY_MAX];

		index_key(prefix, "setups", i);
		st->expected = (struct sim_expected){NAN, NAN};
		if (!json_object_is_type(s, json_type_object))
			return bad(c, prefix, "an object {name, machines}", s);
		if ((ret = known_keys(c, s, prefix, keys, "name, machines, note")) ||
		    (ret = text(c, s, prefix, "name", true, st->name, sizeof(st->name))) ||
		    (ret = load_setup_machines(c, s, prefix, cfg, st)))
			return ret;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(cfg->setups[k].name, st->name))
				return bad(c, prefix, "a name no other setup has",
				           member(s, "name"));
		cfg->n_setups++;
	}
	return 0;
}

static int setup_index(const struct sim_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_setups; i++)
		if (!strcmp(cfg->setups[i].name, name))
			return (int)i;
	return -1;
}

static int load_baseline(const struct ctx *c, json_object *root, struct sim_config *cfg)
{
	json_object *v = member(root, "baseline");
	int i;

	cfg->baseline = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    (i = setup_index(cfg, json_object_get_string(v))) < 0)
		return bad(c, "baseline", "the name of a setup", v);
	cfg->baseline = (size_t)i;
	return 0;
}

/* expected: {"source": "...", SETUP: {"throughput_pct": N, "efficiency_pct": N}} */
static int load_expected(const struct ctx *c, json_object *root, struct sim_config *cfg)
{
	static const char *const keys[] = {"throughput_pct", "efficiency_pct", NULL};
	const char *what = "percent relative to the baseline, a number";
	json_object *o = member(root, "expected");
	int ret, i;

	if (!o)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return bad(c, "expected", "an object: setup name -> the paper's figures", o);
	if ((ret = text(c, o, "expected", "source", false, cfg->expected_source,
	                sizeof(cfg->expected_source))))
		return ret;
	json_object_object_foreach(o, name, v)
	{
		char key[KEY_MAX];
		struct sim_expected *e;

		if (!strcmp(name, "source"))
			continue;
		join(key, "expected", name);
		if ((i = setup_index(cfg, name)) < 0)
			return hexo_fail(c->err, c->errlen, -EINVAL,
			                 "%s: %s: unknown setup (expected the name of a setup, or "
			                 "\"source\")",
			                 c->file, key);
		if (!json_object_is_type(v, json_type_object))
			return bad(c, key, "an object {throughput_pct, efficiency_pct}", v);
		e = &cfg->setups[i].expected;
		/* Each figure is optional: the paper does not give every one. */
		if ((ret = known_keys(c, v, key, keys, "throughput_pct, efficiency_pct")) ||
		    (member(v, "throughput_pct") &&
		     (ret = number(c, v, key, "throughput_pct", -100, false, NAN, what,
		                   &e->throughput_pct))) ||
		    (member(v, "efficiency_pct") &&
		     (ret = number(c, v, key, "efficiency_pct", -100, false, NAN, what,
		                   &e->efficiency_pct))))
			return ret;
	}
	return 0;
}

static int load_root(const struct ctx *c, json_object *root, struct sim_config *cfg)
{
	static const char *const keys[] = {"name",     "description", "duration_s", "link_mbps",
	                                   "machines", "jobs",        "setups",     "baseline",
	                                   "expected", "note",        NULL};
	int ret;

	if (!json_object_is_type(root, json_type_object))
		return bad(c, "(top level)", "an object", root);
	if ((ret = known_keys(c, root, "", keys,
	                      "name, description, duration_s, link_mbps, machines, jobs, "
	                      "setups, baseline, expected, note")) ||
	    (ret = text(c, root, "", "name", true, cfg->name, sizeof(cfg->name))) ||
	    (ret = text(c, root, "", "description", false, cfg->description,
	                sizeof(cfg->description))) ||
	    (ret = number(c, root, "", "duration_s", 0, true, 3600,
	                  "the simulated seconds, a number > 0", &cfg->duration_s)) ||
	    (ret = number(c, root, "", "link_mbps", 0, true, NAN,
	                  "each node's link in Mb/s, a number > 0", &cfg->link_mbps)) ||
	    (ret = load_machines(c, root, cfg)) || (ret = load_jobs(c, root, cfg)) ||
	    (ret = load_setups(c, root, cfg)) || (ret = load_baseline(c, root, cfg)) ||
	    (ret = load_expected(c, root, cfg)))
		return ret;
	return 0;
}

/* The whole file, NUL-terminated, at most CONFIG_MAX bytes. */
static int read_text(const struct ctx *c, char **out, size_t *len)
{
	FILE *f = fopen(c->file, "r");
	char *buf;
	size_t n;

	if (!f)
		return hexo_fail(c->err, c->errlen, -errno, "%s: cannot read it: %s", c->file,
		                 strerror(errno));
	buf = malloc(CONFIG_MAX + 1);
	n = buf ? fread(buf, 1, CONFIG_MAX + 1, f) : 0;
	if (!buf || ferror(f) || n > CONFIG_MAX) {
		int e = !buf ? ENOMEM : ferror(f) ? EIO : EFBIG;

		fclose(f);
		free(buf);
		return hexo_fail(c->err, c->errlen, -e, "%s: cannot read it: %s", c->file,
		                 e == EFBIG ? "larger than 1 MiB" : strerror(e));
	}
	fclose(f);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

static int parse(const struct ctx *c, const char *text, size_t len, json_object **out)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error e;
	size_t end, line = 1;

	if (!tok)
		return hexo_fail(c->err, c->errlen, -ENOMEM, "%s: out of memory", c->file);
	*out = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (e == json_tokener_success)
		end += strspn(text + end, " \t\r\n");
	if (e == json_tokener_success && end == len)
		return 0;
	json_object_put(*out);
	for (size_t i = 0; i < end && i < len; i++)
		line += text[i] == '\n';
	return hexo_fail(c->err, c->errlen, -EINVAL, "%s: line %zu: not valid JSON (%s)", c->file,
	                 line,
	                 e == json_tokener_success  ? "text after the end"
	                 : e == json_tokener_continue ? "unexpected end of file"
	                                              : json_tokener_error_desc(e));
}

int sim_config_load(const char *path, struct sim_config *cfg, char *err, size_t errlen)
{
	struct ctx c = {path, err, errlen};
	json_object *root = NULL;
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if ((ret = read_text(&c, &text, &len)))
		return ret;
	ret = parse(&c, text, len, &root);
	free(text);
	if (ret)
		return ret;
	ret = load_root(&c, root, cfg);
	json_object_put(root);
	return ret;
}
