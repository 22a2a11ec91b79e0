// SPDX-License-Identifier: MIT
/* Small helpers for `hexo board`: files, processes, formatting. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "board_int.h"


void board_progress(const char *fmt, ...)
{
	va_list ap;

	fputs("hexo board: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double board_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int board_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int read_fd(int fd, char **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				goto nomem;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*data = buf;
	if (len)
		*len = n;
	return 0;
nomem:
	free(buf);
	return -ENOMEM;
}

int board_read_file(const char *path, char **data, size_t *len)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_fd(fd, data, len);
	close(fd);
	return ret;
}

static void run_child(char *const argv[], const char *cwd, int out)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (cwd && chdir(cwd))
		_exit(126);
	setenv("LC_ALL", "C", 1);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int board_run(char *const argv[], const char *cwd, char **out)
{
	int pfd[2], status, ret;
	char *text = NULL;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return ret;
	}
	if (pid == 0)
		run_child(argv, cwd, pfd[1]);
	close(pfd[1]);
	ret = read_fd(pfd[0], &text, NULL);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = -EIO;
	if (out)
		*out = text;
	else
		free(text);
	return ret;
}

void board_last_line(const char *text, const char *prefix, char *buf, size_t len)
{
	const char *p = text, *nl;
	size_t plen = strlen(prefix), n;

	buf[0] = '\0';
	while (p && *p) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (n && n >= plen && !strncmp(p, prefix, plen))
			snprintf(buf, len, "%.*s", (int)n, p);
		p = nl ? nl + 1 : NULL;
	}
}

int board_find_exe(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *colon;
	size_t n;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (!n)
			continue;
		if (snprintf(buf, len, "%.*s/%s", (int)n, p, name) >= (int)len)
			continue;
		if (!access(buf, X_OK))
			return 0;
	}
	return -ENOENT;
}

void board_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
}

void board_fmt_duration(double s, char *buf, size_t len)
{
	unsigned long t = s < 0 ? 0 : (unsigned long)s;

	if (t < 60)
		snprintf(buf, len, "%lus", t);
	else if (t < 3600)
		snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
	else
		snprintf(buf, len, "%lud%02luh", t / 86400, t / 3600 % 24);
}
