// SPDX-License-Identifier: MIT
/*
 * hexo node calibrate NODE [--against NODE2] [--quick] [--reps N] [--json]:
 * runs the calibration kernels (sched/calib/, built into build/calib/) here (or
 * on NODE2) and on NODE, each side the same iterations, compares their
 * checksums, and keeps NODE's slowdown per kernel and their geometric mean
 * in STATE/calib/NODE.json (lib/calib.h), the scheduler's prior for images
 * it has never seen there. Every kernel run is a child `hexo run [--on X]`
 * (this very binary), so a run here and a run on a node are measured the
 * same way; the kernels time their own iterations with the guest's clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calib.h"
#include "counters.h"
#include "err.h"
#include "fsutil.h"
#include "node_cmd.h"
#include "nodes.h"

/* The kernels, in the order they run; quick_size: their --quick working set. */
static const struct calib_kernel_def {
	const char *name;
	uint64_t quick_size;
} kernel_defs[] = {
    {"fp", 64},         /* oscillators */
    {"triad", 1 << 16}, /* doubles per array: 3 x 512 KiB */
    {"chase", 1 << 18}, /* slots: 1 MiB */
    {"sort", 1 << 16},  /* keys */
    {"branch", 1 << 13} /* numbers */
};
#define N_KERNELS (sizeof(kernel_defs) / sizeof(kernel_defs[0]))

struct cal_opts {
	const char *node, *against;
	bool json, quick;
	unsigned reps;
	double target_s; /* the reference's first run: iterations for this long */
};

/* One side: "local" or a node. */
struct side {
	const char *name;
	bool local;
};

/* What one kernel run printed and cost. */
struct run_result {
	uint64_t size, iters;
	char checksum[40];
	double seconds; /* the kernel's timed iterations */
	double wall;    /* the child process, start to exit */
	struct hexo_counter_values ctr;
	bool has_ctr;
};

struct cal_ctx {
	char hexo[PATH_MAX];     /* this binary */
	char kdir[PATH_MAX];     /* the kernel images */
	char tmp[PATH_MAX];      /* our temporary folder */
	char job[PATH_MAX + 8];  /* tmp/job: the kernels' (empty) job directory */
	char errf[PATH_MAX + 8]; /* tmp/stderr: the last run's stderr */
	bool counters;           /* count the reference's runs */
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: hexo node calibrate NODE [--against NODE2] [--quick] [--reps N] [--json]\n"
	    "Runs the calibration kernels (fp, triad, chase, sort, branch) here and on NODE,\n"
	    "the same iterations on both, and reports per kernel the time per iteration on\n"
	    "each side and NODE's slowdown (NODE / here), and their geometric mean: the\n"
	    "scheduler's prior slowdown on NODE for images it has never run there. The\n"
	    "result is kept in the state folder as calib/NODE.json.\n"
	    "  --against NODE2  measure the reference side on NODE2 instead of here (a\n"
	    "                   machine without /dev/kvm can calibrate one node against another)\n"
	    "  --quick          small working sets and short runs (a smoke test, not a measure)\n"
	    "  --reps N         runs per kernel and side, 1 to %d (default 3; 2 with --quick)\n"
	    "  --json           the result as JSON (the file's contents) instead of a table\n"
	    "Each side's time per iteration is its fastest run's. Progress goes to stderr,\n"
	    "one line per kernel run. See docs/sched.md, \"Slowdown estimates: calibration\".\n",
	    HEXO_CALIB_MAX_REPS);
}

