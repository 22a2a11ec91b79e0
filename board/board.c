// SPDX-License-Identifier: MIT
/*
 * `hexo board up|down|status`: start, stop and list emulated ARM64 boards.
 * A board is a daemonized qemu-system-aarch64 (TCG, virtualization=on)
 * booting Debian's arm64 kernel with an initramfs holding hexo-init, hexod
 * and hexo; it is registered in the node registry (lib/nodes.h) as kind
 * "board". See docs/board.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hexo/image.h>

#include "board.h"
#include "board_int.h"
#include "nodes.h"
#include "secret.h"

#define DEFAULT_MEM   (2ull << 30)
#define MIN_MEM       (256ull << 20)
#define MAX_MEM       (1ull << 40)
#define MAX_CPUS      64
#define READY_TIMEOUT 120.0
#define POWEROFF_WAIT 30.0
#define TAIL_LINES    15

struct opts {
	const char *cmd;
	const char *name;
	uint64_t mem;
	unsigned cpus;
};

/* What the state folder's board.conf records next to the registry entry. */
struct board_conf {
	uint64_t mem;
	unsigned cpus;
	long long started; /* wall clock, seconds */
	double ready;      /* seconds from QEMU start to agent ready */
	char kernel[200];
};

static void usage(FILE *f)
{
	fputs("usage: hexo board up --name NAME [--mem SIZE] [--cpus N]\n"
	      "       hexo board down --name NAME\n"
	      "       hexo board status [--name NAME]\n"
	      "SIZE is bytes with a K, M, G or T suffix (plain numbers are MiB); "
	      "defaults: --mem 2G --cpus 1\n",
	      f);
}

static int fail(const char *msg)
{
	fprintf(stderr, "hexo board: %s\n", msg);
	return 1;
}

/* --- options ------------------------------------------------------------------ */

