// SPDX-License-Identifier: MIT
/*
 * Unit tests for node calibrations (lib/calib.c) and the counters
 * (lib/counters.c): the least-squares fit recovers a plane exactly and
 * refuses degenerate points; the prediction and its clamping; the
 * geometric mean; the file round trip through the state folder; a missing
 * file (1) and damaged ones (-1, one line naming the file and the key);
 * hexo_counters_available() answers with a reason when it says no.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
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

#include "calib.h"
#include "counters.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/hexo-test-calib-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("HEXO_STATE", root, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	unsetenv("HEXO_STATE");
	return system(cmd);
}

static void close_to(double got, double want)
{
	if (fabs(got - want) > 1e-9 * (1 + fabs(want))) {
		print_error("got %.17g, want %.17g\n", got, want);
		fail();
	}
}

static void test_fit_exact(void **state)
{
	/* y = a + b x1 + c x2, exactly, at five points that span a plane */
	const double a = 1.75, b = 3.5, c = 0.0625;
	double x1[5] = {2.1, 0.4, 1.3, 3.9, 0.05}, x2[5] = {12, 310, 95, 2.5, 40}, y[5], coef[3];

	(void)state;
	for (int i = 0; i < 5; i++)
		y[i] = a + b * x1[i] + c * x2[i];
	assert_int_equal(hexo_calib_fit(x1, x2, y, 5, coef), 0);
	close_to(coef[0], a);
	close_to(coef[1], b);
	close_to(coef[2], c);
	/* three points are enough */
	assert_int_equal(hexo_calib_fit(x1, x2, y, 3, coef), 0);
	close_to(coef[0], a);
	close_to(coef[1], b);
	close_to(coef[2], c);
	/* negative coefficients too */
	for (int i = 0; i < 5; i++)
		y[i] = 40 - 2 * x1[i] - 0.5 * x2[i];
	assert_int_equal(hexo_calib_fit(x1, x2, y, 5, coef), 0);
	close_to(coef[0], 40);
	close_to(coef[1], -2);
	close_to(coef[2], -0.5);
}

static void test_fit_least_squares(void **state)
{
	/* noise of zero mean on a line in x1 (x2 kept orthogonal): the fit is the plane */
	double x1[4] = {1, 2, 1, 2}, x2[4] = {1, 1, 2, 2}, y[4], coef[3];
	const double e[4] = {0.1, -0.1, -0.1, 0.1}; /* orthogonal to 1, x1 and x2 */

	(void)state;
	for (int i = 0; i < 4; i++)
		y[i] = 5 + 2 * x1[i] + 3 * x2[i] + e[i];
	assert_int_equal(hexo_calib_fit(x1, x2, y, 4, coef), 0);
	close_to(coef[0], 5);
	close_to(coef[1], 2);
	close_to(coef[2], 3);
}

static void test_fit_degenerate(void **state)
{
	double x1[4] = {1, 2, 3, 4}, x2[4] = {2, 4, 6, 8}, y[4] = {1, 2, 3, 4}, coef[3];
	double same[4] = {7, 7, 7, 7};

	(void)state;
	assert_int_equal(hexo_calib_fit(x1, x2, y, 2, coef), -1);   /* too few */
	assert_int_equal(hexo_calib_fit(x1, x2, y, 4, coef), -1);   /* collinear */
	assert_int_equal(hexo_calib_fit(x1, same, y, 4, coef), -1); /* x2 constant */
	x2[0] = NAN;
	assert_int_equal(hexo_calib_fit(x1, x2, y, 4, coef), -1);
}

