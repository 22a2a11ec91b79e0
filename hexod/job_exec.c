// SPDX-License-Identifier: MIT
/*
 * The job's process: `hexo run` or `hexo resume` started in its own
 * process group with pipes for its stdio, announced (conn.pid, STARTED),
 * then reaped when it ends or killed with its group.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "job.h"

/*
 * hexo run --dir DIR --checkpoint=OUT [--migrate-after=S] [--checkpoint-every=S]
 *          [--mem=M] [--env=E]... [--stats] [--status=STATUS] [--argv0=A] -- IMAGE ARGS...
 * hexo resume --dir DIR --image=IMAGE --checkpoint=OUT [--migrate-after=S]
 *          [--checkpoint-every=S] [--mem=M] [--stats] [--status=STATUS] IN
 * --argv0 when the image could not be stored under the name the client gave
 * (an absolute path, "..", "./"), so the guest's argv[0] is that name still.
 * The checkpoint always goes to OUT, in the temp dir, whether the client
 * named one or not: it comes back to the client's file. STATUS (RUN flag
 * STATUS) is in the temp dir too, out of the guest's reach; job_stream.c
 * sends it on.
 */
/*
 * The job's hexo reaches the temp dir through the descriptor the agent
 * holds (never by its name in the work folder): it inherits it as JOB_FD.
 */
#define JOB_FD   3
#define JOB_PATH "/proc/self/fd/3"