static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	unsigned shift = 20;
	const char *u;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (u) {
		shift = 10 * (unsigned)(u - units + 1);
		end++;
	}
	if (*end && (!u || (strcasecmp(end, "iB") && strcasecmp(end, "B"))))
		return -EINVAL;
	if (v > (MAX_MEM >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static int opt_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
	size_t n = strlen(opt);

	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (strcmp(argv[*i], opt))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "hexo board: %s needs a value\n", opt);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

static int parse_one(struct opts *o, int argc, char **argv, int *i)
{
	const char *v;
	char *end;
	int r;

	if ((r = opt_value(argc, argv, i, "--name", &v)) != 0) {
		o->name = v;
		return r < 0 ? -EINVAL : 0;
	}
	if ((r = opt_value(argc, argv, i, "--mem", &v)) != 0) {
		if (r > 0 && (parse_size(v, &o->mem) || o->mem < MIN_MEM)) {
			fprintf(stderr,
			        "hexo board: --mem %s: give a size from 256M to 1T, e.g. 2G\n", v);
			return -EINVAL;
		}
		return r < 0 ? -EINVAL : 0;
	}
	if ((r = opt_value(argc, argv, i, "--cpus", &v)) != 0) {
		o->cpus = r > 0 ? (unsigned)strtoul(v, &end, 10) : 0;
		if (r < 0 || *end || !o->cpus || o->cpus > MAX_CPUS) {
			fprintf(stderr, "hexo board: --cpus %s: give a number from 1 to %d\n",
			        r > 0 ? v : "", MAX_CPUS);
			return -EINVAL;
		}
		return 0;
	}
	fprintf(stderr, "hexo board: unknown option %s (hexo board --help lists them)\n", argv[*i]);
	return -EINVAL;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	int i;

	o->mem = DEFAULT_MEM;
	o->cpus = 1;
	for (i = 2; i < argc; i++) {
		if (parse_one(o, argc, argv, &i))
			return -EINVAL;
	}
	if (o->name && !hexo_node_name_valid(o->name)) {
		fprintf(stderr,
		        "hexo board: bad name \"%s\": use letters, digits, '_', '.' and "
		        "'-' (at most %d)\n",
		        o->name, HEXO_NODE_NAME_MAX - 1);
		return -EINVAL;
	}
	if (!o->name && strcmp(o->cmd, "status")) {
		fprintf(stderr, "hexo board: %s needs --name NAME\n", o->cmd);
		return -EINVAL;
	}
	return 0;
}

/* --- state folder ------------------------------------------------------------- */

static int boards_root(char *buf, size_t len, char *err, size_t errlen)
{
	char base[PATH_MAX], tmp[PATH_MAX];
	int ret;

	ret = hexo_state_dir(base, sizeof(base), err, errlen);
	if (ret)
		return ret;
	ret = board_path(tmp, sizeof(tmp), base, "boards");
	if (!ret)
		ret = hexo_mkdir_p(tmp, 0700);
	if (!ret && len < PATH_MAX)
		ret = -ENAMETOOLONG;
	if (ret || !realpath(tmp, buf)) {
		ret = ret ? ret : -errno;
		hexo_seterr(err, errlen, "cannot create %s: %s", tmp, strerror(-ret));
		return ret;
	}
	return 0;
}

static int lock_name(const char *root, const char *name, int *fd, char *err, size_t errlen)
{
	char p[PATH_MAX];
	int e;

	if (snprintf(p, sizeof(p), "%s/.%s.lock", root, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	*fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		e = errno;
		hexo_seterr(err, errlen, "cannot open %s: %s", p, strerror(e));
		return -e;
	}
	if (!flock(*fd, LOCK_EX | LOCK_NB))
		return 0;
	close(*fd);
	*fd = -1;
	hexo_seterr(err, errlen, "board %s is in use: another 'hexo board' command is working on it",
	          name);
	return -EBUSY;
}

static int conf_write(const char *dir, const struct board_conf *c)
{
	char p[PATH_MAX], text[512];
	int n;

	n = snprintf(text, sizeof(text), "mem=%llu\ncpus=%u\nstarted=%lld\nready=%.1f\nkernel=%s\n",
	             (unsigned long long)c->mem, c->cpus, c->started, c->ready, c->kernel);
	if (board_path(p, sizeof(p), dir, "board.conf"))
		return -ENAMETOOLONG;
	return hexo_write_file_atomic(p, text, (size_t)n, 0600);
}

static void conf_read(const char *dir, struct board_conf *c)
{
	char p[PATH_MAX], *text = NULL, *line, *save = NULL;
	unsigned long long mem;

	memset(c, 0, sizeof(*c));
	if (board_path(p, sizeof(p), dir, "board.conf") || board_read_file(p, &text, NULL))
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "mem=%llu", &mem) == 1)
			c->mem = mem;
		sscanf(line, "cpus=%u", &c->cpus);
		sscanf(line, "started=%lld", &c->started);
		sscanf(line, "ready=%lf", &c->ready);
		if (!strncmp(line, "kernel=", 7))
			snprintf(c->kernel, sizeof(c->kernel), "%s", line + 7);
	}
	free(text);
}

/* Drops what a stopped board leaves behind but its logs. */
static void dir_clean(const char *dir)
{
	static const char *const files[] = {"initramfs.cpio", "initramfs.cpio.tmp", "monitor.sock",
	                                    "qemu.pid",       "board.conf",         NULL};
	char p[PATH_MAX];
	int i;

	for (i = 0; files[i]; i++) {
		if (!board_path(p, sizeof(p), dir, files[i]))
			unlink(p);
	}
}

/* --- up ----------------------------------------------------------------------- */

