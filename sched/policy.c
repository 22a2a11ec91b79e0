// SPDX-License-Identifier: MIT
/*
 * The placement policy (sched/policy.h: the rules R1-R8 are there). Every
 * question ("what does machine m have in use?") is answered from the state
 * plus the decisions made so far in this call, by a plain walk over both:
 * no allocation, no copies, and nothing to keep in step. The states are
 * small (a server, a few boards, tens of jobs), so the walks cost nothing.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "policy.h"

/* One sched_decide() call: the state and the decisions made so far. */
struct pass {
	const struct sched_state *st;
	struct sched_decision *out;
	size_t n, max;
};

struct load {
	unsigned cores;
	uint64_t mem;
};

static void load_add(struct load *l, const struct sched_job *j)
{
	l->cores += j->cores;
	l->mem += j->mem_bytes;
}

static bool is_server(const struct sched_state *st, int m)
{
	return st->machines[m].is_server;
}

/* R1: does job j hold room on machine m in the state? */
static bool holds(const struct sched_job *j, int m)
{
	if (j->state == SCHED_RUNNING)
		return j->machine == m;
	if (j->state == SCHED_MIGRATING)
		return j->machine == m || j->dest == m;
	return false;
}

/* What machine m has in use, counting the decisions of this pass. */
static struct load used(const struct pass *p, int m)
{
	struct load l = {0, 0};

	for (size_t i = 0; i < p->st->n_jobs; i++)
		if (holds(&p->st->jobs[i], m))
			load_add(&l, &p->st->jobs[i]);
	for (size_t i = 0; i < p->n; i++)
		if (p->out[i].to == m)
			load_add(&l, &p->st->jobs[p->out[i].job]);
	return l;
}

/* What is on its way out of machine m: jobs migrating away, decided or not. */
static struct load leaving(const struct pass *p, int m)
{
	struct load l = {0, 0};

	for (size_t i = 0; i < p->st->n_jobs; i++) {
		const struct sched_job *j = &p->st->jobs[i];

		if (j->state == SCHED_MIGRATING && j->machine == m)
			load_add(&l, j);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->out[i].action == SCHED_MIGRATE && p->out[i].from == m)
			load_add(&l, &p->st->jobs[p->out[i].job]);
	return l;
}

/* Does j fit beside `in_use` on machine m (up or not)? Written to never overflow. */
static bool fits_beside(const struct sched_machine *mc, struct load in_use,
                        const struct sched_job *j)
{
	return in_use.cores <= mc->cores && j->cores <= mc->cores - in_use.cores &&
	       in_use.mem <= mc->mem_bytes && j->mem_bytes <= mc->mem_bytes - in_use.mem;
}

static bool fits_now(const struct pass *p, const struct sched_job *j, int m)
{
	return p->st->machines[m].up && fits_beside(&p->st->machines[m], used(p, m), j);
}

/* R3a: would j fit on m once the jobs leaving m have left? */
static bool fits_after_leaving(const struct pass *p, const struct sched_job *j, int m)
{
	struct load u = used(p, m), out = leaving(p, m);

	if (!p->st->machines[m].up)
		return false;
	u.cores -= out.cores; /* leaving jobs are counted in used(): no wrap */
	u.mem -= out.mem;
	return fits_beside(&p->st->machines[m], u, j);
}

/* R2: could j ever start, on some server that is up, were it empty? */
static bool could_ever_fit(const struct sched_state *st, const struct sched_job *j)
{
	static const struct load empty = {0, 0};

	for (size_t m = 0; m < st->n_machines; m++)
		if (st->machines[m].is_server && st->machines[m].up &&
		    fits_beside(&st->machines[m], empty, j))
			return true;
	return false;
}

/*
 * The up machine of the wanted kind where j fits now with the lowest
 * slowdown, ties to the lowest index; -1 when there is none.
 */
static int best_machine(const struct pass *p, const struct sched_job *j, bool server)
{
	int best = -1;

	for (size_t m = 0; m < p->st->n_machines; m++) {
		if (is_server(p->st, (int)m) != server || !fits_now(p, j, (int)m))
			continue;
		if (best < 0 || j->est_slowdown[m] < j->est_slowdown[best])
			best = (int)m;
	}
	return best;
}