static char **job_argv(struct job *j)
{
	const struct hexo_msg_run *m = j->m;
	bool resume = m->kind == HEXO_RUN_RESUME;
	size_t n = 0, max = 15 + m->n_env + m->argc;
	char **v = calloc(max, sizeof(*v));
	bool ok = v != NULL;

	if (!ok)
		return NULL;
	v[n++] = strdup(j->c->cfg->hexo);
	v[n++] = strdup(resume ? "resume" : "run");
	v[n++] = strdup("--dir");
	v[n++] = strdup(JOB_PATH "/dir");
	if (resume && asprintf(&v[n++], "--image=%s", j->image_name) < 0)
		v[n - 1] = NULL;
	v[n++] = strdup("--checkpoint=" JOB_PATH "/ckpt/out.ckpt");
	if (m->migrate_after[0] && asprintf(&v[n++], "--migrate-after=%s", m->migrate_after) < 0)
		v[n - 1] = NULL;
	if (m->checkpoint_every[0] &&
	    asprintf(&v[n++], "--checkpoint-every=%s", m->checkpoint_every) < 0)
		v[n - 1] = NULL;
	if (m->mem[0] && asprintf(&v[n++], "--mem=%s", m->mem) < 0)
		v[n - 1] = NULL;
	for (uint32_t i = 0; i < m->n_env; i++)
		if (asprintf(&v[n++], "--env=%s", m->env[i]) < 0)
			v[n - 1] = NULL;
	if (m->flags & HEXO_RUN_F_STATS)
		v[n++] = strdup("--stats");
	if (m->flags & HEXO_RUN_F_STATUS)
		v[n++] = strdup("--status=" JOB_PATH "/" JOB_STATUS);
	if (resume) {
		v[n++] = strdup(JOB_PATH "/ckpt/in.ckpt");
	} else {
		if (strcmp(j->image_name, m->argv[0]) &&
		    asprintf(&v[n++], "--argv0=%s", m->argv[0]) < 0)
			v[n - 1] = NULL;
		v[n++] = strdup("--");
		v[n++] = strdup(j->image_name);
		for (uint32_t i = 1; i < m->argc; i++)
			v[n++] = strdup(m->argv[i]);
	}
	for (size_t i = 0; i < n; i++)
		ok = ok && v[i];
	if (ok)
		return v;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * fds[3]: the job's stdin, stdout and stderr (stdout again when merged);
 * the ones the client was started without are closed, as they were for it.
 */
static __attribute__((noreturn)) void child_exec(struct job *j, char **argv, const int fds[3],
                                                 pid_t parent)
{
	static const int sigs[] = {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1};
	static const uint32_t none[3] = {HEXO_RUN_F_NO_STDIN, HEXO_RUN_F_NO_STDOUT,
	                                 HEXO_RUN_F_NO_STDERR};
	sigset_t all;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0)
		_exit(125);
	for (int fd = 0; fd < 3; fd++)
		if (j->m->flags & none[fd])
			close(fd);
	/*
	 * The guest's files get the mode it asks for; the client applies its
	 * own umask to the new ones, as the monitor's umask does in a local run.
	 */
	umask(0);
	/* The temp dir as JOB_FD, image/ as the working directory: by descriptor. */
	if (fchdir(j->imgfd) < 0 ||
	    (j->tmpfd == JOB_FD ? fcntl(JOB_FD, F_SETFD, 0) : dup2(j->tmpfd, JOB_FD)) < 0) {
		dprintf(2, "hexod: job folder '%s': %s\n", j->tmp, strerror(errno));
		_exit(125);
	}
	execv(argv[0], argv);
	dprintf(2, "hexod: cannot run '%s': %s: start hexod with --hexo PATH-TO-hexo\n", argv[0],
	        strerror(errno));
	_exit(125);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

/*
 * The job runs: conn.pid lets other connections find us (MIGRATE JOB), and
 * the client learns the job's id (STARTED).
 */
static int job_announce(struct job *j)
{
	char pid[32];
	int fd, n, ret;

	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fd = openat(j->tmpfd, "conn.pid", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0 || hexo_write_all(fd, pid, (size_t)n))
		hexod_log("warning: '%s/conn.pid': %s: MIGRATE %s will not find the job", j->tmp,
		          strerror(errno), j->id);
	if (fd >= 0)
		close(fd);
	ret = hexo_frame_send(j->c->fd, HEXO_F_STARTED, 0, j->id, strlen(j->id) + 1, -1);
	if (ret) {
		snprintf(j->c->err, sizeof(j->c->err), "client went away: %s", strerror(-ret));
		hexod_log("job killed: %s", j->c->err);
	}
	return ret;
}

/*
 * Starts the job with pipes for stdin, stdout and stderr (one pipe for
 * stdout and stderr when the client's are one file, so their order holds).
 */
int job_spawn(struct job *j)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, fds[3], ret = 0;
	bool merged = j->m->flags & HEXO_RUN_F_MERGED;
	pid_t parent = getpid();
	char **argv;

	hexod_got_usr1 = 0; /* what was asked of an earlier job is not for this one */
	argv = job_argv(j);
	if (!argv)
		return conn_refuse(j->c, -ENOMEM, "agent out of memory");
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    (!merged && pipe2(err, O_CLOEXEC) < 0)) {
		ret = conn_refuse(j->c, -errno, "cannot start the job: pipe: %s", strerror(errno));
		goto out;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = merged ? out[1] : err[1];
	j->pid = fork();
	if (j->pid < 0) {
		ret = conn_refuse(j->c, -errno, "cannot start the job: fork: %s", strerror(errno));
		goto out;
	}
	if (j->pid == 0)
		child_exec(j, argv, fds, parent);
	setpgid(j->pid, j->pid);
	j->in = in[1];
	j->out = out[0];
	j->err = err[0];
	in[1] = out[0] = err[0] = -1;
	fcntl(j->in, F_SETFL, O_NONBLOCK);
	fcntl(j->out, F_SETFL, O_NONBLOCK);
	if (j->err >= 0)
		fcntl(j->err, F_SETFL, O_NONBLOCK);
	if (j->m->flags & HEXO_RUN_F_NO_STDIN) {
		close(j->in); /* STDIN frames are dropped */
		j->in = -1;
	}
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	j->t_start = hexo_now_ms();
	if (j->m->kind == HEXO_RUN_RESUME)
		hexod_log("job started: %s: pid %d: hexo resume --image %s (%llu-byte checkpoint, "
		          "%zu files, %zu folders)",
		          j->id, (int)j->pid, j->image_name, (unsigned long long)j->m->ckpt_size,
		          j->n_files, j->n_dirs);
	else
		hexod_log("job started: %s: pid %d: hexo run %s (%u args, %zu files, %zu folders)",
		          j->id, (int)j->pid, j->image_name, j->m->argc - 1, j->n_files, j->n_dirs);
	ret = job_announce(j);
out:
	close_pair(in);
	close_pair(out);
	close_pair(err);
	free_argv(argv);
	return ret;
}

/* Kills the job's process group and reaps the job. */
void job_kill(struct job *j)
{
	int st;

	if (j->pid <= 0)
		return;
	unlinkat(j->tmpfd, "conn.pid", 0);
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	j->pid = 0;
}

/* Reaps the job if it has ended: 1 when it has. */
int job_reap(struct job *j)
{
	int st;

	if (j->pid <= 0)
		return 1;
	if (waitpid(j->pid, &st, WNOHANG) != j->pid)
		return 0;
	unlinkat(j->tmpfd, "conn.pid", 0); /* MIGRATE JOB: no such job from now on */
	j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* Anything the job left behind in its group goes too. */
	kill(-j->pid, SIGKILL);
	j->pid = 0;
	return 1;
}
