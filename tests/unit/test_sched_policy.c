// SPDX-License-Identifier: MIT
/*
 * Unit tests for the placement policy (sched/policy.h): each rule R1-R8 on
 * small hand-built states, with the decisions asserted one by one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define GB (1024ull * 1024 * 1024)
#define MAX_M 6
#define MAX_J 16

/* A state under construction: machines, jobs and their slowdowns. */
struct world {
	struct sched_machine m[MAX_M];
	size_t nm;
	struct sched_job j[MAX_J];
	double slow[MAX_J][MAX_M];
	size_t nj;
	struct sched_state st;
	struct sched_decision d[32];
	size_t nd;
};

static struct world w;

static int reset(void **state)
{
	(void)state;
	memset(&w, 0, sizeof(w));
	w.st.idle_s = -1; /* no bring-back unless a test asks */
	return 0;
}

static int machine(bool server, unsigned cores, uint64_t mem)
{
	w.m[w.nm] = (struct sched_machine){server ? "server" : "node", server, true, cores, mem};
	return (int)w.nm++;
}

static int server(unsigned cores) { return machine(true, cores, 64 * GB); }
static int node(unsigned cores) { return machine(false, cores, 2 * GB); }

/*
 * A one-core, 100 MB, migratable job; its slowdown is 1 on servers and
 * `slow` on every node (change w.slow[i][m] for more).
 */
static size_t job(uint64_t id, enum sched_job_state s, int at, double slow)
{
	size_t i = w.nj++;

	for (size_t m = 0; m < MAX_M; m++)
		w.slow[i][m] = (m < w.nm && w.m[m].is_server) ? 1.0 : slow;
	w.j[i] = (struct sched_job){id, s, at, -1, 1, 100u << 20, true, w.slow[i]};
	return i;
}

static size_t queued(uint64_t id) { return job(id, SCHED_QUEUED, -1, 5); }
static size_t running(uint64_t id, int at, double slow) { return job(id, SCHED_RUNNING, at, slow); }

static size_t migrating(uint64_t id, int from, int to, double slow)
{
	size_t i = job(id, SCHED_MIGRATING, from, slow);

	w.j[i].dest = to;
	return i;
}

static size_t decide_max(size_t max)
{
	char err[128];

	w.st.machines = w.m;
	w.st.n_machines = w.nm;
	w.st.jobs = w.j;
	w.st.n_jobs = w.nj;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), 0);
	memset(w.d, 0xa5, sizeof(w.d));
	w.nd = sched_decide(&w.st, w.d, max);
	return w.nd;
}

static size_t decide(void) { return decide_max(32); }

static void expect(size_t k, enum sched_action a, size_t job, int from, int to)
{
	assert_true(k < w.nd);
	assert_int_equal(w.d[k].action, a);
	assert_int_equal(w.d[k].job, job);
	assert_int_equal(w.d[k].from, from);
	assert_int_equal(w.d[k].to, to);
}

static void expect_start(size_t k, size_t job, int to) { expect(k, SCHED_START, job, -1, to); }

/* R2: queued jobs start in id order, not array order, one per free core. */
static void test_start_fifo_one_per_core(void **state)
{
	int s = server(3);
	size_t a = queued(5), b = queued(2), c = queued(9), d = queued(7);

	(void)state;
	(void)c;
	assert_int_equal(decide(), 3);
	expect_start(0, b, s);
	expect_start(1, a, s);
	expect_start(2, d, s);
}

/* R1: room already in use counts; a running job's core is not free. */
static void test_start_counts_running_jobs(void **state)
{
	int s = server(2);
	size_t q;

	(void)state;
	running(1, s, 3);
	q = queued(2);
	queued(3);
	assert_int_equal(decide(), 1);
	expect_start(0, q, s);
}

/* R1: memory must fit too. */
static void test_start_memory_must_fit(void **state)
{
	int s = server(4);
	size_t a, b;

	(void)state;
	w.m[s].mem_bytes = 1 * GB;
	a = queued(1);
	b = queued(2);
	w.j[a].mem_bytes = w.j[b].mem_bytes = 600u << 20;
	assert_int_equal(decide(), 1);
	expect_start(0, a, s);
}

