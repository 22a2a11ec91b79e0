// SPDX-License-Identifier: MIT
/*
 * The daemon's children. A job runs as a chain of *segments*, each one
 * process: `hexo run` for the first, `hexo resume CHECKPOINT` for the
 * others, with `--on NODE` when the machine is a node. A segment writes its
 * checkpoint to STATE/jobs/ID/ckpt-N and its progress to status-N. It ends
 * in one of three ways, told apart by its status file and checkpoint:
 *  - the program ended: the job is done (or failed: 125, 139);
 *  - it stopped at a migration point (we asked, SIGUSR1): the next segment
 *    resumes the checkpoint on the destination, or, when the daemon is
 *    stopping, the job waits in the queue with that checkpoint;
 *  - hexo itself failed on a node (status 125 and the node stopped
 *    answering, say): the job is queued again from its last checkpoint,
 *    its output cut back to what it held then, up to SD_MAX_RETRIES times.
 * Nodes are pinged by `hexo node ping` children too, so a dead node never
 * blocks the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "sched_int.h"

#define SD_MAX_RETRIES 3
#define SD_PING_EVERY  5.0

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		hexo_die("out of memory");
	va_end(ap);
	return s;
}

/* fork + exec of hexo ARGV with the given stdout and stderr (-1: a pipe, *pipe_fd). */
static pid_t spawn(struct sd *d, char **argv, int out, int errfd, int *pipe_fd)
{
	int pfd[2] = {-1, -1};
	sigset_t none;
	pid_t pid;

	if (pipe_fd && pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		if (pipe_fd) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);

		/* A segment must not outlive the daemon: it would run unseen. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/*
		 * SIGUSR1 (stop at a point) stays blocked through exec: one sent
		 * before hexo has set up its handler waits for it (the monitor and
		 * the node client unblock it once ready) instead of killing it.
		 */
		sigemptyset(&none);
		sigaddset(&none, SIGUSR1);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (pipe_fd)
			out = errfd = pfd[1];
		if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(127);
		execv(d->opt.hexo, argv);
		fprintf(stderr, "hexo sched: cannot run %s: %s\n", d->opt.hexo, strerror(errno));
		_exit(127);
	}
	if (pipe_fd) {
		close(pfd[1]);
		fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		*pipe_fd = pfd[0];
	}
	return pid;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int sd_segment_start(struct sd *d, struct sd_job *j, int machine)
{
	const struct sd_machine *m = &d->machines[machine];
	char dir[4096], every[32];
	char *argv[32 + SD_MAX_ARGS];
	int n = 0, out, errfd;
	pid_t pid;

	sd_job_dir(d, j->id, dir, sizeof(dir));
	j->segment++;
	free(j->next_checkpoint);
	free(j->status_file);
	j->next_checkpoint = xasprintf("%s/ckpt-%u", dir, j->segment);
	j->status_file = xasprintf("%s/status-%u", dir, j->segment);
	unlink(j->next_checkpoint);
	unlink(j->status_file);

	argv[n++] = "hexo";
	argv[n++] = j->checkpoint ? "resume" : "run";
	if (!m->local) {
		argv[n++] = "--on";
		argv[n++] = (char *)m->name;
	}
	argv[n++] = "--dir";
	argv[n++] = j->dir;
	argv[n++] = "--checkpoint";
	argv[n++] = j->next_checkpoint;
	argv[n++] = "--status";
	argv[n++] = j->status_file;
	if (d->opt.checkpoint_every > 0) {
		snprintf(every, sizeof(every), "%g", d->opt.checkpoint_every);
		argv[n++] = "--checkpoint-every";
		argv[n++] = every;
	}
	if (j->checkpoint) {
		argv[n++] = "--image";
		argv[n++] = j->image;
		argv[n++] = j->checkpoint;
	} else {
		if (j->mem_text[0]) {
			argv[n++] = "--mem";
			argv[n++] = j->mem_text;
		}
		argv[n++] = "--";
		argv[n++] = j->image;
		for (int i = 1; i < j->argc; i++)
			argv[n++] = j->argv[i];
	}
	argv[n] = NULL;

	out = open(j->output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	errfd = strcmp(j->error, j->output)
	            ? open(j->error, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644)
	            : out;
	if (out < 0 || errfd < 0) {
		snprintf(j->why, sizeof(j->why), "cannot open %s: %s", out < 0 ? j->output : j->error,
		         strerror(errno));
		goto fail;
	}
	pid = spawn(d, argv, out, errfd, NULL);
	if (pid < 0) {
		snprintf(j->why, sizeof(j->why), "cannot start %s: %s", d->opt.hexo, strerror(errno));
		goto fail;
	}
	close(out);
	if (errfd != out)
		close(errfd);
	j->pid = pid;
	/* On this host, the segment's counters feed the counter estimate. */
	if (m->local && d->counters_ok && hexo_counters_open(pid, &j->ctr) == 0)
		j->ctr_open = true;
	j->state = SD_RUNNING;
	j->machine = machine;
	j->dest = -1;
	j->seg_started = sd_now();
	if (!j->started)
		j->started = j->seg_started;
	j->seg_points0 = j->points;
	j->seg_run_s = 0;
	sd_state_save(d, j);
	return 0;
fail:
	if (out >= 0)
		close(out);
	if (errfd >= 0 && errfd != out)
		close(errfd);
	sd_log(d, "job %llu: failed: %s", (unsigned long long)j->id, j->why);
	j->state = SD_FAILED;
	j->exit_status = HEXO_EXIT_ERROR;
	j->machine = -1;
	sd_job_ended(d, j);
	return -1;
}

void sd_segment_stop(struct sd *d, struct sd_job *j)
{
	(void)d;
	if (j->pid)
		kill(j->pid, SIGUSR1);
}

void sd_segment_kill(struct sd *d, struct sd_job *j)
{
	(void)d;
	j->cancel_asked = true;
	if (j->pid)
		kill(j->pid, SIGTERM);
}

/*
 * The segment's status file ({"points", "run_s", "state", "status"}, written
 * by the monitor): the job's progress. Returns the state it gives, or NULL.
 */
static const char *read_status(struct sd_job *j, char *state, size_t len)
{
	struct json_object *o, *v;

	if (!j->status_file || access(j->status_file, R_OK) < 0)
		return NULL;
	o = json_object_from_file(j->status_file);
	if (!o)
		return NULL;
	if (json_object_object_get_ex(o, "points", &v) && json_object_is_type(v, json_type_int))
		j->points = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "run_s", &v) &&
	    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		j->seg_run_s = json_object_get_double(v);
	state[0] = 0;
	if (json_object_object_get_ex(o, "state", &v) && json_object_is_type(v, json_type_string))
		snprintf(state, len, "%s", json_object_get_string(v));
	json_object_put(o);
	return state;
}