static int aarch64_bindir(char *buf, size_t len)
{
	static const char *const rel[] = {"../aarch64/bin", "../lib/hexo/aarch64/bin", NULL};
	const char *env = getenv("HEXO_AARCH64_BIN");
	char exe[PATH_MAX], p[PATH_MAX], *slash;
	ssize_t n;
	int i;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (i = 0; rel[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s/hexo-init", exe, rel[i]);
		if (!access(p, R_OK))
			break;
	}
	snprintf(p, sizeof(p), "%s/%s", exe, rel[rel[i] ? i : 0]);
	if (len < PATH_MAX || !realpath(p, buf))
		snprintf(buf, len, "%s", p);
	return 0;
}

static int find_bins(struct board_rootfs *fs, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	aarch64_bindir(dir, sizeof(dir));
	if (board_path(fs->init, sizeof(fs->init), dir, "hexo-init") ||
	    board_path(fs->hexod, sizeof(fs->hexod), dir, "hexod") ||
	    board_path(fs->hexo, sizeof(fs->hexo), dir, "hexo"))
		return -ENAMETOOLONG;
	if (access(fs->init, R_OK)) {
		hexo_seterr(err, errlen,
		          "%s is missing: build it with make board (or set "
		          "HEXO_AARCH64_BIN)",
		          fs->init);
		return -ENOENT;
	}
	if (access(fs->hexod, R_OK)) {
		board_progress("warning: %s is not built yet: the board will run no agent",
		               fs->hexod);
		fs->hexod[0] = '\0';
	}
	if (access(fs->hexo, R_OK)) {
		board_progress("warning: %s is not built yet: jobs cannot run on the board",
		               fs->hexo);
		fs->hexo[0] = '\0';
	}
	return 0;
}

static int check_free(const char *name, char *err, size_t errlen)
{
	struct hexo_node n;
	char lerr[BOARD_ERR_MAX];
	int ret;

	ret = hexo_node_load(name, &n, lerr, sizeof(lerr));
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		hexo_seterr(err, errlen, "%s", lerr);
		return ret;
	}
	if (strcmp(n.kind, "board")) {
		hexo_seterr(err, errlen, "the name %s is taken by a %s node: choose another --name",
		          name, n.kind);
		return -EEXIST;
	}
	if (board_qemu_alive(n.pid, n.dir)) {
		hexo_seterr(err, errlen,
		          "board %s is already running (QEMU pid %d, agent at %s:%u): "
		          "run hexo board down --name %s first",
		          name, (int)n.pid, n.host, (unsigned)n.port, name);
		return -EEXIST;
	}
	board_progress("replacing the stale entry of board %s (QEMU pid %d is gone)", name,
	               (int)n.pid);
	return 0;
}

static void print_tail(const char *dir)
{
	char p[PATH_MAX], *text = NULL, *s;
	int lines = 0;

	if (board_path(p, sizeof(p), dir, "console.log") || board_read_file(p, &text, NULL))
		return;
	for (s = text + strlen(text); s > text; s--) {
		if (s[-1] == '\n' && s[0] && ++lines > TAIL_LINES)
			break;
	}
	fprintf(stderr, "hexo board: last lines of %s:\n", p);
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "  | %s\n", line);
	free(text);
}

/* hexo-init logs "hexo-init: [ uptime] ready: ..." once the agent listens. */
static int has_ready_line(const char *text)
{
	const char *p = text, *close;

	while ((p = strstr(p, BOARD_INIT_PREFIX))) {
		close = strchr(p, ']');
		if (close && !strncmp(close, BOARD_READY_MARK, strlen(BOARD_READY_MARK)) &&
		    !memchr(p, '\n', (size_t)(close - p)))
			return 1;
		p += strlen(BOARD_INIT_PREFIX);
	}
	return 0;
}

static int console_state(const char *dir, char *err, size_t errlen)
{
	char p[PATH_MAX], line[256], *text = NULL, *panic;
	int ready;

	if (board_path(p, sizeof(p), dir, "console.log") || board_read_file(p, &text, NULL))
		return 0;
	ready = has_ready_line(text);
	panic = strstr(text, "Kernel panic");
	if (panic) {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(panic, "\r\n"), panic);
		hexo_seterr(err, errlen, "the board's kernel panicked: %s", line);
		ready = -EIO;
	}
	free(text);
	return ready;
}

static double ready_timeout(void)
{
	const char *env = getenv("HEXO_BOARD_TIMEOUT");
	double t = env ? atof(env) : 0;

	return t > 0 ? t : READY_TIMEOUT;
}