static bool decided(const struct pass *p, size_t job)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->out[i].job == job)
			return true;
	return false;
}

static void emit(struct pass *p, enum sched_action a, size_t job, int from, int to)
{
	p->out[p->n++] = (struct sched_decision){a, job, from, to};
}

struct victim {
	size_t job;
	int node;
	double key;
};

/* R4: the first victim on server s in victim order; false if none. */
static bool first_victim(const struct pass *p, int s, struct victim *v)
{
	bool found = false;

	for (size_t i = 0; i < p->st->n_jobs; i++) {
		const struct sched_job *j = &p->st->jobs[i];
		int node;

		if (j->state != SCHED_RUNNING || j->machine != s || !j->migratable || decided(p, i))
			continue;
		node = best_machine(p, j, false);
		if (node < 0)
			continue;
		if (found && (j->est_slowdown[node] > v->key ||
		              (j->est_slowdown[node] == v->key && j->id < p->st->jobs[v->job].id)))
			continue; /* R8: on a tie, the newest job moves */
		*v = (struct victim){i, node, j->est_slowdown[node]};
		found = true;
	}
	return found;
}

/*
 * R3b: the plan for J on server s. Its victims are written after the
 * decisions made so far (so that each one counts the ones before it) but
 * not kept: returns how many there are (0: no plan, also when out is
 * full) and their total slowdown in *cost. Deterministic, so calling it
 * again for the winning server writes the same plan.
 */
static size_t plan(struct pass *p, const struct sched_job *J, int s, double *cost)
{
	size_t n0 = p->n, k;
	struct victim v = {0, -1, 0};

	*cost = 0;
	while (!fits_after_leaving(p, J, s)) {
		if (p->n == p->max || !first_victim(p, s, &v)) {
			p->n = n0;
			return 0;
		}
		emit(p, SCHED_MIGRATE, v.job, s, v.node);
		*cost += v.key;
	}
	k = p->n - n0;
	p->n = n0;
	return k;
}

/* R3 for J, the first queued job, which fits on no server now. */
static void make_room(struct pass *p, const struct sched_job *J)
{
	const struct sched_state *st = p->st;
	int best = -1;
	double cost, best_cost = 0;

	for (size_t s = 0; s < st->n_machines; s++)
		if (is_server(st, (int)s) && fits_after_leaving(p, J, (int)s))
			return; /* a.: wait for the room already being made */
	for (size_t s = 0; s < st->n_machines; s++) {
		if (!is_server(st, (int)s) || !st->machines[s].up)
			continue;
		if (plan(p, J, (int)s, &cost) && (best < 0 || cost < best_cost)) {
			best = (int)s;
			best_cost = cost;
		}
	}
	if (best >= 0)
		p->n += plan(p, J, best, &cost);
}

/* The queued job with the lowest id above `after`'s (any, when first). */
static bool next_queued(const struct sched_state *st, bool first, size_t *i)
{
	bool found = false;
	size_t best = 0;

	for (size_t k = 0; k < st->n_jobs; k++) {
		const struct sched_job *j = &st->jobs[k];

		if (j->state != SCHED_QUEUED || (!first && j->id <= st->jobs[*i].id))
			continue;
		if (!found || j->id < st->jobs[best].id) {
			best = k;
			found = true;
		}
	}
	if (found)
		*i = best;
	return found;
}

/* R2 and R3. */
static void serve_queue(struct pass *p)
{
	size_t i = 0;
	int s;

	for (bool first = true; next_queued(p->st, first, &i); first = false) {
		const struct sched_job *j = &p->st->jobs[i];

		if (!could_ever_fit(p->st, j))
			continue;
		if (p->n == p->max)
			return;
		s = best_machine(p, j, true);
		if (s < 0) {
			make_room(p, j);
			return; /* strict FIFO: j waits, and every job after it */
		}
		emit(p, SCHED_START, i, -1, s);
	}
}

/* R5's order: higher slowdown where it runs first, then higher id (R8). */
static bool comes_back_before(const struct sched_job *a, const struct sched_job *b)
{
	double sa = a->est_slowdown[a->machine], sb = b->est_slowdown[b->machine];

	return sa > sb || (sa == sb && a->id > b->id);
}