void sd_segment_poll_status(struct sd *d, struct sd_job *j)
{
	struct hexo_counter_values v;
	double t = sd_now() - j->seg_started;
	char st[32];

	(void)d;
	read_status(j, st, sizeof(st));
	if (j->ctr_open && t >= 1 && hexo_counters_read(&j->ctr, &v) == 0 &&
	    v.ok[HEXO_CTR_INSTR]) {
		j->ctr_ginstr_s = (double)v.v[HEXO_CTR_INSTR] / t / 1e9;
		j->ctr_mllcmiss_s =
		    v.ok[HEXO_CTR_LLC_MISSES] ? (double)v.v[HEXO_CTR_LLC_MISSES] / t / 1e6 : 0;
		j->ctr_rates = true;
	}
}

static void counters_close(struct sd_job *j)
{
	if (j->ctr_open)
		hexo_counters_close(&j->ctr);
	j->ctr_open = false;
}

/*
 * Where the segment that just ended was, in run time and points. The run
 * time is the guest's own (from its status file) when known: the segment's
 * wall time also counts sending the job to a node and starting it, which
 * would make short stays there look slow.
 */
static void account(struct sd *d, struct sd_job *j)
{
	double t = j->seg_run_s > 0 ? j->seg_run_s : sd_now() - j->seg_started;

	(void)d;
	if (j->machine >= 0) {
		j->run_s[j->machine] += t > 0 ? t : 0;
		if (j->points > j->seg_points0)
			j->points_on[j->machine] += j->points - j->seg_points0;
	}
}

/* The segment stopped at a migration point and its checkpoint is on disk. */
static void segment_stopped(struct sd *d, struct sd_job *j)
{
	int from = j->machine, to = j->dest;
	uint64_t bytes = file_size(j->next_checkpoint);

	if (j->checkpoint && strcmp(j->checkpoint, j->next_checkpoint))
		unlink(j->checkpoint); /* the new one replaces it */
	free(j->checkpoint);
	j->checkpoint = j->next_checkpoint;
	j->next_checkpoint = NULL;
	j->out_size = file_size(j->output);
	j->err_size = file_size(j->error);
	j->pid = 0;
	sd_hist_add(&d->metrics.checkpoint_bytes, (double)bytes);
	if (d->stopping || j->state != SD_MIGRATING || to < 0 || !d->machines[to].up) {
		j->state = SD_QUEUED;
		j->machine = j->dest = -1;
		sd_log(d, "job %llu: stopped at a migration point; queued with its checkpoint "
		          "(%llu bytes)",
		       (unsigned long long)j->id, (unsigned long long)bytes);
		sd_state_save(d, j);
		return;
	}
	j->migrations++;
	d->machines[from].migrations_out++;
	d->machines[to].migrations_in++;
	if (d->machines[from].is_server && !d->machines[to].is_server)
		d->metrics.migrations_offload++;
	else
		d->metrics.migrations_back++;
	sd_log(d, "job %llu: checkpoint of %llu bytes on disk; resuming on %s",
	       (unsigned long long)j->id, (unsigned long long)bytes, d->machines[to].name);
	if (sd_segment_start(d, j, to) == 0)
		sd_hist_add(&d->metrics.migration_s, sd_now() - j->migrate_asked);
}

