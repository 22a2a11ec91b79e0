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
 * The temp dir WORK/job-XXXXXX (its name is the job's id), made in the
 * work folder's descriptor and held by descriptor (openat, mkdirat,
 * unlinkat) until it is removed, never found again by its name:
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
#include "secret.h"

/* WORK/job-XXXXXX, made in the work folder's descriptor, held open. */
static int make_tmp(struct job *j)
{
	static const char az[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	int workfd = j->c->cfg->workfd, ret = -EEXIST;
	uint8_t rnd[6];

	for (int i = 0; i < 100 && ret == -EEXIST; i++) {
		if (hexo_random(rnd, sizeof(rnd)))
			return -EIO;
		memcpy(j->id, "job-", 4);
		for (size_t k = 0; k < sizeof(rnd); k++)
			j->id[4 + k] = az[rnd[k] % (sizeof(az) - 1)];
		j->id[4 + sizeof(rnd)] = '\0';
		ret = mkdirat(workfd, j->id, 0700) < 0 ? -errno : 0;
	}
	if (ret) {
		j->id[0] = '\0';
		return ret;
	}
	j->tmpfd = openat(workfd, j->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return j->tmpfd < 0 ? -errno : 0;
}

/* A sub-folder of the temp dir, made and opened by descriptor. */
static int make_sub(struct job *j, const char *name)
{
	int fd;

	if (mkdirat(j->tmpfd, name, 0700) < 0)
		return -errno;
	fd = openat(j->tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int job_prepare(struct job *j)
{
	const char *work = j->c->cfg->work;
	int ret;

	ret = make_tmp(j);
	snprintf(j->tmp, sizeof(j->tmp), "%s/%s", work, j->id);
	if (!ret)
		ret = j->dirfd = make_sub(j, "dir");
	if (ret >= 0)
		ret = j->imgfd = make_sub(j, "image");
	if (ret >= 0)
		ret = j->ckptfd = make_sub(j, "ckpt");
	if (ret < 0)
		return conn_refuse(j->c, ret, "cannot create a job folder in '%s': %s", work,
		                   strerror(-ret));
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
	if (j->tmpfd >= 0) {
		/* By descriptor: whatever the work folder's entry now names. */
		ret = hexo_tree_empty(j->tmpfd);
		close(j->tmpfd);
		if (!ret && unlinkat(j->c->cfg->workfd, j->id, AT_REMOVEDIR) < 0)
			ret = -errno;
		if (ret)
			hexod_log("cannot remove job folder '%s': %s", j->tmp, strerror(-ret));
	} else if (j->id[0]) {
		unlinkat(j->c->cfg->workfd, j->id, AT_REMOVEDIR);
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
	                .tmpfd = -1,
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
