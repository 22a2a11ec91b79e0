// SPDX-License-Identifier: MIT
/*
 * The scheduler daemon's loop (daemon.h says what it is). Everything
 * happens in one thread around one poll(): requests on the Unix socket,
 * children ending (signalfd), node pings answering, the metrics port, and
 * a tick that pings the nodes, reads the jobs' progress and runs the
 * policy. Nothing here blocks on a node: every conversation with a node is
 * a child process (`hexo run --on`, `hexo node ping`).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "nodes.h"
#include "sched_int.h"

void sd_log(const struct sd *d, const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	(void)d;
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime_r(&t, &tm));
	fprintf(stderr, "hexo sched: %s ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct sd_job *sd_job_new(void)
{
	struct sd_job *j = calloc(1, sizeof(*j));

	if (!j)
		hexo_die("out of memory");
	j->machine = j->dest = j->est_node = -1;
	return j;
}

void sd_job_free(struct sd_job *j)
{
	if (!j)
		return;
	free(j->image);
	free(j->dir);
	free(j->output);
	free(j->error);
	free(j->checkpoint);
	free(j->next_checkpoint);
	free(j->status_file);
	for (int i = 0; j->argv && i < j->argc; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j);
}

void sd_job_add(struct sd *d, struct sd_job *j)
{
	if (d->n_jobs == d->cap_jobs) {
		d->cap_jobs = d->cap_jobs ? d->cap_jobs * 2 : 64;
		d->jobs = realloc(d->jobs, d->cap_jobs * sizeof(*d->jobs));
		if (!d->jobs)
			hexo_die("out of memory");
	}
	d->jobs[d->n_jobs++] = j;
}

static int by_id(const void *a, const void *b)
{
	const struct sd_job *x = *(struct sd_job *const *)a, *y = *(struct sd_job *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void sd_jobs_sort(struct sd *d)
{
	if (d->n_jobs > 1)
		qsort(d->jobs, d->n_jobs, sizeof(*d->jobs), by_id);
}

struct sd_job *sd_job_find(const struct sd *d, uint64_t id)
{
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->id == id)
			return d->jobs[i];
	return NULL;
}

size_t sd_queue_length(const struct sd *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_jobs; i++)
		n += d->jobs[i]->state == SD_QUEUED;
	return n;
}

void sd_job_ended(struct sd *d, struct sd_job *j)
{
	/* A finished job needs its checkpoint no more; a failed one keeps it
	 * ('hexo resume' can take it up by hand). */
	if (j->state != SD_FAILED && j->checkpoint) {
		unlink(j->checkpoint);
		free(j->checkpoint);
		j->checkpoint = NULL;
	}
	j->ended = sd_now();
	j->pid = 0;
	j->dest = -1;
	sd_estimate_learn(d, j);
	sd_state_save(d, j);
	sd_rpc_job_ended(d, j);
}

/*
 * The policy's view of the daemon (policy.h) and its decisions carried out:
 * START runs the first segment (or resumes a requeued job from its
 * checkpoint), MIGRATE asks the running segment to stop at its next
 * migration point; exec.c starts the next segment on the destination once
 * the checkpoint is on disk.
 */