static void fill(struct hexo_calib *c, bool model)
{
	static const char *names[] = {"fp", "triad", "chase", "sort", "branch"};
	const double sd[] = {2, 8, 4, 1, 16};

	memset(c, 0, sizeof(*c));
	snprintf(c->node, sizeof(c->node), "b1");
	snprintf(c->reference, sizeof(c->reference), "local");
	snprintf(c->date, sizeof(c->date), "2026-12-08T01:02:03Z");
	c->time = 1796691723;
	c->quick = true;
	c->n_kernels = 5;
	for (int i = 0; i < 5; i++) {
		struct hexo_calib_kernel *k = &c->kernels[i];

		snprintf(k->name, sizeof(k->name), "%s", names[i]);
		k->size = 1000u + (unsigned)i;
		k->iters = 10u * (unsigned)(i + 1);
		snprintf(k->checksum, sizeof(k->checksum), "00112233aabbcc%02d", i);
		k->reps = 2;
		k->here_s[0] = 0.5;
		k->here_s[1] = 0.25 * (i + 1);
		k->node_s[0] = 0.5 * sd[i];
		k->node_s[1] = 0.125;
		k->here_iter_s = 0.25 / (double)k->iters;
		k->node_iter_s = k->here_iter_s * sd[i];
		k->slowdown = sd[i];
		if (model) {
			k->has_counters = true;
			k->ginstr_s = 1.5 + i;
			k->mllcref_s = 10.0 * i;
			k->mllcmiss_s = 2.5 * i * i;
		}
	}
	assert_int_equal(hexo_calib_summarize(c), 0);
	if (model) {
		c->has_model = true;
		c->model_a = 1.5;
		c->model_b = -0.25;
		c->model_c = 0.125;
	} else {
		snprintf(c->counters, sizeof(c->counters), "not available (test)");
	}
}

static void test_summarize(void **state)
{
	struct hexo_calib c;

	(void)state;
	fill(&c, false);
	close_to(c.geomean, 4); /* (2 * 8 * 4 * 1 * 16)^(1/5) = 1024^(1/5) */
	close_to(c.min, 1);
	close_to(c.max, 16);
	c.kernels[2].slowdown = 0;
	assert_int_equal(hexo_calib_summarize(&c), -1);
	c.kernels[2].slowdown = INFINITY;
	assert_int_equal(hexo_calib_summarize(&c), -1);
}

static void test_predict(void **state)
{
	struct hexo_calib c;
	double v = -1;

	(void)state;
	fill(&c, false);
	assert_int_equal(hexo_calib_predict(&c, 1, 1, &v), -1);
	assert_true(v == -1);
	fill(&c, true);
	assert_int_equal(hexo_calib_predict(&c, 2, 40, &v), 0);
	close_to(v, 1.5 - 0.5 + 5);
	/* beyond the kernels' range: clamped to [min, max] */
	assert_int_equal(hexo_calib_predict(&c, 100, 0, &v), 0);
	close_to(v, c.min);
	assert_int_equal(hexo_calib_predict(&c, 0, 1000, &v), 0);
	close_to(v, c.max);
	assert_int_equal(hexo_calib_predict(&c, NAN, 0, &v), -1);
}

static void same_calib(const struct hexo_calib *a, const struct hexo_calib *b)
{
	assert_string_equal(a->node, b->node);
	assert_string_equal(a->reference, b->reference);
	assert_string_equal(a->date, b->date);
	assert_true(a->time == b->time);
	assert_true(a->quick == b->quick);
	assert_int_equal(a->n_kernels, b->n_kernels);
	for (size_t i = 0; i < a->n_kernels; i++) {
		const struct hexo_calib_kernel *x = &a->kernels[i], *y = &b->kernels[i];

		assert_string_equal(x->name, y->name);
		assert_true(x->size == y->size && x->iters == y->iters);
		assert_string_equal(x->checksum, y->checksum);
		assert_int_equal(x->reps, y->reps);
		for (unsigned r = 0; r < x->reps; r++) {
			close_to(y->here_s[r], x->here_s[r]);
			close_to(y->node_s[r], x->node_s[r]);
		}
		close_to(y->here_iter_s, x->here_iter_s);
		close_to(y->node_iter_s, x->node_iter_s);
		close_to(y->slowdown, x->slowdown);
		assert_true(x->has_counters == y->has_counters);
		if (x->has_counters) {
			close_to(y->ginstr_s, x->ginstr_s);
			close_to(y->mllcref_s, x->mllcref_s);
			close_to(y->mllcmiss_s, x->mllcmiss_s);
		}
	}
	close_to(b->geomean, a->geomean);
	close_to(b->min, a->min);
	close_to(b->max, a->max);
	assert_true(a->has_model == b->has_model);
	if (a->has_model) {
		close_to(b->model_a, a->model_a);
		close_to(b->model_b, a->model_b);
		close_to(b->model_c, a->model_c);
	}
	assert_string_equal(a->counters, b->counters);
}

