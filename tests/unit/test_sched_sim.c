// SPDX-License-Identifier: MIT
/*
 * Unit tests for the scheduler simulator (sched/sim.h): the power model,
 * cases whose results are known by hand (one server alone; a board as fast
 * as a server with free migrations is a second server; a migration's time
 * and kept progress; an idle machine's energy), the report, the command
 * line, and config files refused with the right one-line message.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "sim.h"

static const struct sim_power server_power = {60, 83, 124};
static const struct sim_power board_power = {1.8, 2.1, 2.9};

static char path[64];
static struct sim_config cfg;
static char err[512];

static void write_file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/hexo-test-sched-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int teardown(void **state)
{
	(void)state;
	if (path[0])
		unlink(path);
	path[0] = 0;
	return 0;
}

/*
 * A config: one server kind and one board kind (3 cores each unless
 * changed by the caller's text), the given jobs and setups.
 */
static int load_with(double duration, unsigned server_cores, unsigned board_cores,
                     const char *jobs, const char *setups)
{
	char text[4096];

	snprintf(text, sizeof(text),
	         "{\"name\": \"T\", \"duration_s\": %g, \"link_mbps\": 100,\n"
	         " \"machines\": {\n"
	         "  \"server\": {\"server\": true, \"cores\": %u, \"mem_mb\": 16000,\n"
	         "             \"power_w\": {\"idle\": 60, \"busy1\": 83, \"busy4\": 124}},\n"
	         "  \"board\": {\"server\": false, \"cores\": %u, \"mem_mb\": 1800,\n"
	         "            \"power_w\": {\"idle\": 1.8, \"busy1\": 2.1, \"busy4\": 2.9}}},\n"
	         " \"jobs\": [%s],\n"
	         " \"setups\": [%s]}\n",
	         duration, server_cores, board_cores, jobs, setups);
	write_file(text);
	return sim_config_load(path, &cfg, err, sizeof(err));
}

static struct sim_result run(size_t setup)
{
	struct sim_result r;

	assert_int_equal(sim_run(&cfg, setup, &r, err, sizeof(err)), 0);
	return r;
}

#define X   "{\"name\": \"X\", \"machines\": [\"server\"]}"
#define XP  "{\"name\": \"XP\", \"machines\": [\"server\", \"board\"]}"
#define X2  "{\"name\": \"2X\", \"machines\": [\"server\", \"server\"]}"
#define JOB(name, rt, ckpt, slow)                                                                  \
	"{\"name\": \"" name "\", \"runtime_s\": " #rt ", \"checkpoint_mb\": " #ckpt                \
	", \"slowdown\": {\"board\": " #slow "}}"

/* Piecewise linear in busy threads: idle, 1, 4, and beyond 4 the same slope. */
static void test_power_model(void **state)
{
	(void)state;
	assert_true(sim_power_w(&server_power, 0) == 60);
	assert_true(sim_power_w(&server_power, 1) == 83);
	assert_true(sim_power_w(&server_power, 4) == 124);
	assert_true(fabs(sim_power_w(&server_power, 2) - (83 + 41.0 / 3)) < 1e-9);
	assert_true(fabs(sim_power_w(&server_power, 7) - (124 + 41.0)) < 1e-9);
	assert_true(fabs(sim_power_w(&board_power, 3) - (2.1 + 2 * 0.8 / 3)) < 1e-9);
}

/*
 * X alone, one kind of job: each core runs job after job, so
 * cores * floor(duration / runtime) jobs end in time (the jobs of a core
 * end together with the others', so this is not floor(cores * D / R)).
 */
static void test_server_alone(void **state)
{
	static const double runtimes[] = {100, 7, 1000, 3600, 3601};
	char jobs[128];

	(void)state;
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		struct sim_result r;

		snprintf(jobs, sizeof(jobs),
		         "{\"name\": \"J\", \"runtime_s\": %g, \"checkpoint_mb\": 50, "
		         "\"slowdown\": {\"board\": 3}}",
		         runtimes[i]);
		assert_int_equal(load_with(3600, 3, 3, jobs, X), 0);
		r = run(0);
		assert_int_equal(r.completed, 3 * (unsigned long)floor(3600 / runtimes[i]));
		assert_int_equal(r.migrations, 0);
		assert_true(fabs(r.energy_j - sim_power_w(&server_power, 3) * 3600) < 1e-6);
		assert_true(fabs(r.work_s - 3 * 3600) < 1e-6);
		teardown(NULL);
	}
}