/* R2: strict FIFO: a small job does not overtake a big one that waits. */
static void test_strict_fifo_no_overtaking(void **state)
{
	int s = server(3);
	size_t big;

	(void)state;
	running(1, s, 3);
	big = queued(2);
	w.j[big].cores = 3;
	queued(3);
	assert_int_equal(decide(), 0);
}

/* R2: a job no server could ever hold does not block the queue. */
static void test_too_big_job_passed_over(void **state)
{
	int s = server(4);
	size_t huge, small;

	(void)state;
	huge = queued(1);
	w.j[huge].cores = 8;
	small = queued(2);
	assert_int_equal(decide(), 1);
	expect_start(0, small, s);
}

/* R2: with several servers, the lowest slowdown, then the lowest index. */
static void test_start_server_choice(void **state)
{
	int s0 = server(1), s1 = server(1), s2 = server(1);
	size_t a = queued(1), b = queued(2), c = queued(3);

	(void)state;
	w.slow[a][s0] = 2.0; /* a prefers s1 or s2: s1 (lower index) */
	assert_int_equal(decide(), 3);
	expect_start(0, a, s1);
	expect_start(1, b, s0);
	expect_start(2, c, s2);
}

/* R3b/R4: the victim is the server job with the lowest slowdown; J waits. */
static void test_victim_lowest_slowdown(void **state)
{
	int s = server(3), n = node(3);
	size_t v;

	(void)state;
	running(1, s, 10);
	v = running(2, s, 3);
	running(3, s, 30);
	queued(4);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, v, s, n);
}

/* R4, R8: ties go to the newest job (highest id), whatever the array order. */
static void test_victim_tie_newest(void **state)
{
	int s = server(3), n = node(3);
	size_t v;

	(void)state;
	running(4, s, 3);
	v = running(8, s, 3);
	running(6, s, 3);
	queued(9);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, v, s, n);
}

/* R4: the victim goes to the fitting node where its slowdown is lowest. */
static void test_victim_best_node(void **state)
{
	int s = server(1), n1 = node(1), n2 = node(1), n3 = node(1);
	size_t v;

	(void)state;
	v = running(1, s, 5);
	w.slow[v][n1] = 5;
	w.slow[v][n2] = 2;
	w.slow[v][n3] = 2; /* tie with n2: lower index wins */
	queued(2);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, v, s, n2);
}

/* R4: the key is the slowdown on a node the victim fits on. */
static void test_victim_key_on_fitting_node(void **state)
{
	int s = server(2), full = node(1), n = node(1);
	size_t a, b;

	(void)state;
	running(1, full, 3);
	a = running(2, s, 5);
	w.slow[a][full] = 1.5; /* best, but full: a's key is 5 on n */
	w.slow[a][n] = 5;
	b = running(3, s, 4);
	queued(4);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, b, s, n);
}

/* R4: a victim must fit on a node: memory too. */
static void test_victim_must_fit_node(void **state)
{
	int s = server(2), n = node(2);
	size_t fat, v;

	(void)state;
	fat = running(1, s, 2);
	w.j[fat].mem_bytes = 3 * GB; /* the node has 2 GB */
	v = running(2, s, 9);
	queued(3);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, v, s, n);
}

/* R3c: no node room: J waits, nothing moves. */
static void test_no_victim_when_nodes_full(void **state)
{
	int s = server(1), n = node(1);

	(void)state;
	running(1, n, 3);
	running(2, s, 3);
	queued(3);
	assert_int_equal(decide(), 0);
}

/* R4: a job without migration points is never offloaded. */
static void test_not_migratable_never_offloaded(void **state)
{
	int s = server(2), n = node(2);
	size_t a, b;

	(void)state;
	a = running(1, s, 2);
	w.j[a].migratable = false;
	b = running(2, s, 9);
	queued(3);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, b, s, n);

	reset(NULL);
	s = server(1);
	node(2);
	a = running(1, s, 2);
	w.j[a].migratable = false;
	queued(2);
	assert_int_equal(decide(), 0);
}

/* R3a: J waits for the cores of a job already leaving: no second victim. */
static void test_wait_for_leaving_cores(void **state)
{
	int s = server(2), n = node(3);

	(void)state;
	migrating(1, s, n, 3);
	running(2, s, 3); /* a possible victim, but not needed */
	queued(3);
	queued(4); /* and the next job does not start or move anyone either */
	assert_int_equal(decide(), 0);
}