void sd_schedule(struct sd *d)
{
	struct sched_machine ms[SD_MAX_MACHINES];
	struct sched_decision dec[16];
	struct sched_state st = {0};
	struct sched_job *sj;
	size_t *map, n = 0, k;
	char err[256];

	if (d->stopping)
		return;
	for (size_t m = 0; m < d->n_machines; m++)
		ms[m] = (struct sched_machine){.name = d->machines[m].name,
		                               .is_server = d->machines[m].is_server,
		                               .up = d->machines[m].up,
		                               .cores = d->machines[m].cores,
		                               .mem_bytes = d->machines[m].mem_bytes};
	sj = calloc(d->n_jobs + 1, sizeof(*sj));
	map = calloc(d->n_jobs + 1, sizeof(*map));
	if (!sj || !map)
		hexo_die("out of memory");
	for (size_t i = 0; i < d->n_jobs; i++) {
		struct sd_job *j = d->jobs[i];

		if (j->state > SD_MIGRATING)
			continue;
		sd_estimate(d, j);
		sj[n] = (struct sched_job){
		    .id = j->id,
		    .state = j->state == SD_QUEUED    ? SCHED_QUEUED
		             : j->state == SD_RUNNING ? SCHED_RUNNING
		                                      : SCHED_MIGRATING,
		    .machine = j->state == SD_QUEUED ? -1 : j->machine,
		    .dest = j->state == SD_MIGRATING ? j->dest : -1,
		    .cores = j->cores,
		    .mem_bytes = j->mem_bytes,
		    .migratable = j->migratable,
		    .est_slowdown = j->est,
		};
		map[n++] = i;
	}
	st = (struct sched_state){.machines = ms,
	                          .n_machines = d->n_machines,
	                          .jobs = sj,
	                          .n_jobs = n,
	                          .now = sd_now(),
	                          .queue_empty_since = d->queue_empty_since,
	                          .idle_s = d->opt.idle_s};
	if (sched_check(&st, err, sizeof(err))) {
		sd_log(d, "internal error, nothing scheduled: %s", err);
		goto out;
	}
	k = sched_decide(&st, dec, sizeof(dec) / sizeof(dec[0]));
	for (size_t i = 0; i < k; i++) {
		struct sd_job *j = d->jobs[map[dec[i].job]];

		if (dec[i].action == SCHED_START) {
			sd_log(d, "job %llu: %s on %s", (unsigned long long)j->id,
			       j->checkpoint ? "resume from its checkpoint" : "start",
			       d->machines[dec[i].to].name);
			if (sd_segment_start(d, j, dec[i].to))
				break; /* the job failed; decide again next time */
		} else {
			sd_log(d, "job %llu: migrate %s -> %s at its next migration point "
			          "(estimated slowdown there %.2f, %s)",
			       (unsigned long long)j->id, d->machines[dec[i].from].name,
			       d->machines[dec[i].to].name, j->est[dec[i].to],
			       sd_est_source_name(j->est_src[dec[i].to]));
			j->state = SD_MIGRATING;
			j->dest = dec[i].to;
			j->migrate_asked = sd_now();
			if (!d->machines[dec[i].to].is_server) {
				j->est_used = j->est[dec[i].to];
				j->est_node = dec[i].to;
			}
			sd_segment_stop(d, j);
			sd_state_save(d, j);
		}
	}
out:
	if (sd_queue_length(d) && d->queue_empty_since >= 0)
		d->queue_empty_since = -1;
	else if (!sd_queue_length(d) && d->queue_empty_since < 0)
		d->queue_empty_since = sd_now();
	free(sj);
	free(map);
}

/* --- set-up ------------------------------------------------------------ */

