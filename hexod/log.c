// SPDX-License-Identifier: MIT
/*
 * Event log: one line per event, written with a single write() to a file
 * opened with O_APPEND, so lines from concurrent connection processes do not
 * mix. Format:
 *   2025-01-31T12:00:00.123Z hexod[PID] PEER #CONN: message
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hexod.h"

static int log_fd = STDERR_FILENO;
static char log_conn[128];

int hexod_log_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	log_fd = fd;
	return 0;
}

void hexod_log_set_conn(const char *peer, unsigned id)
{
	snprintf(log_conn, sizeof(log_conn), " %s #%u", peer, id);
}

/* Replaces control characters so one event stays one line. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void hexod_log(const char *fmt, ...)
{
	char line[1536], msg[1200], stamp[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize(msg);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ hexod[%d]%s: %s\n", stamp,
	             (long)(tv.tv_usec / 1000), (int)getpid(), log_conn, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(log_fd, line, (size_t)n) < 0)
		return;
}
