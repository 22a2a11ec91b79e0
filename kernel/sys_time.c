// SPDX-License-Identifier: MIT
/*
 * newlib time calls: _gettimeofday, _times, clock_gettime, clock_getres,
 * nanosleep, sleep, usleep. The x86-64 newlib build has no libc/posix or
 * libc/unix, so the POSIX ones are provided here.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "hypercall.h"
#include "kernel.h"
#include "newlib_syscalls.h"

#define NSEC_PER_SEC 1000000000ll

/*
 * newlib's <time.h> shows the POSIX clock ids only when _POSIX_TIMERS and
 * friends are set; these are newlib's values.
 */
#ifndef CLOCK_PROCESS_CPUTIME_ID
#define CLOCK_PROCESS_CPUTIME_ID ((clockid_t)2)
#endif
#ifndef CLOCK_THREAD_CPUTIME_ID
#define CLOCK_THREAD_CPUTIME_ID ((clockid_t)3)
#endif
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif
#define HEXO_CLOCK_REALTIME_COARSE  ((clockid_t)0)
#define HEXO_CLOCK_MONOTONIC_RAW    ((clockid_t)5)
#define HEXO_CLOCK_MONOTONIC_COARSE ((clockid_t)6)
#define HEXO_CLOCK_BOOTTIME         ((clockid_t)7)

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += NSEC_PER_SEC;
	}
}

/* -1 for an unknown clock; the process and thread CPU clocks count all time. */
static int64_t clock_ns(clockid_t id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case HEXO_CLOCK_REALTIME_COARSE:
		return clock_real_ns();
	case CLOCK_MONOTONIC:
	case HEXO_CLOCK_MONOTONIC_RAW:
	case HEXO_CLOCK_MONOTONIC_COARSE:
	case HEXO_CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return (int64_t)clock_mono_ns();
	default:
		return -1;
	}
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int64_t ns = clock_ns(id);

	if (ns == -1) {
		errno = EINVAL;
		return -1;
	}
	if (!ts) {
		errno = EFAULT;
		return -1;
	}
	ns_to_timespec(ns, ts);
	return 0;
}

int clock_getres(clockid_t id, struct timespec *res)
{
	if (clock_ns(id) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	if (tv) {
		ns_to_timespec(clock_real_ns(), &ts);
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	if (tz) {
		struct timezone *z = tz;

		z->tz_minuteswest = 0;
		z->tz_dsttime = 0;
	}
	return 0;
}

/* clock() sums these in CLOCKS_PER_SEC units; all time is user time. */
clock_t _times(struct tms *buf)
{
	clock_t ticks = (clock_t)(clock_mono_ns() / (NSEC_PER_SEC / CLOCKS_PER_SEC));

	if (buf) {
		buf->tms_utime = ticks;
		buf->tms_stime = 0;
		buf->tms_cutime = 0;
		buf->tms_cstime = 0;
	}
	return ticks;
}

static int sleep_ns(uint64_t ns)
{
	int64_t ret = ns ? hc_nanosleep(ns) : 0;

	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!req) {
		errno = EFAULT;
		return -1;
	}
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= NSEC_PER_SEC) {
		errno = EINVAL;
		return -1;
	}
	if (rem) {
		rem->tv_sec = 0;
		rem->tv_nsec = 0;
	}
	if ((uint64_t)req->tv_sec >= UINT64_MAX / NSEC_PER_SEC)
		return sleep_ns(UINT64_MAX);
	return sleep_ns((uint64_t)req->tv_sec * NSEC_PER_SEC + (uint64_t)req->tv_nsec);
}

unsigned int sleep(unsigned int seconds)
{
	return sleep_ns((uint64_t)seconds * NSEC_PER_SEC) ? seconds : 0;
}

int usleep(useconds_t usec)
{
	return sleep_ns((uint64_t)usec * 1000);
}
