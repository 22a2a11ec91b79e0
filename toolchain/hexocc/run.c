// SPDX-License-Identifier: MIT
/*
 * Running clang and ld.lld. Their own error messages go straight to our
 * stderr. SIGINT, SIGTERM and SIGHUP are caught: the running tool gets the
 * same signal, the caller sees -EINTR, removes the temporary folder and
 * re-raises the signal (main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hexocc.h"

extern char **environ;

static bool verbose;
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t child_pid;

static const int caught[] = {SIGINT, SIGTERM, SIGHUP};

void set_verbose(bool on)
{
	verbose = on;
}

void verbose_note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	stop_signal = sig;
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

void install_signal_handlers(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		/* Stay immune to a signal our parent ignores (nohup). */
		if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(caught[i], &sa, NULL);
	}
}

int caught_signal(void)
{
	return stop_signal;
}

static bool plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_./=,+:@%", c);
}

static void print_arg(const char *a)
{
	bool plain = *a != 0;

	for (const char *c = a; *c && plain; c++)
		plain = plain_char(*c);
	if (plain) {
		fputs(a, stderr);
		return;
	}
	fputc('\'', stderr);
	for (const char *c = a; *c; c++) {
		if (*c == '\'')
			fputs("'\\''", stderr);
		else
			fputc(*c, stderr);
	}
	fputc('\'', stderr);
}

void print_command(char *const argv[])
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', stderr);
		print_arg(argv[i]);
	}
	fputc('\n', stderr);
}

static int spawn(char *const argv[], const posix_spawn_file_actions_t *fa, pid_t *pid)
{
	int err;

	if (verbose)
		print_command(argv);
	err = posix_spawnp(pid, argv[0], fa, NULL, argv, environ);
	if (err == ENOENT) {
		fprintf(stderr,
		        "hexocc: %s: not found: install clang and lld (make deps), or set "
		        "HEXO_CLANG / HEXO_LLD\n",
		        argv[0]);
		return -ENOENT;
	}
	if (err) {
		fprintf(stderr, "hexocc: %s: cannot run: %s\n", argv[0], strerror(err));
		return -err;
	}
	return 0;
}

static int wait_child(pid_t pid, const char *name)
{
	int status;

	child_pid = pid;
	if (stop_signal)
		kill(pid, stop_signal);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "hexocc: waiting for %s: %s\n", name, strerror(errno));
			child_pid = 0;
			return -EIO;
		}
	}
	child_pid = 0;
	if (stop_signal)
		return -EINTR;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "hexocc: %s killed by signal %d (%s)\n", name, WTERMSIG(status),
		        strsignal(WTERMSIG(status)));
	return -EIO;
}

int run_command(char *const argv[])
{
	pid_t pid;
	int ret;

	ret = spawn(argv, NULL, &pid);
	if (ret)
		return ret;
	return wait_child(pid, argv[0]);
}

/* Reads everything from fd; keeps the first line. */
static char *read_first_line(int fd)
{
	char buf[4096];
	size_t used = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == sizeof(buf) - 1) {
			/* Drain the rest; only the first line matters. */
			char sink[4096];

			while (read(fd, sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	buf[used] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	return xstrdup(buf);
}

int run_capture_line(char *const argv[], char **line)
{
	posix_spawn_file_actions_t fa;
	int fds[2], ret;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		fprintf(stderr, "hexocc: pipe: %s\n", strerror(errno));
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	ret = spawn(argv, &fa, &pid);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (ret)
		goto out_close;
	*line = read_first_line(fds[0]);
	ret = wait_child(pid, argv[0]);
	if (ret) {
		free(*line);
		*line = NULL;
	}
out_close:
	close(fds[0]);
	return ret;
}