/* A node segment failed in hexo itself: queue the job again, or give up. */
static void segment_lost(struct sd *d, struct sd_job *j, int status)
{
	const char *node = d->machines[j->machine].name;

	j->pid = 0;
	if (j->retries >= SD_MAX_RETRIES) {
		j->state = SD_FAILED;
		j->exit_status = status;
		snprintf(j->why, sizeof(j->why),
		         "hexo failed on %s %u times (status %d): see %s", node, j->retries + 1,
		         status, j->error);
		sd_log(d, "job %llu: %s", (unsigned long long)j->id, j->why);
		sd_job_ended(d, j);
		return;
	}
	j->retries++;
	snprintf(j->why, sizeof(j->why), "lost on %s (hexo status %d): queued again %s", node,
	         status, j->checkpoint ? "from its last checkpoint" : "from the start");
	sd_log(d, "job %llu: %s", (unsigned long long)j->id, j->why);
	/* Output written after the checkpoint would be written again: cut it. */
	if (truncate(j->output, (off_t)(j->checkpoint ? j->out_size : 0)) < 0)
		sd_log(d, "job %llu: %s: %s", (unsigned long long)j->id, j->output, strerror(errno));
	if (strcmp(j->error, j->output) &&
	    truncate(j->error, (off_t)(j->checkpoint ? j->err_size : 0)) < 0)
		sd_log(d, "job %llu: %s: %s", (unsigned long long)j->id, j->error, strerror(errno));
	j->state = SD_QUEUED;
	j->machine = j->dest = -1;
	/*
	 * The node is suspect: nothing goes there until it answers a ping
	 * again (asked at once), so no other job follows this one into it.
	 */
	{
		struct sd_machine *m = &d->machines[sd_machine_index(d, node)];

		if (m->up)
			sd_log(d, "%s: down until it answers a ping (a job was lost there)", m->name);
		m->up = false;
		m->next_ping = 0;
	}
	sd_state_save(d, j);
}

static void segment_ended(struct sd *d, struct sd_job *j, int ws)
{
	int status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	struct stat st;
	char state[32];
	const char *s = read_status(j, state, sizeof(state));
	bool stopped;

	account(d, j);
	counters_close(j);
	if (s && s[0])
		stopped = !strcmp(s, "stopped");
	else /* no status file: a fresh checkpoint is a stop (periodic ones: since we asked) */
		stopped = status == 0 && j->next_checkpoint && stat(j->next_checkpoint, &st) == 0 &&
		          (d->opt.checkpoint_every <= 0 ||
		           (j->migrate_asked > 0 && (double)st.st_mtime >= j->migrate_asked - 1));
	if (j->cancel_asked) {
		j->pid = 0;
		j->state = SD_CANCELLED;
		j->machine = -1;
		snprintf(j->why, sizeof(j->why), "cancelled while running");
		sd_log(d, "job %llu: cancelled", (unsigned long long)j->id);
		sd_job_ended(d, j);
		return;
	}
	if (stopped && status == 0 && j->next_checkpoint && access(j->next_checkpoint, R_OK) == 0) {
		segment_stopped(d, j);
		return;
	}
	if ((status == HEXO_EXIT_ERROR || j->lost) && !d->machines[j->machine].local) {
		j->lost = false;
		segment_lost(d, j, status);
		return;
	}
	j->pid = 0;
	j->exit_status = status;
	if (status == HEXO_EXIT_ERROR || status == 139 || status == 127 || WIFSIGNALED(ws)) {
		j->state = SD_FAILED;
		snprintf(j->why, sizeof(j->why), "%s (status %d): see %s",
		         status == 139 ? "the program crashed" : "hexo could not run it", status,
		         j->error);
	} else {
		j->state = SD_DONE;
		j->why[0] = 0;
	}
	sd_log(d, "job %llu: %s on %s, status %d", (unsigned long long)j->id,
	       j->state == SD_DONE ? "ended" : "failed", d->machines[j->machine].name, status);
	sd_job_ended(d, j);
	if (j->next_checkpoint)
		unlink(j->next_checkpoint);
}