struct wait {
	const struct board_vm *vm;
	const char *secret; /* NULL: the board has no agent */
	double t0;
	char agent[128]; /* what the agent's PONG said */
};

/*
 * A PING that failed in transport (nothing listens yet, the connection was
 * dropped, no answer in time) is tried again; an answer from the agent that
 * refuses us (wrong secret, another protocol version) is final.
 */
static int ping_verdict(int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -EPIPE:
	case -ETIMEDOUT:
	case -EINTR:
	case -EAGAIN:
		return -EAGAIN;
	default:
		return ret;
	}
}

static int wait_step(struct wait *w, int *marked, char *err, size_t errlen)
{
	if (!board_qemu_alive(w->vm->pid, w->vm->dir)) {
		hexo_seterr(err, errlen, "QEMU exited while board %s was booting", w->vm->name);
		return -ECHILD;
	}
	if (!*marked)
		*marked = console_state(w->vm->dir, err, errlen);
	if (*marked < 0)
		return *marked;
	if (!*marked)
		return -EAGAIN;
	if (!w->secret)
		return 0;
	return ping_verdict(board_agent_ping(w->vm->port, w->secret, w->agent, sizeof(w->agent),
					     err, errlen));
}

/* Returns 0 once the agent answers a PING (without one: hexo-init is ready). */
static int wait_ready(struct wait *w, char *err, size_t errlen)
{
	double timeout = ready_timeout(), next_dot = w->t0 + 1.0;
	char last[BOARD_ERR_MAX] = "";
	int marked = 0, ret;

	for (;;) {
		ret = wait_step(w, &marked, last, sizeof(last));
		if (ret != -EAGAIN) {
			if (ret)
				hexo_seterr(err, errlen, "%s", last);
			return ret;
		}
		if (board_now() - w->t0 > timeout) {
			hexo_seterr(err, errlen,
			          "board %s was not ready within %.0f s%s%s (set "
			          "HEXO_BOARD_TIMEOUT to wait longer)",
			          w->vm->name, timeout, last[0] ? ": " : "", last);
			return -ETIMEDOUT;
		}
		if (board_now() > next_dot) {
			fputc('.', stderr);
			next_dot += 1.0;
		}
		usleep(marked ? 500000 : 250000);
	}
}

struct up {
	struct board_kernel kernel;
	struct board_rootfs fs;
	struct board_vm vm;
	struct hexo_node node;
	struct board_conf conf;
	struct wait wait;
	char qemu[PATH_MAX], initrd[PATH_MAX], root[PATH_MAX];
	char err[BOARD_ERR_MAX];
};

static int up_prepare(struct up *u, const struct opts *o)
{
	int ret;

	ret = board_kernel_get(&u->kernel, u->err, sizeof(u->err));
	if (ret)
		return ret;
	if (board_path(u->vm.dir, sizeof(u->vm.dir), u->root, o->name) ||
	    board_path(u->initrd, sizeof(u->initrd), u->vm.dir, "initramfs.cpio"))
		return -ENAMETOOLONG;
	ret = hexo_mkdir_p(u->vm.dir, 0700);
	if (ret) {
		hexo_seterr(u->err, sizeof(u->err), "cannot create %s: %s", u->vm.dir,
		          strerror(-ret));
		return ret;
	}
	dir_clean(u->vm.dir);
	ret = hexo_secret_new(u->node.secret);
	if (ret) {
		hexo_seterr(u->err, sizeof(u->err), "cannot get random bytes: %s", strerror(-ret));
		return ret;
	}
	u->fs.kernel = &u->kernel;
	u->fs.secret = u->node.secret;
	return board_initramfs_write(u->initrd, &u->fs, u->err, sizeof(u->err));
}