/* R3a: also when another server could make room: no second victim there. */
static void test_wait_for_leaving_cores_any_server(void **state)
{
	int s0 = server(1), s1 = server(1), n = node(3);

	(void)state;
	running(1, s0, 3);
	migrating(2, s1, n, 3);
	queued(3);
	assert_int_equal(decide(), 0);
}

/* R4: a MIGRATING job is never chosen again, even as the best victim. */
static void test_migrating_job_not_victim_again(void **state)
{
	int s = server(2), n = node(3);
	size_t v;

	(void)state;
	migrating(1, s, n, 1.5);
	v = running(2, s, 3);
	queued(3);
	w.j[2].cores = 2; /* needs both cores: the leaving one and one more */
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, v, s, n);
}

/* R1: the destination's room is reserved during a migration. */
static void test_destination_reserved(void **state)
{
	int s = server(2), n = node(1);

	(void)state;
	migrating(1, s, n, 3);
	running(2, s, 3);
	queued(3);
	w.j[2].cores = 2;
	assert_int_equal(decide(), 0); /* the node's only core is taken */
}

/* R1: the source keeps the room until the job has left. */
static void test_source_held_during_migration(void **state)
{
	int s = server(1), n = node(1);

	(void)state;
	migrating(1, n, s, 3); /* coming back */
	queued(2);
	assert_int_equal(decide(), 0); /* the server's core is reserved */
}

/* R3b: a two-core job gets two victims at once, lowest slowdowns. */
static void test_two_victims_for_two_cores(void **state)
{
	int s = server(4), n = node(4);
	size_t a, b, big;

	(void)state;
	running(1, s, 9);
	a = running(2, s, 3);
	running(3, s, 8);
	b = running(4, s, 4);
	big = queued(5);
	w.j[big].cores = 2;
	assert_int_equal(decide(), 2);
	expect(0, SCHED_MIGRATE, a, s, n);
	expect(1, SCHED_MIGRATE, b, s, n);
}

/* R3b: a plan that cannot make enough room moves nobody. */
static void test_no_useless_victims(void **state)
{
	int s = server(2), n = node(1);
	size_t big;

	(void)state;
	running(1, s, 3);
	running(2, s, 3);
	big = queued(3);
	w.j[big].cores = 2;
	assert_int_equal(decide(), 0); /* the node holds one victim, J needs two */
	(void)n;
}

/* R3b: with several servers, the plan with the least total slowdown. */
static void test_victim_plan_across_servers(void **state)
{
	int s0 = server(1), s1 = server(1), n = node(2);
	size_t v;

	(void)state;
	running(1, s0, 6);
	v = running(2, s1, 4);
	queued(3);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, v, s1, n);
}

/* R7: a START uses free room first, then the next job gets a victim. */
static void test_start_then_victim_same_pass(void **state)
{
	int s = server(3), n = node(3);
	size_t q1, v;

	(void)state;
	running(1, s, 7);
	v = running(2, s, 3);
	q1 = queued(3);
	queued(4);
	assert_int_equal(decide(), 2);
	expect_start(0, q1, s);
	expect(1, SCHED_MIGRATE, v, s, n); /* q1 was just started: not a victim */
}

/* R7: each victim counts the node room the ones before it reserved. */
static void test_victims_fill_nodes_in_turn(void **state)
{
	int s = server(2), n1 = node(1), n2 = node(1);
	size_t a, b, big;

	(void)state;
	a = running(1, s, 3);
	b = running(2, s, 3);
	w.slow[a][n2] = 4;
	big = queued(3);
	w.j[big].cores = 2;
	assert_int_equal(decide(), 2);
	expect(0, SCHED_MIGRATE, b, s, n1); /* key 3 for both: the newest first */
	expect(1, SCHED_MIGRATE, a, s, n2); /* n1 is now reserved: a's key is 4 */
}

/* R7: max truncates; the next call gives the rest. */
static void test_max_truncates(void **state)
{
	int s = server(3);
	size_t a = queued(1), b = queued(2);

	(void)state;
	assert_int_equal(decide_max(0), 0);
	assert_int_equal(decide_max(1), 1);
	expect_start(0, a, s);
	w.j[a].state = SCHED_RUNNING;
	w.j[a].machine = s;
	assert_int_equal(decide_max(1), 1);
	expect_start(0, b, s);
}