/* A board as fast as a server, with free migrations, is a second server. */
static void test_fast_board_is_second_server(void **state)
{
	struct sim_result xp, x2;

	(void)state;
	assert_int_equal(load_with(3600, 3, 3, JOB("A", 100, 0, 1) "," JOB("B", 70, 0, 1),
	                           XP "," X2),
	                 0);
	xp = run(0);
	x2 = run(1);
	assert_true(xp.migrations > 0);
	assert_int_equal(xp.completed, x2.completed);
	assert_true(fabs(xp.work_s - x2.work_s) < 1e-6);
	assert_true(fabs(xp.work_s - 6 * 3600) < 1e-6);
}

/*
 * One server core, one board core, slowdown 2, 125 MB over 100 Mb/s: 10 s.
 * t=0: J1 starts, J2 needs room: J1 moves (10 s, nothing runs). t=10: J1
 * resumes on the board (100 s of work: ends at 210), J2 starts (ends at
 * 110). t=110: J3 starts (ends at 210; the board is full, so no move).
 */
static void test_migration_time_and_progress(void **state)
{
	const char *one_core = "{\"name\": \"S\", \"machines\": [\"server\", \"board\"]}";
	struct sim_result r;

	(void)state;
	assert_int_equal(load_with(200, 1, 1, JOB("J", 100, 125, 2), one_core), 0);
	r = run(0);
	assert_int_equal(r.completed, 1); /* J2 */
	assert_int_equal(r.migrations, 1);
	assert_true(fabs(r.energy_j - (10 * 60 + 190 * 83 + 10 * 1.8 + 190 * 2.1)) < 1e-6);
	assert_true(fabs(r.work_s - (100 + 95 + 90)) < 1e-6);
	teardown(NULL);

	assert_int_equal(load_with(210, 1, 1, JOB("J", 100, 125, 2), one_core), 0);
	r = run(0);
	assert_int_equal(r.completed, 3); /* events at the very end count */
}

/* A job without migration points stays on the server: the board idles. */
static void test_idle_board_energy(void **state)
{
	const char *stuck = "{\"name\": \"J\", \"runtime_s\": 100, \"checkpoint_mb\": 10, "
	                    "\"migratable\": false, \"slowdown\": {\"board\": 3}}";
	struct sim_result r;

	(void)state;
	assert_int_equal(load_with(3600, 3, 3, stuck, XP), 0);
	r = run(0);
	assert_int_equal(r.completed, 108);
	assert_int_equal(r.migrations, 0);
	assert_true(fabs(r.energy_j - (sim_power_w(&server_power, 3) + 1.8) * 3600) < 1e-6);
}

/* The table and the JSON carry the numbers and the paper's. */
static void test_report(void **state)
{
	struct sim_result res[2];
	json_object *o, *s;
	char buf[4096];
	FILE *f;
	size_t n;

	(void)state;
	assert_int_equal(load_with(3600, 3, 3, JOB("J", 100, 10, 3), X "," XP), 0);
	res[0] = run(0);
	res[1] = run(1);
	cfg.setups[1].expected.throughput_pct = 25;

	f = tmpfile();
	sim_report(f, &cfg, res, false);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	assert_non_null(strstr(buf, "setup  machines         jobs  migrations"));
	assert_non_null(strstr(buf, "\nXP     server + board  "));
	assert_non_null(strstr(buf, "    +25%  "));

	f = tmpfile();
	sim_report(f, &cfg, res, true);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	o = json_tokener_parse(buf);
	assert_non_null(o);
	s = json_object_array_get_idx(json_object_object_get(o, "setups"), 1);
	assert_int_equal(json_object_get_int(json_object_object_get(s, "jobs_completed")),
	                 (int)res[1].completed);
	assert_true(json_object_get_double(json_object_object_get(
	                json_object_object_get(s, "expected"), "throughput_pct")) == 25);
	assert_true(json_object_is_type(
	    json_object_object_get(json_object_object_get(s, "expected"), "efficiency_pct"),
	    json_type_null));
	assert_true(json_object_get_double(json_object_object_get(s, "throughput_pct")) > 0);
	json_object_put(o);
}

/* sched_simulate_main(argc, argv) with its stdout thrown away. */
static int quiet_main(int argc, char **argv)
{
	int saved = dup(1), null = open("/dev/null", O_WRONLY), ret;

	assert_true(saved >= 0 && null >= 0);
	fflush(stdout);
	dup2(null, 1);
	ret = sched_simulate_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	return ret;
}