static int up_register(struct up *u, const struct opts *o)
{
	struct hexo_node *n = &u->node;

	snprintf(n->name, sizeof(n->name), "%s", o->name);
	snprintf(n->kind, sizeof(n->kind), "board");
	snprintf(n->host, sizeof(n->host), "127.0.0.1");
	n->port = u->vm.port;
	n->isa = HEXO_ISA_AARCH64;
	n->pid = (int32_t)u->vm.pid;
	snprintf(n->dir, sizeof(n->dir), "%s", u->vm.dir);
	return hexo_node_save(n, u->err, sizeof(u->err));
}

static int up_boot(struct up *u, const struct opts *o)
{
	char kimg[PATH_MAX];
	double t0;
	int ret;

	if (board_path(kimg, sizeof(kimg), u->kernel.dir, "vmlinuz"))
		return -ENAMETOOLONG;
	u->vm.name = o->name;
	u->vm.mem = o->mem;
	u->vm.cpus = o->cpus;
	u->vm.kernel_image = kimg;
	t0 = board_now();
	ret = board_qemu_start(&u->vm, u->qemu, u->initrd, u->err, sizeof(u->err));
	if (ret)
		return ret;
	u->conf = (struct board_conf){.mem = o->mem, .cpus = o->cpus, .started = time(NULL)};
	snprintf(u->conf.kernel, sizeof(u->conf.kernel), "%s %s", u->kernel.release,
	         u->kernel.debver);
	conf_write(u->vm.dir, &u->conf);
	ret = up_register(u, o);
	if (ret)
		goto stop;
	board_progress("booting board %s (QEMU pid %d, kernel %s, agent port %u)", o->name,
	               (int)u->vm.pid, u->kernel.release, (unsigned)u->vm.port);
	u->wait = (struct wait){.vm = &u->vm, .t0 = t0};
	u->wait.secret = u->fs.hexod[0] ? u->node.secret : NULL;
	ret = wait_ready(&u->wait, u->err, sizeof(u->err));
	fputc('\n', stderr);
	if (ret)
		goto unregister;
	u->conf.ready = board_now() - t0;
	conf_write(u->vm.dir, &u->conf);
	return 0;
unregister:
	print_tail(u->vm.dir);
	hexo_node_remove(o->name, NULL, 0);
stop:
	board_qemu_stop(u->vm.pid, u->vm.dir, 0, NULL, 0);
	return ret;
}

static int cmd_up(const struct opts *o)
{
	struct up *u = calloc(1, sizeof(*u));
	char mem[32];
	int lock = -1, ret;

	if (!u)
		return fail("out of memory");
	ret = board_qemu_find(u->qemu, sizeof(u->qemu), u->err, sizeof(u->err));
	if (!ret)
		ret = find_bins(&u->fs, u->err, sizeof(u->err));
	if (!ret)
		ret = boards_root(u->root, sizeof(u->root), u->err, sizeof(u->err));
	if (!ret)
		ret = lock_name(u->root, o->name, &lock, u->err, sizeof(u->err));
	if (!ret)
		ret = check_free(o->name, u->err, sizeof(u->err));
	if (!ret)
		ret = up_prepare(u, o);
	if (!ret)
		ret = up_boot(u, o);
	if (ret) {
		fail(u->err[0] ? u->err : strerror(-ret));
	} else {
		board_fmt_size(o->mem, mem, sizeof(mem));
		printf(
		    "board %s is up: agent at 127.0.0.1:%u (%s), %s, %u cpu%s, ready in %.1f s\n",
		    o->name, (unsigned)u->vm.port, u->fs.hexod[0] ? u->wait.agent : "no agent", mem,
		    o->cpus, o->cpus > 1 ? "s" : "", u->conf.ready);
	}
	if (lock >= 0)
		close(lock);
	free(u);
	return ret ? 1 : 0;
}

/* --- down --------------------------------------------------------------------- */

static int load_board(const char *name, struct hexo_node *n, char *err, size_t errlen)
{
	int ret = hexo_node_load(name, n, err, errlen);

	if (ret == -ENOENT)
		hexo_seterr(err, errlen, "no board named %s (hexo board status lists them)", name);
	else if (!ret && strcmp(n->kind, "board")) {
		hexo_seterr(err, errlen, "%s is a %s node, not a board", name, n->kind);
		ret = -EINVAL;
	}
	return ret;
}