/* R6: nothing starts on, or moves to or from, a machine that is down. */
static void test_down_machines(void **state)
{
	int s0 = server(1), s1 = server(1), n1, n2;
	size_t q;

	(void)state;
	w.m[s0].up = false;
	q = queued(1);
	queued(2);
	assert_int_equal(decide(), 1);
	expect_start(0, q, s1);

	reset(NULL);
	s0 = server(1);
	n1 = node(1);
	n2 = node(1);
	w.m[n1].up = false;
	q = running(1, s0, 3);
	w.slow[q][n2] = 9; /* n1 would be better, but it is down */
	queued(2);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, q, s0, n2);

	w.m[s0].up = false; /* its jobs cannot be victims, and J cannot start */
	assert_int_equal(decide(), 0);
}

static void idle_queue(double idle_s, double empty_since, double now)
{
	w.st.idle_s = idle_s;
	w.st.queue_empty_since = empty_since;
	w.st.now = now;
}

/* R5: highest slowdown first, only into free server room. */
static void test_bring_back_order(void **state)
{
	int s = server(3), n = node(4);
	size_t a, b;

	(void)state;
	running(1, s, 3);
	running(2, n, 3);
	a = running(3, n, 30);
	b = running(4, n, 10);
	idle_queue(60, 100, 160);
	assert_int_equal(decide(), 2);
	expect(0, SCHED_MIGRATE, a, n, s);
	expect(1, SCHED_MIGRATE, b, n, s);
}

/* R5: not before the queue has been empty for idle_s; never when < 0. */
static void test_bring_back_waits_for_idle(void **state)
{
	int s = server(3), n = node(3);

	(void)state;
	running(1, n, 3);
	idle_queue(60, 100, 159.5);
	assert_int_equal(decide(), 0);
	idle_queue(-1, 0, 1e9);
	assert_int_equal(decide(), 0);
	idle_queue(0, 100, 100);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, 0, n, s);
}

/* R5: a queued job (even one that cannot start) means no bring-back. */
static void test_no_bring_back_with_queue(void **state)
{
	int s = server(2), n = node(3);
	size_t q;

	(void)state;
	running(1, n, 3);
	running(2, s, 3);
	q = queued(3);
	w.j[q].cores = 2;
	w.m[n].cores = 1; /* no room for a victim either */
	idle_queue(0, 0, 1000);
	assert_int_equal(decide(), 0);
}

/* R5, R8: ties to the newest; one that does not fit is skipped, not a stop. */
static void test_bring_back_ties_and_skips(void **state)
{
	int s = server(2), n = node(4);
	size_t big, a;

	(void)state;
	running(9, s, 3);
	big = running(1, n, 20);
	w.j[big].cores = 2;
	a = running(7, n, 5);
	running(3, n, 5);
	idle_queue(10, 0, 10);
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, a, n, s);
}

/* R5: only jobs that are faster on a server, and migratable, come back. */
static void test_bring_back_only_when_faster(void **state)
{
	int s = server(3), n = node(3);
	size_t fast, stuck;

	(void)state;
	running(1, n, 1.0);       /* as fast on the node */
	fast = running(2, n, 0.8); /* faster on the node */
	stuck = running(3, n, 4);
	w.j[stuck].migratable = false;
	idle_queue(0, 0, 0);
	assert_int_equal(decide(), 0);
	w.slow[fast][s] = 0.5; /* now faster on the server */
	assert_int_equal(decide(), 1);
	expect(0, SCHED_MIGRATE, fast, n, s);
}

/* R5, R6: jobs on a node that is down do not come back. */
static void test_bring_back_not_from_down_node(void **state)
{
	int s = server(2), n = node(3);

	(void)state;
	(void)s;
	running(1, n, 3);
	w.m[n].up = false;
	idle_queue(0, 0, 0);
	assert_int_equal(decide(), 0);
}

/* R1: DONE jobs hold nothing. */
static void test_done_jobs_hold_nothing(void **state)
{
	int s = server(1);
	size_t d, q;

	(void)state;
	d = running(1, s, 3);
	w.j[d].state = SCHED_DONE;
	q = queued(2);
	assert_int_equal(decide(), 1);
	expect_start(0, q, s);
}

