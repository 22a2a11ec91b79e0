// SPDX-License-Identifier: MIT
/*
 * Migration requests (docs/migration.md). The monitor asks for one by
 * storing HEXO_MIGRATE_STOP or HEXO_MIGRATE_CHECKPOINT into
 * boot_info.migrate_request in guest memory; the guest's next migration
 * point sees it. Requests come from signal handlers, so the store is one
 * atomic operation and nothing else happens there:
 *  - SIGUSR1 (`kill -USR1`, hexod): STOP, now;
 *  - --migrate-after S: a one-shot POSIX timer (SIGALRM) with STOP, or the
 *    flag set before the first instruction for S = 0;
 *  - --checkpoint-every S: a periodic timer (SIGALRM) with CHECKPOINT.
 * A STOP replaces a pending CHECKPOINT; a CHECKPOINT never replaces a STOP
 * (compare-and-swap from NONE). The handler also notes when the oldest
 * request not yet served was made (--stats: request to checkpoint on
 * disk). A signal that interrupts KVM_RUN makes it return EINTR; the run
 * loop (kvm.c) just enters the guest again, which finds the flag at its
 * next point.
 * --status FILE adds a periodic timer whose SIGALRM (value STATUS_TICK) only
 * sets status_due: the run loop writes the file (status.c).
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hexo/migrate.h>

#include "monitor.h"
#include "options.h"

static uint32_t *volatile request;         /* boot_info.migrate_request, once booted */
static volatile sig_atomic_t pending_stop; /* SIGUSR1 before that */
/* timers[0]: --migrate-after, [1]: --checkpoint-every, [2]: --status */
static timer_t timers[3];
static bool armed[3];
#define STATUS_TICK 0x100u /* the --status timer's value: not a request */
static volatile sig_atomic_t status_due;
/*
 * CLOCK_MONOTONIC ns of the oldest request no checkpoint has served yet
 * (0: none), for --stats' "request to checkpoint on disk": set when a
 * request is stored while none is pending, taken by migrate__request_ns().
 */
static uint64_t request_ns;
/* Set once the user asked for a checkpoint (see migrate__user_asked). */
static volatile sig_atomic_t user_asked;

static void note_request(void)
{
	struct timespec ts;
	uint64_t none = 0, t;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
	t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	__atomic_compare_exchange_n(&request_ns, &none, t, false, __ATOMIC_SEQ_CST,
	                            __ATOMIC_SEQ_CST);
}

static void store_request(uint32_t *flag, uint32_t want)
{
	uint32_t none = HEXO_MIGRATE_NONE;

	if (want == HEXO_MIGRATE_STOP) {
		if (__atomic_exchange_n(flag, HEXO_MIGRATE_STOP, __ATOMIC_SEQ_CST) !=
		    HEXO_MIGRATE_STOP)
			note_request();
	} else if (__atomic_compare_exchange_n(flag, &none, want, false, __ATOMIC_SEQ_CST,
	                                       __ATOMIC_SEQ_CST)) {
		note_request();
	}
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	uint32_t *flag = request, want;

	(void)uc;
	if (sig == SIGUSR1)
		want = HEXO_MIGRATE_STOP;
	else if (si && si->si_code == SI_TIMER)
		want = (uint32_t)si->si_value.sival_int;
	else
		return;
	if (want == STATUS_TICK) {
		status_due = 1;
		return;
	}
	user_asked = 1;
	if (flag) {
		store_request(flag, want);
	} else if (want == HEXO_MIGRATE_STOP) {
		pending_stop = 1;
		note_request();
	}
}