/* SIGINT, SIGTERM or SIGHUP received: stop after the kernel run under way. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_opts(int argc, char **argv, struct cal_opts *o)
{
	*o = (struct cal_opts){0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--against") && i + 1 < argc) {
			o->against = argv[++i];
		} else if (!strncmp(a, "--against=", 10)) {
			o->against = a + 10;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--quick")) {
			o->quick = true;
		} else if ((!strcmp(a, "--reps") && i + 1 < argc) || !strncmp(a, "--reps=", 7)) {
			const char *v = a[6] == '=' ? a + 7 : argv[++i];
			char *end;
			long n = strtol(v, &end, 10);

			if (end == v || *end || n < 1 || n > HEXO_CALIB_MAX_REPS)
				return hexo_error(HEXO_EXIT_ERROR,
				                  "node calibrate: --reps '%s': expected 1 to %d",
				                  v, HEXO_CALIB_MAX_REPS);
			o->reps = (unsigned)n;
		} else if (!strcmp(a, "--against") || !strcmp(a, "--reps")) {
			return hexo_error(HEXO_EXIT_ERROR, "node calibrate: %s needs a value", a);
		} else if (a[0] == '-') {
			return hexo_error(
			    HEXO_EXIT_ERROR,
			    "node calibrate: unknown option '%s': see 'hexo node --help'", a);
		} else if (!o->node) {
			o->node = a;
		} else {
			return hexo_error(HEXO_EXIT_ERROR,
			                  "node calibrate: unexpected argument '%s'", a);
		}
	}
	if (!o->node)
		return hexo_error(
		    HEXO_EXIT_ERROR,
		    "usage: hexo node calibrate NODE [--against NODE2] [--quick] [--reps N] "
		    "[--json]");
	if (!o->reps)
		o->reps = o->quick ? 2 : 3;
	o->target_s = o->quick ? 0.1 : 1.0;
	return 0;
}

/* The folder of the kernel images: HEXO_CALIB_DIR, else next to this binary. */
static int find_kernels(struct cal_ctx *cx)
{
	const char *env = getenv("HEXO_CALIB_DIR");
	char bindir[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", cx->hexo, sizeof(cx->hexo) - 1);
	const char *cands[2] = {"%s/../calib", "%s/../lib/hexo/calib"};

	if (n <= 0)
		return hexo_error(HEXO_EXIT_ERROR, "node calibrate: /proc/self/exe: %s",
		                  n < 0 ? strerror(errno) : "empty");
	cx->hexo[n] = '\0';
	snprintf(bindir, sizeof(bindir), "%s", cx->hexo);
	*strrchr(bindir, '/') = '\0';
	for (size_t c = 0; c < (env && *env ? 1u : 2u); c++) {
		if (env && *env)
			snprintf(cx->kdir, sizeof(cx->kdir), "%s", env);
		else
			snprintf(cx->kdir, sizeof(cx->kdir), cands[c], bindir);
		snprintf(path, sizeof(path), "%s/%s.hexo", cx->kdir, kernel_defs[0].name);
		if (access(path, R_OK) == 0)
			break;
	}
	for (size_t k = 0; k < N_KERNELS; k++) {
		snprintf(path, sizeof(path), "%s/%s.hexo", cx->kdir, kernel_defs[k].name);
		if (access(path, R_OK))
			return hexo_error(
			    HEXO_EXIT_ERROR,
			    "node calibrate: calibration kernel '%s': %s: build it with 'make' "
			    "(or point HEXO_CALIB_DIR at the folder of the kernels' .hexo images)",
			    path, strerror(errno));
	}
	return 0;
}

/* The last non-empty line of the file (a child's stderr), for an error. */
static void last_line(const char *file, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(file, "r");

	snprintf(buf, len, "(no message)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}

/* Parses the kernel's five lines (sched/calib/kernel.h). */
static int parse_output(const char *out, struct run_result *r)
{
	const char *p;
	int got = 0;

	if ((p = strstr(out, "\nsize: ")) && sscanf(p, "\nsize: %" SCNu64, &r->size) == 1)
		got++;
	if ((p = strstr(out, "\niters: ")) && sscanf(p, "\niters: %" SCNu64, &r->iters) == 1)
		got++;
	if ((p = strstr(out, "\nchecksum: ")) && sscanf(p, "\nchecksum: %39s", r->checksum) == 1)
		got++;
	if ((p = strstr(out, "\nseconds: ")) && sscanf(p, "\nseconds: %lf", &r->seconds) == 1)
		got++;
	return got == 4 && r->iters > 0 && isfinite(r->seconds) && r->seconds > 0 ? 0 : -1;
}

/*
 * Runs kernel k on side s with iteration argument `arg` ("12" or "0.1s"):
 * this binary's `hexo run [--on NODE] --dir JOB IMAGE SIZE ARG`. 0 with *r
 * filled, or the exit status after the error line.
 */
static int run_kernel(struct cal_ctx *cx, const struct cal_opts *o, size_t k, const struct side *s,
                      const char *arg, struct run_result *r)
{
	char image[PATH_MAX + 64], size[32], out[8192], msg[512];
	const char *argv[12];
	struct hexo_counters ctr = {{-1, -1, -1}};
	int outp[2], gate[2] = {-1, -1}, status, errfd, ac = 0;
	size_t len = 0;
	ssize_t n;
	double t0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(image, sizeof(image), "%s/%s.hexo", cx->kdir, kernel_defs[k].name);
	snprintf(size, sizeof(size), "%lu",
	         o->quick ? (unsigned long)kernel_defs[k].quick_size : 0ul);
	argv[ac++] = "hexo";
	argv[ac++] = "run";
	if (!s->local) {
		argv[ac++] = "--on";
		argv[ac++] = s->name;
	}
	argv[ac++] = "--dir";
	argv[ac++] = cx->job;
	argv[ac++] = image;
	argv[ac++] = size;
	argv[ac++] = arg;
	argv[ac] = NULL;

	errfd = open(cx->errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (errfd < 0)
		return hexo_error(HEXO_EXIT_ERROR, "node calibrate: '%s': %s", cx->errf,
		                  strerror(errno));
	if (pipe2(outp, O_CLOEXEC) || (s->local && cx->counters && pipe2(gate, O_CLOEXEC))) {
		close(errfd);
		return hexo_error(HEXO_EXIT_ERROR, "node calibrate: pipe: %s", strerror(errno));
	}
	fflush(NULL);
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		close(errfd);
		return hexo_error(HEXO_EXIT_ERROR, "node calibrate: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		char c;
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errfd, 2) < 0)
			_exit(127);
		/* wait until the parent has attached the counters (they start at exec) */
		if (gate[0] >= 0 && read(gate[0], &c, 1) < 0)
			_exit(127);
		execv(cx->hexo, (char *const *)argv);
		dprintf(2, "hexo: exec '%s': %s\n", cx->hexo, strerror(errno));
		_exit(127);
	}
	close(errfd);
	close(outp[1]);
	if (gate[0] >= 0) {
		close(gate[0]);
		r->has_ctr = hexo_counters_open_on_exec(pid, &ctr) == 0;
		if (write(gate[1], "", 1) < 0) {
			/* the child is gone: its status says why */
		}
		close(gate[1]);
	}
	/* all of it, keeping what fits: a child never blocks on a full pipe */
	for (;;) {
		char chunk[4096];

		n = read(outp[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > sizeof(out) - 2 - len)
			n = (ssize_t)(sizeof(out) - 2 - len);
		memcpy(out + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	close(outp[0]);
	out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->wall = now_s() - t0;
	if (r->has_ctr) {
		r->has_ctr = hexo_counters_read(&ctr, &r->ctr) == 0;
		hexo_counters_close(&ctr);
	}
	if (stop_signal)
		return HEXO_EXIT_ERROR; /* the caller says why */
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		last_line(cx->errf, msg, sizeof(msg));
		if (WIFSIGNALED(status))
			return hexo_error(
			    HEXO_EXIT_ERROR,
			    "node calibrate: kernel '%s' on %s: killed by signal %d: %s",
			    kernel_defs[k].name, s->name, WTERMSIG(status), msg);
		return hexo_error(HEXO_EXIT_ERROR,
		                  "node calibrate: kernel '%s' on %s failed (exit %d): %s",
		                  kernel_defs[k].name, s->name, WEXITSTATUS(status), msg);
	}
	memmove(out + 1, out, len + 1); /* so that every line follows a '\n' */
	out[0] = '\n';
	if (parse_output(out, r))
		return hexo_error(
		    HEXO_EXIT_ERROR,
		    "node calibrate: kernel '%s' on %s printed no result (size, iters, "
		    "checksum, seconds): is '%s' a calibration kernel?",
		    kernel_defs[k].name, s->name, image);
	return 0;
}

/*
 * The fastest of the runs: what slows a run down here (the other processes
 * of the machine, a board's emulator being descheduled) only ever adds
 * time, so the minimum is the best estimate of the machine's own speed.
 */
static double fastest(const double *v, unsigned n)
{
	double m = v[0];

	for (unsigned i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static void progress(const char *kname, unsigned rep, unsigned reps, const struct side *s,
                     const struct run_result *r, const char *extra)
{
	fprintf(stderr,
	        "calibrate: %-6s %u/%u on %-12s %6lu iters in %8.3f s: %10.4f ms/iter (%.1f s "
	        "wall)%s\n",
	        kname, rep + 1, reps, s->name, (unsigned long)r->iters, r->seconds,
	        r->seconds * 1e3 / (double)r->iters, r->wall, extra);
}

/* Runs every kernel on both sides into c. 0 or the exit status after an error. */
static int measure(struct cal_ctx *cx, const struct cal_opts *o, const struct side *ref,
                   const struct side *node, struct hexo_calib *c)
{
	for (size_t k = 0; k < N_KERNELS; k++) {
		struct hexo_calib_kernel *ck = &c->kernels[c->n_kernels++];
		double hi[HEXO_CALIB_MAX_REPS], ni[HEXO_CALIB_MAX_REPS];
		double ctr[HEXO_CTR_N] = {0}, ctr_wall = 0;
		unsigned ctr_runs = 0;
		char arg[32];
		int ret;

		snprintf(ck->name, sizeof(ck->name), "%s", kernel_defs[k].name);
		ck->reps = o->reps;
		for (unsigned rep = 0; rep < o->reps; rep++) {
			struct run_result rr, nr;

			/* the first run finds the iterations that take target_s on the reference */
			if (rep == 0)
				snprintf(arg, sizeof(arg), "%gs", o->target_s);
			else
				snprintf(arg, sizeof(arg), "%lu", (unsigned long)ck->iters);
			if (stop_signal)
				goto stopped;
			ret = run_kernel(cx, o, k, ref, arg, &rr);
			if (stop_signal)
				goto stopped;
			if (ret)
				return ret;
			if (rep == 0) {
				ck->iters = rr.iters;
				ck->size = rr.size;
				snprintf(ck->checksum, sizeof(ck->checksum), "%s", rr.checksum);
				snprintf(arg, sizeof(arg), "%lu", (unsigned long)ck->iters);
			} else if (strcmp(rr.checksum, ck->checksum) || rr.iters != ck->iters) {
				return hexo_error(
				    HEXO_EXIT_ERROR,
				    "node calibrate: kernel '%s' gave checksum %s on %s, then %s "
				    "with the same arguments: the kernel is not deterministic",
				    ck->name, ck->checksum, ref->name, rr.checksum);
			}
			progress(ck->name, rep, o->reps, ref, &rr, "");
			if (rr.has_ctr) {
				for (int i = 0; i < HEXO_CTR_N; i++)
					ctr[i] += (double)rr.ctr.v[i];
				ctr_wall += rr.wall;
				ctr_runs++;
			}
			ret = run_kernel(cx, o, k, node, arg, &nr);
			if (stop_signal)
				goto stopped;
			if (ret)
				return ret;
			if (strcmp(nr.checksum, ck->checksum) || nr.size != ck->size ||
			    nr.iters != ck->iters)
				return hexo_error(
				    HEXO_EXIT_ERROR,
				    "node calibrate: kernel '%s': checksum %s on %s differs from %s on %s "
				    "(size %lu, %lu iterations): %s computes differently; nothing saved",
				    ck->name, nr.checksum, node->name, ck->checksum, ref->name,
				    (unsigned long)ck->size, (unsigned long)ck->iters, node->name);
			progress(ck->name, rep, o->reps, node, &nr, ", checksum agrees");
			ck->here_s[rep] = rr.seconds;
			ck->node_s[rep] = nr.seconds;
			hi[rep] = rr.seconds / (double)ck->iters;
			ni[rep] = nr.seconds / (double)ck->iters;
		}
		ck->here_iter_s = fastest(hi, o->reps);
		ck->node_iter_s = fastest(ni, o->reps);
		ck->slowdown = ck->node_iter_s / ck->here_iter_s;
		if (!(isfinite(ck->slowdown) && ck->slowdown > 0))
			return hexo_error(HEXO_EXIT_ERROR,
			                  "node calibrate: kernel '%s': no usable time (%g s per "
			                  "iteration on %s, %g s on %s)",
			                  ck->name, ck->here_iter_s, ref->name, ck->node_iter_s,
			                  node->name);
		if (ctr_runs == o->reps && ctr_wall > 0) {
			ck->has_counters = true;
			ck->ginstr_s = ctr[HEXO_CTR_INSTR] / ctr_wall / 1e9;
			ck->mllcref_s = ctr[HEXO_CTR_LLC_REFS] / ctr_wall / 1e6;
			ck->mllcmiss_s = ctr[HEXO_CTR_LLC_MISSES] / ctr_wall / 1e6;
		}
	}
	return 0;
stopped:
	hexo_error(HEXO_EXIT_ERROR, "node calibrate: stopped by signal %d (%s): nothing saved",
	           (int)stop_signal, strsignal(stop_signal));
	return 128 + stop_signal;
}

/* The counter model over the kernels, when every kernel has rates. */
static void fit_model(struct hexo_calib *c)
{
	double x1[HEXO_CALIB_MAX_KERNELS], x2[HEXO_CALIB_MAX_KERNELS], y[HEXO_CALIB_MAX_KERNELS];
	double coef[3];

	for (size_t i = 0; i < c->n_kernels; i++) {
		if (!c->kernels[i].has_counters)
			return;
		x1[i] = c->kernels[i].ginstr_s;
		x2[i] = c->kernels[i].mllcmiss_s;
		y[i] = c->kernels[i].slowdown;
	}
	if (hexo_calib_fit(x1, x2, y, c->n_kernels, coef)) {
		snprintf(c->counters, sizeof(c->counters),
		         "measured, but the kernels' rates determine no model");
		return;
	}
	c->has_model = true;
	c->model_a = coef[0];
	c->model_b = coef[1];
	c->model_c = coef[2];
}

static void print_table(const struct hexo_calib *c)
{
	printf("node %s against %s%s, %s\n", c->node, c->reference, c->quick ? " (--quick)" : "",
	       c->date);
	printf("%-8s %10s %8s %14s %14s %9s\n", "kernel", "size", "iters", "here ms/iter",
	       "node ms/iter", "slowdown");
	for (size_t i = 0; i < c->n_kernels; i++) {
		const struct hexo_calib_kernel *k = &c->kernels[i];

		printf("%-8s %10lu %8lu %14.4f %14.4f %9.2f\n", k->name, (unsigned long)k->size,
		       (unsigned long)k->iters, k->here_iter_s * 1e3, k->node_iter_s * 1e3,
		       k->slowdown);
	}
	printf("%-8s %58.2f   (min %.2f, max %.2f)\n", "geomean", c->geomean, c->min, c->max);
	if (c->has_model)
		printf("model: slowdown = %.4g + %.4g * Ginstr/s + %.4g * M LLC misses/s\n",
		       c->model_a, c->model_b, c->model_c);
}

int node_calibrate_main(int argc, char **argv)
{
	struct hexo_node node, other;
	struct side ref, target;
	struct hexo_calib *c;
	struct cal_opts o;
	struct cal_ctx cx = {0};
	char err[1024], why[256], path[PATH_MAX];
	struct tm tm;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret;
	if (hexo_node_load(o.node, &node, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (o.against) {
		if (hexo_node_load(o.against, &other, err, sizeof(err)))
			return hexo_error(HEXO_EXIT_ERROR, "%s", err);
		if (!strcmp(o.against, o.node))
			return hexo_error(
			    HEXO_EXIT_ERROR,
			    "node calibrate: --against names '%s' itself: give another node as "
			    "the reference",
			    o.node);
		ref = (struct side){other.name, false};
	} else {
		if (access("/dev/kvm", F_OK))
			return hexo_error(
			    HEXO_EXIT_ERROR,
			    "node calibrate: there is no /dev/kvm here to run the reference "
			    "side: calibrate against another node with --against NODE");
		if (access("/dev/kvm", R_OK | W_OK))
			return hexo_error(
			    HEXO_EXIT_ERROR,
			    "node calibrate: cannot use /dev/kvm here (%s) to run the reference "
			    "side: fix its permissions or calibrate with --against NODE",
			    strerror(errno));
		ref = (struct side){"local", true};
	}
	target = (struct side){node.name, false};
	ret = find_kernels(&cx);
	if (ret)
		return ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return hexo_error(HEXO_EXIT_ERROR, "out of memory");
	snprintf(c->node, sizeof(c->node), "%s", node.name);
	snprintf(c->reference, sizeof(c->reference), "%s", ref.name);
	c->time = (int64_t)time(NULL);
	gmtime_r(&(time_t){(time_t)c->time}, &tm);
	strftime(c->date, sizeof(c->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	c->quick = o.quick;

	/* counter rates only mean something for runs on this machine */
	if (!hexo_counters_available(why, sizeof(why))) {
		fprintf(stderr,
		        "counters: not available (%s): the prior is the geometric mean of the "
		        "kernels' slowdowns\n",
		        why);
		snprintf(c->counters, sizeof(c->counters), "not available (%s)", why);
	} else if (!ref.local) {
		fprintf(stderr,
		        "counters: not used (the reference is node %s, not this machine): the "
		        "prior is the geometric mean of the kernels' slowdowns\n",
		        ref.name);
		snprintf(c->counters, sizeof(c->counters), "not used (the reference is node %s)",
		         ref.name);
	} else {
		cx.counters = true;
	}

	snprintf(cx.tmp, sizeof(cx.tmp), "%s/hexo-calib.XXXXXX",
	         getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(cx.tmp)) {
		free(c);
		return hexo_error(HEXO_EXIT_ERROR, "node calibrate: temporary folder '%s': %s",
		                  cx.tmp, strerror(errno));
	}
	snprintf(cx.job, sizeof(cx.job), "%s/job", cx.tmp);
	snprintf(cx.errf, sizeof(cx.errf), "%s/stderr", cx.tmp);
	if (mkdir(cx.job, 0700)) {
		ret = hexo_error(HEXO_EXIT_ERROR, "node calibrate: '%s': %s", cx.job,
		                 strerror(errno));
		goto out;
	}
	/*
	 * A handler, not SIG_IGN: the child `hexo run`s get the default back at
	 * exec and stop with us (same process group); we clean up and say so.
	 */
	sigaction(SIGINT, &(struct sigaction){.sa_handler = on_stop}, NULL);
	sigaction(SIGTERM, &(struct sigaction){.sa_handler = on_stop}, NULL);
	sigaction(SIGHUP, &(struct sigaction){.sa_handler = on_stop}, NULL);
	fprintf(stderr, "calibrate: %s against %s: %zu kernels, %u runs each on each side%s\n",
	        node.name, ref.name, N_KERNELS, o.reps, o.quick ? " (--quick)" : "");
	ret = measure(&cx, &o, &ref, &target, c);
	if (ret)
		goto out;
	if (hexo_calib_summarize(c)) {
		ret = hexo_error(HEXO_EXIT_ERROR,
		                 "node calibrate: a kernel's slowdown is not a number > 0");
		goto out;
	}
	if (cx.counters)
		fit_model(c);
	if (hexo_calib_save(c, err, sizeof(err))) {
		ret = hexo_error(HEXO_EXIT_ERROR, "%s", err);
		goto out;
	}
	if (o.json) {
		char *text = hexo_calib_to_json(c);

		if (!text) {
			ret = hexo_error(HEXO_EXIT_ERROR, "out of memory");
			goto out;
		}
		fputs(text, stdout);
		free(text);
	} else {
		print_table(c);
	}
	if (!hexo_calib_path(c->node, path, sizeof(path), NULL, 0))
		fprintf(stderr, "calibrate: saved %s\n", path);
out:
	hexo_tree_rm(cx.tmp);
	free(c);
	return ret;
}
