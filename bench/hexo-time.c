// SPDX-License-Identifier: MIT
/*
 * hexo-time: start-to-exit wall time of a command, over many runs.
 *
 *   hexo-time [-n RUNS] [-w WARMUP] [-s STATUS] [-e DIR] [-v] -- CMD [ARG...]
 *
 * Each run is fork + execvp + waitpid, timed with CLOCK_MONOTONIC from just
 * before fork() to just after waitpid() returns. The child's stdout goes to
 * /dev/null; its stderr to /dev/null, or to DIR/<run>.err with -e (run
 * numbers start at 1; warm-up runs are not kept). Every run must exit with
 * STATUS (default 0), else hexo-time stops with status 1.
 *
 * Prints one line of key=value pairs (times in milliseconds):
 *   runs=30 median_ms=2.104 min_ms=1.950 max_ms=3.001 mean_ms=2.150 stddev_ms=0.120
 * and with -v each run's time first ("run 1 2.104").
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: hexo-time [-n RUNS] [-w WARMUP] [-s STATUS] [-e DIR] [-v] -- CMD "
	                "[ARG...]\n");
	exit(2);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long parse_long(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "hexo-time: %s '%s': expected a number from %ld to %ld\n", what, s,
		        lo, hi);
		exit(2);
	}
	return v;
}

/* One run; returns its wall time in ms. Exits on any failure. */
static double run_once(char **cmd, int want_status, const char *err_path)
{
	double t0, t1;
	int status;
	pid_t pid;

	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("hexo-time: fork");
		exit(1);
	}
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY);
		int err = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)
		                   : open("/dev/null", O_WRONLY);

		if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 ||
		    dup2(err, STDERR_FILENO) < 0)
			_exit(126);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("hexo-time: waitpid");
			exit(1);
		}
	}
	t1 = now_ms();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want_status) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "hexo-time: %s killed by signal %d\n", cmd[0],
			        WTERMSIG(status));
		else
			fprintf(stderr, "hexo-time: %s exited with status %d, want %d%s%s\n",
			        cmd[0], WEXITSTATUS(status), want_status,
			        err_path ? "; stderr in " : "", err_path ? err_path : "");
		exit(1);
	}
	return t1 - t0;
}

int main(int argc, char **argv)
{
	long runs = 30, warmup = 2;
	int want_status = 0, verbose = 0, opt;
	const char *err_dir = NULL;

	while ((opt = getopt(argc, argv, "+n:w:s:e:vh")) != -1) {
		switch (opt) {
		case 'n':
			runs = parse_long(optarg, "-n", 1, 1000000);
			break;
		case 'w':
			warmup = parse_long(optarg, "-w", 0, 1000000);
			break;
		case 's':
			want_status = (int)parse_long(optarg, "-s", 0, 255);
			break;
		case 'e':
			err_dir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	char **cmd = &argv[optind];

	double *t = calloc((size_t)runs, sizeof(*t));
	if (!t) {
		perror("hexo-time");
		return 1;
	}
	for (long i = 0; i < warmup; i++)
		run_once(cmd, want_status, NULL);
	for (long i = 0; i < runs; i++) {
		char path[4096];
		const char *p = NULL;

		if (err_dir) {
			snprintf(path, sizeof(path), "%s/%ld.err", err_dir, i + 1);
			p = path;
		}
		t[i] = run_once(cmd, want_status, p);
		if (verbose)
			printf("run %ld %.3f\n", i + 1, t[i]);
	}

	double sum = 0, sq = 0;
	for (long i = 0; i < runs; i++)
		sum += t[i];
	double mean = sum / (double)runs;
	for (long i = 0; i < runs; i++)
		sq += (t[i] - mean) * (t[i] - mean);
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	double median = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
	printf("runs=%ld median_ms=%.3f min_ms=%.3f max_ms=%.3f mean_ms=%.3f stddev_ms=%.3f\n",
	       runs, median, t[0], t[runs - 1], mean,
	       runs > 1 ? sqrt(sq / (double)(runs - 1)) : 0.0);
	free(t);
	return 0;
}