/* --- pings ------------------------------------------------------------ */

void sd_ping_start(struct sd *d, size_t m)
{
	struct sd_machine *ma = &d->machines[m];
	char *argv[] = {"hexo", "node", "ping", ma->name, NULL};
	pid_t pid;

	ma->ping_len = 0;
	pid = spawn(d, argv, -1, -1, &ma->ping_fd);
	if (pid < 0) {
		sd_log(d, "%s: cannot ping it: %s", ma->name, strerror(errno));
		ma->next_ping = sd_now() + SD_PING_EVERY;
		return;
	}
	ma->ping_pid = pid;
}

void sd_ping_read(struct sd *d, size_t m)
{
	struct sd_machine *ma = &d->machines[m];
	ssize_t r;

	(void)d;
	while (ma->ping_fd >= 0) {
		r = read(ma->ping_fd, ma->ping_out + ma->ping_len,
		         sizeof(ma->ping_out) - 1 - ma->ping_len);
		if (r > 0) {
			ma->ping_len += (size_t)r;
			if (ma->ping_len < sizeof(ma->ping_out) - 1)
				continue;
		}
		if (r < 0 && errno == EAGAIN)
			return;
		close(ma->ping_fd); /* EOF, error, or full */
		ma->ping_fd = -1;
	}
}

/*
 * `hexo node ping` printed "NAME: hexod V, MACHINE, N CPUs, M MiB, protocol
 * P, T ms" and exited 0: the node is up with N cores and M MiB for jobs.
 * Two failures in a row take it down; the first success brings it up.
 */
static void ping_ended(struct sd *d, size_t m, int ws)
{
	struct sd_machine *ma = &d->machines[m];
	unsigned cpus = 0;
	unsigned long long mib = 0;
	const char *p;
	bool was_up = ma->up;

	sd_ping_read(d, m);
	if (ma->ping_fd >= 0) {
		close(ma->ping_fd);
		ma->ping_fd = -1;
	}
	ma->ping_out[ma->ping_len] = 0;
	ma->ping_pid = 0;
	ma->next_ping = sd_now() + SD_PING_EVERY;
	p = strstr(ma->ping_out, " CPUs");
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && p) {
		while (p > ma->ping_out && p[-1] >= '0' && p[-1] <= '9')
			p--;
		cpus = (unsigned)strtoul(p, NULL, 10);
		p = strstr(ma->ping_out, " MiB");
		if (p) {
			while (p > ma->ping_out && p[-1] >= '0' && p[-1] <= '9')
				p--;
			mib = strtoull(p, NULL, 10);
		}
	}
	if (cpus) {
		const char *mach = strchr(ma->ping_out, ',');

		ma->ping_fails = 0;
		ma->up = true;
		ma->cores = cpus;
		/* Memory unknown (an older agent): only cores limit what goes there. */
		ma->mem_bytes = mib ? (uint64_t)mib << 20 : UINT64_MAX / 4;
		ma->last_seen = sd_now();
		if (mach) {
			mach++;
			while (*mach == ' ')
				mach++;
			snprintf(ma->isa, sizeof(ma->isa), "%.*s", (int)strcspn(mach, ","), mach);
		}
		if (!was_up)
			sd_log(d, "%s: up, %u cores, %s memory, %s", ma->name, ma->cores,
			       mib ? "known" : "unknown", ma->isa);
	} else if (++ma->ping_fails >= 2 || !was_up) {
		ma->up = false;
		if (was_up || ma->ping_fails == 1) {
			ma->ping_out[strcspn(ma->ping_out, "\n")] = 0;
			sd_log(d, "%s: down (%s)", ma->name,
			       ma->ping_out[0] ? ma->ping_out : "no answer");
		}
		/* Its jobs are lost: end their segments, they go back to the queue. */
		for (size_t i = 0; was_up && i < d->n_jobs; i++) {
			struct sd_job *j = d->jobs[i];

			if (j->pid && j->machine == (int)m) {
				j->lost = true;
				kill(j->pid, SIGTERM);
			}
		}
	}
	if (ma->up != was_up)
		sd_schedule(d);
}

void sd_child_reaped(struct sd *d, pid_t pid, int ws)
{
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->pid == pid) {
			segment_ended(d, d->jobs[i], ws);
			return;
		}
	for (size_t m = 0; m < d->n_machines; m++)
		if (d->machines[m].ping_pid == pid) {
			ping_ended(d, m, ws);
			return;
		}
}
