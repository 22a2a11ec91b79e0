// SPDX-License-Identifier: MIT
/* Hardware counters of one thread (lib/counters.h). */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counters.h"

static const uint64_t events[HEXO_CTR_N] = {
    [HEXO_CTR_INSTR] = PERF_COUNT_HW_INSTRUCTIONS,
    [HEXO_CTR_LLC_REFS] = PERF_COUNT_HW_CACHE_REFERENCES,
    [HEXO_CTR_LLC_MISSES] = PERF_COUNT_HW_CACHE_MISSES,
};

static int open_one(uint64_t config, pid_t tid, bool on_exec)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.inherit = 1;
	a.disabled = on_exec;
	a.enable_on_exec = on_exec;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	fd = syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

int hexo_counters_available(char *why, size_t n)
{
	const char *hint = "";
	int fd = open_one(PERF_COUNT_HW_INSTRUCTIONS, 0, false);

	if (fd >= 0) {
		close(fd);
		if (why && n)
			why[0] = '\0';
		return 1;
	}
	switch (-fd) {
	case ENOENT:
	case EOPNOTSUPP:
		hint = ": this CPU (or VM) exposes no instruction counter";
		break;
	case ENODEV:
		hint = ": no PMU here (a VM without a virtual PMU?)";
		break;
	case EACCES:
	case EPERM:
		hint = ": not allowed (see /proc/sys/kernel/perf_event_paranoid)";
		break;
	case ENOSYS:
		hint = ": the kernel has no perf events";
		break;
	}
	if (why && n)
		snprintf(why, n, "perf_event_open(instructions): %s%s", strerror(-fd), hint);
	return 0;
}

static int open_all(pid_t tid, bool enable_on_exec, struct hexo_counters *c)
{
	for (int i = 0; i < HEXO_CTR_N; i++)
		c->fd[i] = -1;
	for (int i = 0; i < HEXO_CTR_N; i++) {
		c->fd[i] = open_one(events[i], tid, enable_on_exec);
		if (c->fd[i] < 0 && i == HEXO_CTR_INSTR)
			return c->fd[i]; /* the others are not tried */
		if (c->fd[i] < 0)
			c->fd[i] = -1;
	}
	return 0;
}

int hexo_counters_open(pid_t tid, struct hexo_counters *c)
{
	return open_all(tid, false, c);
}

int hexo_counters_open_on_exec(pid_t tid, struct hexo_counters *c)
{
	return open_all(tid, true, c);
}

int hexo_counters_read(const struct hexo_counters *c, struct hexo_counter_values *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < HEXO_CTR_N; i++) {
		uint64_t buf[3]; /* value, time enabled, time running */

		if (c->fd[i] < 0 || read(c->fd[i], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			continue;
		/* multiplexed: scale up to the whole time it was enabled */
		if (buf[2] && buf[2] < buf[1])
			buf[0] = (uint64_t)((double)buf[0] * (double)buf[1] / (double)buf[2]);
		out->v[i] = buf[0];
		out->ok[i] = true;
	}
	return out->ok[HEXO_CTR_INSTR] ? 0 : -EIO;
}

void hexo_counters_close(struct hexo_counters *c)
{
	for (int i = 0; i < HEXO_CTR_N; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
}
