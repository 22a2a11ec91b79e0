// SPDX-License-Identifier: MIT
/*
 * MIGRATE JOB from a client on another connection than the job's: the
 * connection process running that job gets SIGUSR1 and passes it on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hexod.h"

/* The parent of process pid (/proc/PID/stat), or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name in parentheses may hold anything */
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/*
 * The connection process that runs `job` (its conn.pid, checked to be a
 * sibling of ours: a child of the agent) gets SIGUSR1 and passes it on to
 * the job's hexo as a migration request.
 */
int job_migrate_request(struct conn *c, const char *job)
{
	char buf[32];
	long pid = 0;
	ssize_t n = -1;
	int dfd, fd = -1, ret;

	/* job is a plain name (hexo_proto_job_valid()): no '/' */
	dfd = openat(c->cfg->workfd, job, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		fd = openat(dfd, "conn.pid", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
	}
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n > 0) {
		buf[n] = '\0';
		pid = strtol(buf, NULL, 10);
	}
	if (pid <= 0 || pid == getpid() || parent_of((pid_t)pid) != getppid())
		return conn_refuse(c, -ESRCH, "no job '%s' running on this agent", job);
	if (kill((pid_t)pid, SIGUSR1) < 0)
		return conn_refuse(c, -errno, "cannot reach job '%s': %s", job, strerror(errno));
	hexod_log("migration of %s asked (its connection process %ld)", job, pid);
	ret = hexo_frame_send(c->fd, HEXO_F_OK, 0, NULL, 0, hexo_deadline(c->cfg->timeout_ms));
	return ret;
}