static int cmd_down(const struct opts *o)
{
	char root[PATH_MAX], err[BOARD_ERR_MAX] = "";
	struct hexo_node n;
	int lock = -1, alive, ret;
	double t0 = board_now();

	ret = boards_root(root, sizeof(root), err, sizeof(err));
	if (!ret)
		ret = lock_name(root, o->name, &lock, err, sizeof(err));
	if (!ret)
		ret = load_board(o->name, &n, err, sizeof(err));
	if (ret)
		goto out;
	alive = board_qemu_alive(n.pid, n.dir);
	if (alive) {
		board_progress("powering off board %s (QEMU pid %d)", o->name, (int)n.pid);
		ret = board_qemu_stop(n.pid, n.dir, POWEROFF_WAIT, err, sizeof(err));
		if (ret)
			goto out;
	}
	ret = hexo_node_remove(o->name, err, sizeof(err));
	if (ret)
		goto out;
	dir_clean(n.dir);
	if (alive)
		printf("board %s is down (stopped in %.1f s)\n", o->name, board_now() - t0);
	else
		printf("board %s was not running: its stale entry is removed\n", o->name);
out:
	if (lock >= 0)
		close(lock);
	return ret ? fail(err[0] ? err : strerror(-ret)) : 0;
}

/* --- status ------------------------------------------------------------------- */

struct status {
	const char *only;
	int shown, dead;
};

static int show_board(const struct hexo_node *n, void *arg)
{
	struct status *st = arg;
	struct board_conf c;
	char addr[300], up[32] = "-", mem[32] = "-";
	int alive;

	if (strcmp(n->kind, "board") || (st->only && strcmp(st->only, n->name)))
		return 0;
	conf_read(n->dir, &c);
	alive = board_qemu_alive(n->pid, n->dir);
	if (!st->shown++)
		printf("%-16s %-8s %-22s %-8s %-6s %-4s %s\n", "NAME", "STATE", "ADDRESS", "UPTIME",
		       "MEM", "CPUS", "PID");
	snprintf(addr, sizeof(addr), "%s:%u", n->host, (unsigned)n->port);
	if (alive && c.started)
		board_fmt_duration((double)(time(NULL) - c.started), up, sizeof(up));
	if (c.mem)
		board_fmt_size(c.mem, mem, sizeof(mem));
	printf("%-16s %-8s %-22s %-8s %-6s %-4u %d\n", n->name, alive ? "running" : "dead", addr,
	       up, mem, c.cpus, (int)n->pid);
	if (!alive) {
		st->dead++;
		fprintf(stderr,
		        "hexo board: %s is stale (QEMU pid %d is gone): hexo board down "
		        "--name %s removes it\n",
		        n->name, (int)n->pid, n->name);
	}
	return 0;
}

static int cmd_status(const struct opts *o)
{
	struct status st = {.only = o->name};
	char err[BOARD_ERR_MAX] = "";
	int ret;

	ret = hexo_node_foreach(show_board, &st, err, sizeof(err));
	if (ret)
		return fail(err[0] ? err : strerror(-ret));
	if (o->name && !st.shown) {
		snprintf(err, sizeof(err), "no board named %s (hexo board status lists them)",
		         o->name);
		return fail(err);
	}
	if (!st.shown)
		printf("no boards (hexo board up --name NAME starts one)\n");
	return o->name && st.dead ? 3 : 0;
}

int board_main(int argc, char **argv)
{
	struct opts o = {0};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	o.cmd = argv[1];
	if (strcmp(o.cmd, "up") && strcmp(o.cmd, "down") && strcmp(o.cmd, "status")) {
		fprintf(stderr, "hexo board: unknown command %s: use up, down or status\n", o.cmd);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	if (parse_opts(&o, argc, argv))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(o.cmd, "up"))
		return cmd_up(&o);
	if (!strcmp(o.cmd, "down"))
		return cmd_down(&o);
	return cmd_status(&o);
}