/* R1: sched_usage counts a migrating job on both machines. */
static void test_usage(void **state)
{
	int s = server(4), n = node(4);
	unsigned cores;
	uint64_t mem;

	(void)state;
	migrating(1, s, n, 3);
	running(2, s, 3);
	w.j[1].cores = 2;
	queued(3);
	decide();
	sched_usage(&w.st, (size_t)s, &cores, &mem);
	assert_int_equal(cores, 3);
	assert_int_equal(mem, 200u << 20);
	sched_usage(&w.st, (size_t)n, &cores, &mem);
	assert_int_equal(cores, 1);
	assert_int_equal(mem, 100u << 20);
}

/* The array order does not matter: the same jobs give the same decisions. */
static void test_array_order_irrelevant(void **state)
{
	int s = server(2);

	(void)state;
	node(3);
	running(1, s, 4);
	running(2, s, 3);
	queued(3);
	queued(4);
	assert_int_equal(decide(), 1);
	assert_int_equal(w.j[w.d[0].job].id, 2);
	for (size_t i = 0; i < w.nj / 2; i++) { /* reverse the array */
		struct sched_job t = w.j[i];

		w.j[i] = w.j[w.nj - 1 - i];
		w.j[w.nj - 1 - i] = t;
	}
	assert_int_equal(decide(), 1);
	assert_int_equal(w.j[w.d[0].job].id, 2);
}

/* sched_check refuses malformed states with one line. */
static void test_check(void **state)
{
	int s = server(2), n = node(2);
	char err[128];
	size_t a, b;

	(void)state;
	a = running(1, s, 3);
	b = migrating(2, s, n, 3);
	w.st.machines = w.m;
	w.st.n_machines = w.nm;
	w.st.jobs = w.j;
	w.st.n_jobs = w.nj;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), 0);

	w.j[b].dest = s;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), -1);
	assert_string_equal(err, "job 2: destination 0 is not another machine");
	w.j[b].dest = n;

	w.j[a].machine = 7;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), -1);
	assert_string_equal(err, "job 1: machine 7 out of range");
	w.j[a].machine = s;

	w.slow[a][n] = 0;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), -1);
	assert_string_equal(err, "job 1: slowdown on machine 1 is not > 0");
	w.slow[a][n] = 3;

	w.j[b].id = 1;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), -1);
	assert_string_equal(err, "job 1: id used twice");
	w.j[b].id = 2;

	w.j[a].cores = 0;
	assert_int_equal(sched_check(&w.st, err, sizeof(err)), -1);
	assert_string_equal(err, "job 1: no cores");
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_start_fifo_one_per_core),
	    T(test_start_counts_running_jobs),
	    T(test_start_memory_must_fit),
	    T(test_strict_fifo_no_overtaking),
	    T(test_too_big_job_passed_over),
	    T(test_start_server_choice),
	    T(test_victim_lowest_slowdown),
	    T(test_victim_tie_newest),
	    T(test_victim_best_node),
	    T(test_victim_key_on_fitting_node),
	    T(test_victim_must_fit_node),
	    T(test_no_victim_when_nodes_full),
	    T(test_not_migratable_never_offloaded),
	    T(test_wait_for_leaving_cores),
	    T(test_wait_for_leaving_cores_any_server),
	    T(test_migrating_job_not_victim_again),
	    T(test_destination_reserved),
	    T(test_source_held_during_migration),
	    T(test_two_victims_for_two_cores),
	    T(test_no_useless_victims),
	    T(test_victim_plan_across_servers),
	    T(test_start_then_victim_same_pass),
	    T(test_victims_fill_nodes_in_turn),
	    T(test_max_truncates),
	    T(test_down_machines),
	    T(test_bring_back_order),
	    T(test_bring_back_waits_for_idle),
	    T(test_no_bring_back_with_queue),
	    T(test_bring_back_ties_and_skips),
	    T(test_bring_back_only_when_faster),
	    T(test_bring_back_not_from_down_node),
	    T(test_done_jobs_hold_nothing),
	    T(test_usage),
	    T(test_array_order_irrelevant),
	    T(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