void migrate__early(void)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	/* A parent (a shell's job control, a daemon) may have left them blocked. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void arm(int i, double seconds, bool periodic, uint32_t mode)
{
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	struct itimerspec its = {0};

	ev.sigev_value.sival_int = (int)mode;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (periodic)
		its.it_interval = its.it_value;
	if (timer_create(CLOCK_MONOTONIC, &ev, &timers[i]) < 0)
		hexo_die("timer_create: %s", strerror(errno));
	if (timer_settime(timers[i], 0, &its, NULL) < 0)
		hexo_die("timer_settime: %s", strerror(errno));
	armed[i] = true;
}

void migrate__start(struct hexo_vm *vm, const struct run_opts *opts)
{
	uint32_t *flag = &vm->boot->migrate_request;

	if (vm->mig.no_points)
		fprintf(stderr,
		        "hexo: warning: %s has no migration points (built with hexocc "
		        "--no-migration?): %s has no effect\n",
		        vm->image_path,
		        opts->migrate_after >= 0 ? "--migrate-after" : "--checkpoint-every");
	*flag = HEXO_MIGRATE_NONE;
	if (opts->migrate_after >= 0 || opts->checkpoint_every > 0)
		user_asked = 1;
	if (opts->migrate_after == 0)
		store_request(flag, HEXO_MIGRATE_STOP);
	request = flag;
	if (pending_stop)
		store_request(flag, HEXO_MIGRATE_STOP);
	if (opts->migrate_after > 0)
		arm(0, opts->migrate_after, false, HEXO_MIGRATE_STOP);
	if (opts->checkpoint_every > 0)
		arm(1, opts->checkpoint_every, true, HEXO_MIGRATE_CHECKPOINT);
}

void migrate__status_every(double seconds)
{
	arm(2, seconds, true, STATUS_TICK);
}

bool migrate__status_due(void)
{
	if (!status_due)
		return false;
	status_due = 0;
	return true;
}

void migrate__stop(void)
{
	for (int i = 0; i < 3; i++) {
		if (armed[i])
			timer_delete(timers[i]);
		armed[i] = false;
	}
	request = NULL;
}

bool migrate__take_stop(struct hexo_vm *vm)
{
	uint32_t stop = HEXO_MIGRATE_STOP;

	return __atomic_compare_exchange_n(&vm->boot->migrate_request, &stop, HEXO_MIGRATE_NONE,
	                                   false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void migrate__checkpoint_done(struct hexo_vm *vm)
{
	uint32_t ck = HEXO_MIGRATE_CHECKPOINT;

	/* The request dropped here is served: its time goes with it. */
	if (__atomic_compare_exchange_n(&vm->boot->migrate_request, &ck, HEXO_MIGRATE_NONE, false,
	                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		__atomic_store_n(&request_ns, 0, __ATOMIC_SEQ_CST);
}

bool migrate__user_asked(void)
{
	return user_asked;
}

uint64_t migrate__request_ns(void)
{
	return __atomic_exchange_n(&request_ns, 0, __ATOMIC_SEQ_CST);
}

/*
 * hexocc's manifest: "migration": {"points": "manual"|"auto"|"none",
 * "instrumented_functions": N, ...}; no point can act when points is "none"
 * or no function was instrumented. A plain boolean is read too.
 */
int migrate__image_points(const struct hexo_image *img)
{
	struct json_object *root, *mig, *v;
	const char *text;
	char *copy;
	size_t len;
	int ret = -1;

	text = hexo_image_manifest(img, &len);
	if (!text)
		return -1;
	copy = strndup(text, len); /* not NUL-terminated */
	root = copy ? json_tokener_parse(copy) : NULL;
	free(copy);
	if (!root || !json_object_object_get_ex(root, "migration", &mig)) {
		ret = -1;
	} else if (json_object_is_type(mig, json_type_boolean)) {
		ret = json_object_get_boolean(mig) ? 1 : 0;
	} else if (json_object_is_type(mig, json_type_object)) {
		if (json_object_object_get_ex(mig, "points", &v) &&
		    !strcmp(json_object_get_string(v), "none"))
			ret = 0;
		else if (json_object_object_get_ex(mig, "instrumented_functions", &v))
			ret = json_object_get_int64(v) > 0;
	}
	json_object_put(root);
	return ret;
}