static void test_roundtrip(void **state)
{
	struct hexo_calib c, back;
	char err[512], path[PATH_MAX];
	struct stat st;

	(void)state;
	assert_int_equal(hexo_calib_load("b1", &back, err, sizeof(err)), 1); /* never calibrated */
	for (int model = 0; model < 2; model++) {
		fill(&c, model);
		assert_int_equal(hexo_calib_save(&c, err, sizeof(err)), 0);
		assert_int_equal(hexo_calib_load("b1", &back, err, sizeof(err)), 0);
		same_calib(&c, &back);
	}
	assert_int_equal(hexo_calib_path("b1", path, sizeof(path), err, sizeof(err)), 0);
	assert_true(strstr(path, "/calib/b1.json") != NULL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* a bad node name is an error, not "never calibrated" */
	assert_int_equal(hexo_calib_load("../x", &back, err, sizeof(err)), -1);
}

/* Writes text as b1's calibration file and expects -1 with `want` in err. */
static void damaged(const char *text, const char *want)
{
	struct hexo_calib back;
	char path[PATH_MAX], err[512] = "";
	FILE *f;

	assert_int_equal(hexo_calib_path("b1", path, sizeof(path), err, sizeof(err)), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(hexo_calib_load("b1", &back, err, sizeof(err)), -1);
	if (!strstr(err, want) || !strstr(err, path) || strchr(err, '\n')) {
		print_error("error '%s' should name the file and say '%s' on one line\n", err,
		            want);
		fail();
	}
}

/* c's JSON with the first `from` replaced by `to`. */
static char *edited(const struct hexo_calib *c, const char *from, const char *to)
{
	char *text = hexo_calib_to_json(c), *p, *out;

	assert_non_null(text);
	p = strstr(text, from);
	assert_non_null(p);
	out = malloc(strlen(text) + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	free(text);
	return out;
}

static void test_damaged(void **state)
{
	struct hexo_calib c;
	char err[64], *t;

	(void)state;
	fill(&c, true);
	assert_int_equal(hexo_calib_save(&c, err, sizeof(err)), 0);
	damaged("{\"version\": 1, \"node\": ", "is damaged");
	damaged("[]", "expected a JSON object");
	t = edited(&c, "\"version\": 1", "\"version\": 9");
	damaged(t, "version: unknown version");
	free(t);
	t = edited(&c, "\"slowdown\": 4", "\"slowdown\": -4");
	damaged(t, "kernels[2].slowdown: expected a number > 0");
	free(t);
	t = edited(&c, "\"iters\": 10,", "\"iters\": \"ten\",");
	damaged(t, "kernels[0].iters: expected an integer > 0");
	free(t);
	t = edited(&c, "\"node\": \"b1\"", "\"node\": \"b2\"");
	damaged(t, "node: names 'b2', not 'b1'");
	free(t);
	t = edited(&c, "\"geomean\"", "\"mean\"");
	damaged(t, "geomean: expected a number");
	free(t);
	t = edited(&c, "\"a\": 1.5", "\"a\": \"x\"");
	damaged(t, "model.a: expected a number");
	free(t);
}

static void test_counters_available(void **state)
{
	char why[256] = "unset";
	int ok = hexo_counters_available(why, sizeof(why));
	struct hexo_counters c;
	struct hexo_counter_values v;

	(void)state;
	if (!ok) {
		/* a reason naming the call and errno's text */
		assert_true(strstr(why, "perf_event_open(instructions): ") == why);
		assert_true(strlen(why) > strlen("perf_event_open(instructions): "));
		assert_true(hexo_counters_open(0, &c) < 0);
		return;
	}
	assert_string_equal(why, "");
	assert_int_equal(hexo_counters_open(0, &c), 0);
	for (volatile int i = 0; i < 1000000; i++)
		;
	assert_int_equal(hexo_counters_read(&c, &v), 0);
	assert_true(v.ok[HEXO_CTR_INSTR] && v.v[HEXO_CTR_INSTR] > 1000000);
	hexo_counters_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fit_exact),
	    cmocka_unit_test(test_fit_least_squares),
	    cmocka_unit_test(test_fit_degenerate),
	    cmocka_unit_test(test_summarize),
	    cmocka_unit_test(test_predict),
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
	    cmocka_unit_test(test_counters_available),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