/* The command line: --help, errors (status 125), a run. */
static void test_main(void **state)
{
	char *help[] = {"sched", "--help", NULL};
	char *none[] = {"sched", NULL};
	char *unknown[] = {"sched", "--simulate", "x.json", "--fast", NULL};
	char *dangling[] = {"sched", "--simulate", NULL};
	char *missing[] = {"sched", "--simulate", "/nonexistent/x.json", NULL};
	char *good[] = {"sched", "--json", "--simulate", path, NULL};

	(void)state;
	assert_int_equal(quiet_main(2, help), 0);
	assert_int_equal(quiet_main(1, none), 125);
	assert_int_equal(quiet_main(4, unknown), 125);
	assert_int_equal(quiet_main(2, dangling), 125);
	assert_int_equal(quiet_main(3, missing), 125);
	assert_int_equal(load_with(600, 3, 3, JOB("J", 100, 10, 3), X "," XP), 0);
	assert_int_equal(quiet_main(4, good), 0);
}

/* The shipped configs load, and X runs as computed by hand. */
static void test_shipped_configs(void **state)
{
	static const char *const sets[] = {"A", "B", "C", "D"};
	char file[64];

	(void)state;
	if (access("sched/configs/A.json", R_OK))
		skip(); /* not run from the source tree */
	for (size_t i = 0; i < 4; i++) {
		snprintf(file, sizeof(file), "sched/configs/%s.json", sets[i]);
		assert_int_equal(sim_config_load(file, &cfg, err, sizeof(err)), 0);
		assert_int_equal(cfg.n_setups, 4);
		assert_string_equal(cfg.setups[cfg.baseline].name, "X");
		assert_false(isnan(cfg.setups[2].expected.throughput_pct)); /* X3P */
	}
	assert_int_equal(sim_config_load("sched/configs/A.json", &cfg, err, sizeof(err)), 0);
	assert_int_equal(run(0).completed, 3 * (unsigned long)floor(3600 / cfg.jobs[0].runtime_s));
}

/* Bad files: one line naming the file, the key and what is expected. */
static void refused(const char *jobs, const char *setups, const char *msg)
{
	char want[512];

	assert_int_not_equal(load_with(3600, 3, 3, jobs, setups), 0);
	snprintf(want, sizeof(want), "%s: %s", path, msg);
	assert_string_equal(err, want);
	assert_null(strchr(err, '\n'));
	teardown(NULL);
}

