// SPDX-License-Identifier: MIT
/*
 * One job: receive the image (and for a resume the checkpoint) and the job
 * directory into a fresh temp dir, run `hexo run --dir DIR -- IMAGE
 * ARGS...` or `hexo resume --dir DIR --image IMAGE CHECKPOINT` in its own
 * process group, stream its stdout and stderr back as they come and the
 * client's stdin to it, pass migration requests on to it (SIGUSR1), then
 * send what changed in the job directory, the checkpoint it wrote if any,
 * and the exit status. Whatever happens, the process group is killed and
 * the temp dir removed before returning.
 *
 * The temp dir WORK/job-XXXXXX (its name is the job's id):
 *   image/     the image, and the job's working directory
 *   dir/       the job directory
 *   ckpt/      in.ckpt (resume), out.ckpt (what the job writes)
 *   conn.pid   while the job runs: the pid of the connection process
 *              serving it, for MIGRATE JOB from other connections
 *
 * This file: the job's set-up, its steps in order and its clean-up; the
 * steps are in job_recv.c, job_exec.c, job_stream.c and job_send.c (job.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "job.h"

static int job_prepare(struct job *j)
{
	const char *work = j->c->cfg->work;

	snprintf(j->tmp, sizeof(j->tmp), "%s/job-XXXXXX", work);
	if (!mkdtemp(j->tmp)) {
		j->tmp[0] = '\0';
		return conn_refuse(j->c, -errno, "cannot create a job folder in '%s': %s", work,
		                   strerror(errno));
	}
	j->id = strrchr(j->tmp, '/') + 1;
	snprintf(j->dir, sizeof(j->dir), "%s/dir", j->tmp);
	snprintf(j->img, sizeof(j->img), "%s/image", j->tmp);
	snprintf(j->ckpt, sizeof(j->ckpt), "%s/ckpt", j->tmp);
	snprintf(j->ckpt_in, sizeof(j->ckpt_in), "%s/ckpt/in.ckpt", j->tmp);
	snprintf(j->ckpt_out, sizeof(j->ckpt_out), "%s/ckpt/out.ckpt", j->tmp);
	snprintf(j->pidfile, sizeof(j->pidfile), "%s/conn.pid", j->tmp);
	if (mkdir(j->dir, 0700) < 0 || mkdir(j->img, 0700) < 0 || mkdir(j->ckpt, 0700) < 0)
		return conn_refuse(j->c, -errno, "cannot create a job folder in '%s': %s", work,
		                   strerror(errno));
	j->dirfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j->imgfd = open(j->img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j->ckptfd = open(j->ckpt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0 || j->imgfd < 0 || j->ckptfd < 0)
		return conn_refuse(j->c, -errno, "job folder '%s': %s", j->tmp, strerror(errno));
	return 0;
}

static void job_cleanup(struct job *j)
{
	const int fds[] = {j->pidfd, j->out, j->err, j->dirfd, j->imgfd, j->ckptfd};
	int ret;

	job_kill(j);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	job_stdin_close(j);
	free(j->in_buf);
	if (j->tmp[0]) {
		ret = hexo_tree_rm(j->tmp);
		if (ret)
			hexod_log("cannot remove job folder '%s': %s", j->tmp, strerror(-ret));
	}
	for (size_t i = 0; i < j->n_files; i++)
		free(j->files[i].path);
	free(j->files);
	for (size_t i = 0; i < j->n_changed; i++)
		free(j->changed[i]);
	free(j->changed);
}

int job_run(struct conn *c, const struct hexo_msg_run *m)
{
	struct job j = {.c = c,
	                .m = m,
	                .dirfd = -1,
	                .imgfd = -1,
	                .ckptfd = -1,
	                .pidfd = -1,
	                .out = -1,
	                .err = -1,
	                .in = -1};
	int ret;

	hexod_log("job request: %s '%s' (%llu bytes), %u files",
	          m->kind == HEXO_RUN_RESUME ? "resume with image" : "image", m->argv[0],
	          (unsigned long long)m->image_size, m->n_files);
	ret = job_prepare(&j);
	if (!ret)
		ret = job_recv_request(&j);
	if (!ret)
		ret = job_spawn(&j);
	if (!ret)
		ret = job_stream(&j);
	if (!ret) {
		hexod_log("job exited: status %d after %.1f s (%llu bytes of stdin)", j.status,
		          (double)(hexo_now_ms() - j.t_start) / 1000.0,
		          (unsigned long long)j.in_total);
		ret = job_send_results(&j);
	}
	if (!ret && j.ckpt_size)
		hexod_log("job done: %zu files back, %zu deleted, checkpoint back (%llu bytes)",
		          j.n_changed, j.n_deleted, (unsigned long long)j.ckpt_size);
	else if (!ret)
		hexod_log("job done: %zu files back, %zu deleted", j.n_changed, j.n_deleted);
	job_cleanup(&j);
	return ret;
}