static int add_machine(struct sd *d, const char *name, bool local, bool server, char *err,
                       size_t errlen)
{
	struct sd_machine *m;

	if (sd_machine_index(d, name) >= 0)
		return 0;
	if (d->n_machines == SD_MAX_MACHINES) {
		snprintf(err, errlen, "more than %d machines: use --node to pick some",
		         SD_MAX_MACHINES);
		return -1;
	}
	if (!local) {
		struct hexo_node n;

		if (hexo_node_load(name, &n, err, errlen))
			return -1;
	}
	m = &d->machines[d->n_machines++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->local = local;
	m->is_server = server;
	m->ping_fd = -1;
	if (local) {
		m->up = d->opt.cores > 0;
		m->cores = d->opt.cores;
		m->mem_bytes = d->opt.mem_bytes;
#if defined(__x86_64__)
		snprintf(m->isa, sizeof(m->isa), "x86_64");
#elif defined(__aarch64__)
		snprintf(m->isa, sizeof(m->isa), "aarch64");
#endif
	}
	return 0;
}

static int add_registered(const struct hexo_node *n, void *arg)
{
	struct sd *d = arg;
	char err[256];

	if (add_machine(d, n->name, false, false, err, sizeof(err)))
		sd_log(d, "%s", err);
	return 0;
}

static int setup_machines(struct sd *d, char *err, size_t errlen)
{
	if (add_machine(d, "local", true, true, err, errlen))
		return -1;
	for (size_t i = 0; i < d->opt.n_servers; i++)
		if (add_machine(d, d->opt.servers[i], false, true, err, errlen))
			return -1;
	for (size_t i = 0; i < d->opt.n_nodes; i++)
		if (add_machine(d, d->opt.nodes[i], false, false, err, errlen))
			return -1;
	if (!d->opt.n_nodes && hexo_node_foreach(add_registered, d, err, errlen))
		return -1;
	return 0;
}

/*
 * The state folder: ours alone (0700, owned by us), and one daemon per
 * folder (an flock held for the daemon's life).
 */
static int setup_state(struct sd *d, char *err, size_t errlen)
{
	char path[4200];
	struct stat st;
	int fd, ret;

	ret = hexo_mkdir_p(d->opt.state, 0700);
	if (ret) {
		snprintf(err, errlen, "--state %s: cannot create it: %s", d->opt.state,
		         strerror(-ret));
		return -1;
	}
	if (stat(d->opt.state, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errlen,
		         "--state %s: not a folder owned by this user and writable by it alone: "
		         "use another",
		         d->opt.state);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/sched.lock", d->opt.state);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "--state %s: %s", d->opt.state,
		         fd < 0 ? strerror(errno)
		                : "another 'hexo sched' uses it: stop it first, or use another folder");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/jobs", d->opt.state);
	hexo_mkdir_p(path, 0700);
	return 0; /* fd stays open: the lock lasts as long as we do */
}

static int setup_socket(struct sd *d, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(d->opt.socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--socket %s: longer than %zu bytes: use a shorter path",
		         d->opt.socket, sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, d->opt.socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A socket file left by a daemon that died: the state lock says it is gone. */
	unlink(d->opt.socket);
	{
		mode_t old = umask(077); /* owner-only from the start */
		int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));

		umask(old);
		if (r < 0 || listen(fd, 64) < 0) {
			snprintf(err, errlen, "--socket %s: %s", d->opt.socket, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

static double tick_due(const struct sd *d, double last_tick)
{
	double t = last_tick + d->opt.tick_s;

	for (size_t m = 0; m < d->n_machines; m++)
		if (!d->machines[m].local && !d->machines[m].ping_pid && d->machines[m].next_ping < t)
			t = d->machines[m].next_ping;
	return t;
}

static void on_tick(struct sd *d)
{
	double now = sd_now();

	for (size_t m = 0; m < d->n_machines; m++)
		if (!d->machines[m].local && !d->machines[m].ping_pid && d->machines[m].next_ping <= now)
			sd_ping_start(d, m);
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->pid)
			sd_segment_poll_status(d, d->jobs[i]);
	sd_schedule(d);
}

static void reap(struct sd *d)
{
	int ws;
	pid_t pid;

	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
		sd_child_reaped(d, pid, ws);
}

/* Asks every segment to stop at its next point, waits for them (up to 60 s). */
static void shut_down(struct sd *d, int sfd)
{
	double until = sd_now() + 60;
	size_t left;

	d->stopping = true;
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->pid) {
			d->jobs[i]->migrate_asked = sd_now();
			sd_segment_stop(d, d->jobs[i]);
		}
	for (;;) {
		left = 0;
		for (size_t i = 0; i < d->n_jobs; i++)
			left += d->jobs[i]->pid != 0;
		if (!left || sd_now() > until)
			break;
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		if (poll(&p, 1, 200) > 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
		}
		reap(d);
	}
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->pid) {
			sd_log(d, "job %llu: did not reach a migration point in 60 s: stopped; it "
			          "starts over or from its last checkpoint next time",
			       (unsigned long long)d->jobs[i]->id);
			kill(d->jobs[i]->pid, SIGKILL);
		}
	reap(d);
	for (size_t m = 0; m < d->n_machines; m++)
		if (d->machines[m].ping_pid)
			kill(d->machines[m].ping_pid, SIGKILL);
	reap(d);
}

int sd_main(const struct sd_options *opt)
{
	static struct sd d;
	int lfd, sfd, mfd = -1;
	char err[512];
	sigset_t set;
	double last_tick = 0;

	d.opt = *opt;
	d.next_id = 1;
	d.started = sd_now();
	d.queue_empty_since = d.started;
	sd_metrics_init(&d.metrics);
	if (setup_state(&d, err, sizeof(err)) || setup_machines(&d, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	lfd = setup_socket(&d, err, sizeof(err));
	if (lfd < 0)
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (opt->metrics) {
		mfd = sd_metrics_listen(opt->metrics, err, sizeof(err));
		if (mfd < 0) {
			unlink(opt->socket);
			return hexo_error(HEXO_EXIT_ERROR, "%s", err);
		}
	}
	{
		char why[200];

		d.counters_ok = hexo_counters_available(why, sizeof(why)) == 0;
		if (!d.counters_ok)
			sd_log(&d, "counters: not available (%s): slowdowns are estimated from "
			           "measured progress, calibration or the default",
			       why);
	}
	sd_history_load(&d);
	if (sd_state_load(&d) < 0)
		sd_log(&d, "cannot read %s/jobs: starting with no jobs", opt->state);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return hexo_error(HEXO_EXIT_ERROR, "signalfd: %s", strerror(errno));
	sd_log(&d, "listening on %s; state in %s; %zu machines:", opt->socket, opt->state,
	       d.n_machines);
	for (size_t m = 0; m < d.n_machines; m++)
		sd_log(&d, "  %s: %s%s", d.machines[m].name,
		       d.machines[m].is_server ? "server" : "node",
		       d.machines[m].local ? (d.machines[m].cores ? "" : " (runs no jobs: --cores 0)")
		                           : " (cores and memory from its first ping)");
	for (;;) {
		struct pollfd p[3 + SD_MAX_MACHINES + 256];
		size_t np = 0, first_client, first_ping;
		double now = sd_now(), due = tick_due(&d, last_tick);
		int timeout = due <= now ? 0 : (int)ceil((due - now) * 1000);

		p[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[np++] = (struct pollfd){.fd = lfd, .events = POLLIN};
		p[np++] = (struct pollfd){.fd = mfd, .events = POLLIN};
		first_ping = np;
		for (size_t m = 0; m < d.n_machines; m++)
			p[np++] = (struct pollfd){.fd = d.machines[m].ping_fd, .events = POLLIN};
		first_client = np;
		for (size_t c = 0; c < d.n_clients && c < 256; c++)
			p[np++] = (struct pollfd){.fd = d.clients[c].fd, .events = POLLIN};
		if (poll(p, np, timeout) < 0 && errno != EINTR)
			return hexo_error(HEXO_EXIT_ERROR, "poll: %s", strerror(errno));
		if (p[0].revents) {
			struct signalfd_siginfo si;
			bool stop = false;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo != SIGCHLD)
					stop = true;
			reap(&d);
			if (stop)
				break;
			sd_schedule(&d);
		}
		if (p[1].revents)
			sd_rpc_accept(&d, lfd);
		if (mfd >= 0 && p[2].revents)
			sd_metrics_serve(&d, mfd);
		for (size_t m = 0; m < d.n_machines; m++)
			if (p[first_ping + m].fd >= 0 && p[first_ping + m].revents)
				sd_ping_read(&d, m);
		/* Clients may go away while served: walk from the end. */
		for (size_t c = np - first_client; c-- > 0;)
			if (p[first_client + c].revents && c < d.n_clients &&
			    d.clients[c].fd == p[first_client + c].fd)
				sd_rpc_read(&d, c);
		if (sd_now() >= tick_due(&d, last_tick)) {
			last_tick = sd_now();
			on_tick(&d);
		}
	}
	sd_log(&d, "stopping: asking running jobs to stop at their next migration point");
	shut_down(&d, sfd);
	sd_rpc_close_all(&d);
	close(lfd);
	unlink(opt->socket);
	sd_log(&d, "stopped");
	return 0;
}