static bool may_come_back(const struct sched_state *st, const struct sched_job *j)
{
	return j->state == SCHED_RUNNING && !is_server(st, j->machine) &&
	       st->machines[j->machine].up && j->migratable;
}

/* The next job in R5's order after `after` (any, when first). */
static bool next_to_bring_back(const struct sched_state *st, bool first, size_t *i)
{
	bool found = false;
	size_t best = 0;

	for (size_t k = 0; k < st->n_jobs; k++) {
		const struct sched_job *j = &st->jobs[k];

		if (!may_come_back(st, j) || (!first && !comes_back_before(&st->jobs[*i], j)))
			continue;
		if (!found || comes_back_before(j, &st->jobs[best])) {
			best = k;
			found = true;
		}
	}
	if (found)
		*i = best;
	return found;
}

static bool queue_idle(const struct sched_state *st)
{
	for (size_t k = 0; k < st->n_jobs; k++)
		if (st->jobs[k].state == SCHED_QUEUED)
			return false;
	return st->idle_s >= 0 && st->now - st->queue_empty_since >= st->idle_s;
}

/* R5. */
static void bring_back(struct pass *p)
{
	size_t i = 0;
	int s;

	if (!queue_idle(p->st))
		return;
	for (bool first = true; next_to_bring_back(p->st, first, &i); first = false) {
		const struct sched_job *j = &p->st->jobs[i];

		if (p->n == p->max)
			return;
		s = best_machine(p, j, true);
		if (s >= 0 && j->est_slowdown[s] < j->est_slowdown[j->machine])
			emit(p, SCHED_MIGRATE, i, j->machine, s);
	}
}

size_t sched_decide(const struct sched_state *st, struct sched_decision *out, size_t max)
{
	struct pass p = {st, out, 0, max};

	serve_queue(&p);
	bring_back(&p);
	return p.n;
}

void sched_usage(const struct sched_state *st, size_t m, unsigned *cores, uint64_t *mem_bytes)
{
	struct pass p = {st, NULL, 0, 0};
	struct load l = used(&p, (int)m);

	*cores = l.cores;
	*mem_bytes = l.mem;
}

static bool machine_ok(const struct sched_state *st, int m)
{
	return m >= 0 && (size_t)m < st->n_machines;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_job(const struct sched_state *st, size_t i, char *err, size_t errlen)
{
	const struct sched_job *j = &st->jobs[i];
	unsigned long long id = (unsigned long long)j->id;

	if (j->state > SCHED_DONE)
		return fail(err, errlen, "job %llu: unknown state %d", id, (int)j->state);
	if (j->cores == 0)
		return fail(err, errlen, "job %llu: no cores", id);
	if (!j->est_slowdown)
		return fail(err, errlen, "job %llu: no slowdowns", id);
	for (size_t m = 0; m < st->n_machines; m++)
		if (!isfinite(j->est_slowdown[m]) || j->est_slowdown[m] <= 0)
			return fail(err, errlen, "job %llu: slowdown on machine %zu is not > 0", id, m);
	if ((j->state == SCHED_RUNNING || j->state == SCHED_MIGRATING) &&
	    !machine_ok(st, j->machine))
		return fail(err, errlen, "job %llu: machine %d out of range", id, j->machine);
	if (j->state == SCHED_MIGRATING && (!machine_ok(st, j->dest) || j->dest == j->machine))
		return fail(err, errlen, "job %llu: destination %d is not another machine", id,
		            j->dest);
	for (size_t k = 0; k < i; k++)
		if (st->jobs[k].id == j->id)
			return fail(err, errlen, "job %llu: id used twice", id);
	return 0;
}

int sched_check(const struct sched_state *st, char *err, size_t errlen)
{
	if ((st->n_machines && !st->machines) || (st->n_jobs && !st->jobs))
		return fail(err, errlen, "no machine or job array");
	for (size_t i = 0; i < st->n_jobs; i++)
		if (check_job(st, i, err, errlen))
			return -1;
	return 0;
}