static void refused_text(const char *text, const char *msg)
{
	char want[512];

	write_file(text);
	assert_int_not_equal(sim_config_load(path, &cfg, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s: %s", path, msg);
	assert_string_equal(err, want);
	teardown(NULL);
}

static void test_bad_configs(void **state)
{
	const char *j = JOB("J", 100, 10, 3);

	(void)state;
	assert_int_not_equal(sim_config_load("/nonexistent/c.json", &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "/nonexistent/c.json: cannot read it: No such file or directory");

	refused_text("{\"name\": \"T\",\n \"jobs\": [1 2]}",
	             "line 2: not valid JSON (array value separator ',' expected)");
	refused_text("{\"name\": \"T\"", "line 1: not valid JSON (unexpected end of file)");
	refused_text("{} {}", "line 1: not valid JSON (text after the end)");
	refused_text("[]", "(top level): expected an object, got []");
	refused_text("{\"name\": \"T\", \"link_mbps\": 100, \"colour\": 1}",
	             "colour: unknown key (expected one of: name, description, duration_s, "
	             "link_mbps, machines, jobs, setups, baseline, expected, note)");
	refused_text("{\"name\": \"T\"}",
	             "link_mbps: expected each node's link in Mb/s, a number > 0, but it is "
	             "missing");
	refused_text("{\"name\": \"T\", \"link_mbps\": 100, \"duration_s\": -1}",
	             "duration_s: expected the simulated seconds, a number > 0, got -1");
	refused_text("{\"name\": \"T\", \"link_mbps\": 100, \"machines\": {\"s\": {\"server\": 1}}}",
	             "machines.s.server: expected true or false, got 1");
	refused_text("{\"name\": \"T\", \"link_mbps\": 100, \"machines\": {\"s\": {\"server\": true,"
	             " \"cores\": 2.5}}}",
	             "machines.s.cores: expected a whole number of cores, 1 to 1024, got 2.5");
	refused_text("{\"name\": \"T\", \"link_mbps\": 100, \"machines\": {\"s\": {\"server\": true,"
	             " \"cores\": 2, \"mem_mb\": 10, \"power_w\": {\"idle\": 1, \"busy1\": 2}}}}",
	             "machines.s.power_w.busy4: expected watts, a number >= 0, but it is missing");

	refused("{\"name\": \"J\", \"checkpoint_mb\": 10, \"slowdown\": {\"board\": 3}}", X,
	        "jobs[0].runtime_s: expected seconds alone on a server, a number > 0, but it is "
	        "missing");
	refused("{\"name\": \"J\", \"runtime_s\": \"long\", \"checkpoint_mb\": 10, \"slowdown\": "
	        "{\"board\": 3}}",
	        X,
	        "jobs[0].runtime_s: expected seconds alone on a server, a number > 0, got "
	        "\"long\"");
	refused("{\"name\": \"J\", \"runtime_s\": 10, \"checkpoint_mb\": 10, \"slowdown\": {}}", X,
	        "jobs[0].slowdown.board: expected a slowdown, a number > 0 (run time there / on a "
	        "server), but it is missing");
	refused("{\"name\": \"J\", \"runtime_s\": 10, \"checkpoint_mb\": 10, \"slowdown\": "
	        "{\"board\": 3, \"gpu\": 2}}",
	        X, "jobs[0].slowdown.gpu: unknown machine kind (expected one named in "
	           "\"machines\")");
	refused("{\"name\": \"J\", \"runtime_s\": 10, \"checkpoint_mb\": 10, \"cores\": 4, "
	        "\"slowdown\": {\"board\": 3}}",
	        X, "setups[0]: job J needs more cores or memory than server kind server has");
	refused("{\"name\": \"J\", \"runtime_s\": 10, \"checkpoint_mb\": 1e12, \"slowdown\": "
	        "{\"board\": 3}}",
	        X, "jobs[0].checkpoint_mb: expected at most 10^9 MB, got 1e12");
	refused("{\"name\": \"J\", \"runtime_s\": 10, \"checkpoint_mb\": 10, \"slowdown\": "
	        "{\"board\": 3}, \"nice\": 1}",
	        X,
	        "jobs[0].nice: unknown key (expected one of: name, runtime_s, checkpoint_mb, mem_mb, "
	        "cores, migratable, slowdown, note)");
	refused("", X, "jobs: expected 1 to 16 jobs, got []");
	refused(JOB("J", 10, 1, 3) "," JOB("J", 20, 1, 3), X,
	        "jobs[1]: expected a name no other job has, got \"J\"");
	refused(j, "{\"name\": \"P\", \"machines\": [\"board\"]}",
	        "setups[0].machines: expected an array of 1 to 16 machine kinds, at least one a "
	        "server, got [\"board\"]");
	refused(j, "{\"name\": \"P\", \"machines\": [\"server\", \"gpu\"]}",
	        "setups[0].machines[1]: expected a machine kind named in \"machines\", got \"gpu\"");
	refused(j, X "," X, "setups[1]: expected a name no other setup has, got \"X\"");
	refused(j, X "], \"baseline\": \"Y\", \"z\": [",
	        "z: unknown key (expected one of: name, description, duration_s, link_mbps, "
	        "machines, jobs, setups, baseline, expected, note)");
}

static void test_bad_expected_and_baseline(void **state)
{
	const char *j = JOB("J", 100, 10, 3);

	(void)state;
	refused(j, X "], \"baseline\": \"Y\", \"note\": [",
	        "baseline: expected the name of a setup, got \"Y\"");
	refused(j, X "], \"expected\": {\"XP\": {\"throughput_pct\": 25}}, \"note\": [",
	        "expected.XP: unknown setup (expected the name of a setup, or \"source\")");
	refused(j, X "], \"expected\": {\"X\": {\"throughput_pct\": \"+25%\"}}, \"note\": [",
	        "expected.X.throughput_pct: expected percent relative to the baseline, a number, "
	        "got \"+25%\"");
	assert_int_equal(load_with(3600, 3, 3, j,
	                           X "], \"expected\": {\"source\": \"paper\", \"X\": "
	                             "{\"efficiency_pct\": 8.5}}, \"note\": ["),
	                 0);
	assert_true(isnan(cfg.setups[0].expected.throughput_pct));
	assert_true(cfg.setups[0].expected.efficiency_pct == 8.5);
	assert_string_equal(cfg.expected_source, "paper");
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_power_model),
	    T(test_server_alone),
	    T(test_fast_board_is_second_server),
	    T(test_migration_time_and_progress),
	    T(test_idle_board_energy),
	    T(test_report),
	    T(test_main),
	    T(test_shipped_configs),
	    T(test_bad_configs),
	    T(test_bad_expected_and_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
