// SPDX-License-Identifier: MIT
/*
 * hexod --listen ADDR:PORT --secret-file FILE [--work DIR] [--hexo PATH]
 *       [--log FILE] [--port-file FILE] [--timeout SECS] [--max-conns N]
 * hexod --new-secret FILE
 *
 * Listens on TCP and serves each connection in its own process (conn.c).
 * SIGTERM/SIGINT stop it: connections are told, their jobs killed and temp
 * dirs removed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "hexod.h"
#include "secret.h"

/* hexod could not start (bad option, secret, folder or port). */
#define EXIT_START 2

#define MAX_CONNS_LIMIT 1024

static volatile sig_atomic_t got_term, got_chld;

/* One connection process. */
struct slot {
	pid_t pid;
	int authfd;   /* read end: one byte once authenticated, -1 after */
	bool authed;
	int64_t since; /* accepted at (ms): the oldest in the handshake goes first */
};

struct agent {
	struct hexod_cfg cfg;
	const char *secret_file, *log_file, *port_file;
	int lfd;
	struct slot *conns; /* max_conns + HEXOD_HANDSHAKES */
	struct pollfd *pfds; /* the listener's, then the conns' authfd */
	unsigned n_conns, next_id;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hexod --listen ADDR:PORT --secret-file FILE [options]\n"
	           "       hexod --new-secret FILE\n"
	           "Runs hexo jobs for authenticated clients (hexo run --on NODE).\n"
	           "  --listen ADDR:PORT   address to listen on (0.0.0.0:7470, [::]:7470,\n"
	           "                       127.0.0.1:0 for a free port)\n"
	           "  --secret-file FILE   shared secret: 64 hex characters\n"
	           "  --work DIR           folder for job temp dirs (default /tmp/hexod): hexod's\n"
	           "                       own, not a symlink, not group/other-writable\n"
	           "  --hexo PATH          the hexo binary (default: next to hexod)\n"
	           "  --log FILE           append the event log to FILE (default stderr)\n"
	           "  --port-file FILE     write the port listened on to FILE when ready\n"
	           "  --timeout SECS       handshake and upload timeout (default 30)\n"
	           "  --max-conns N        authenticated connections served at once (default 32);\n"
	           "                       besides, 8 in the handshake, the oldest dropped first\n"
	           "  --new-secret FILE    write a new random secret to FILE (mode 0600)\n"
	           "  --version            print the version\n");
}

static int new_secret(const char *path)
{
	char hex[2 * HEXO_PROTO_KEY + 1];
	int fd;

	if (hexo_secret_new(hex))
		return hexo_error(EXIT_START, "no random numbers (libsodium failed)");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return hexo_error(EXIT_START, "secret file '%s': %s: choose a new file name", path, strerror(errno));
	if (dprintf(fd, "%s\n", hex) < 0 || close(fd) < 0)
		return hexo_error(EXIT_START, "secret file '%s': %s", path, strerror(errno));
	return 0;
}

/* The hexo binary beside this executable. */
static void default_hexo(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		snprintf(out, len, "hexo");
		return;
	}
	self[n] = '\0';
	snprintf(out, len, "%s/hexo", dirname(self));
}

static int parse_uint(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_args(struct agent *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"secret-file", required_argument, NULL, 's'},
	    {"work", required_argument, NULL, 'w'},
	    {"hexo", required_argument, NULL, 'x'},
	    {"log", required_argument, NULL, 'L'},
	    {"port-file", required_argument, NULL, 'p'},
	    {"timeout", required_argument, NULL, 't'},
	    {"max-conns", required_argument, NULL, 'm'},
	    {"new-secret", required_argument, NULL, 'n'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, secs = 30;

	snprintf(a->cfg.work, sizeof(a->cfg.work), "/tmp/hexod");
	default_hexo(a->cfg.hexo, sizeof(a->cfg.hexo));
	a->cfg.max_conns = 32;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			a->cfg.listen = optarg;
			break;
		case 's':
			a->secret_file = optarg;
			break;
		case 'w':
			snprintf(a->cfg.work, sizeof(a->cfg.work), "%s", optarg);
			break;
		case 'x':
			snprintf(a->cfg.hexo, sizeof(a->cfg.hexo), "%s", optarg);
			break;
		case 'L':
			a->log_file = optarg;
			break;
		case 'p':
			a->port_file = optarg;
			break;
		case 't':
			if (parse_uint(optarg, 1, 86400, &secs))
				return hexo_error(EXIT_START, "--timeout '%s': expected seconds (1..86400)", optarg);
			break;
		case 'm':
			if (parse_uint(optarg, 1, MAX_CONNS_LIMIT, &a->cfg.max_conns))
				return hexo_error(EXIT_START, "--max-conns '%s': expected 1..1024", optarg);
			break;
		case 'n':
			exit(new_secret(optarg));
		case 'V':
			printf("hexod %s (protocol %u)\n", HEXOD_VERSION, HEXO_PROTO_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	a->cfg.timeout_ms = secs * 1000;
	if (optind < argc)
		return hexo_error(EXIT_START, "unexpected argument '%s': see 'hexod --help'", argv[optind]);
	if (!a->cfg.listen || !a->secret_file)
		return hexo_error(EXIT_START, "--listen and --secret-file are needed: see 'hexod --help'");
	return 0;
}

/* ADDR:PORT with ADDR numeric IPv4, [IPv6], or empty/'*' for any (IPv4). */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *colon = strrchr(spec, ':');
	char host[64];
	size_t hl;
	int port;

	if (!colon || parse_uint(colon + 1, 0, 65535, &port))
		return -EINVAL;
	hl = (size_t)(colon - spec);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	if (!hl || !strcmp(host, "*"))
		return 0;
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int open_listener(struct agent *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_listen(a->cfg.listen, &ss, &len))
		return hexo_error(EXIT_START, "--listen '%s': expected ADDR:PORT with a numeric address, e.g. "
		           "0.0.0.0:7470 or [::1]:7470",
		           a->cfg.listen);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return hexo_error(EXIT_START, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return hexo_error(EXIT_START, "cannot listen on %s: %s: choose another address or port", a->cfg.listen,
		           strerror(errno));
	}
	a->lfd = fd;
	return 0;
}

static int write_port_file(const char *path, int port)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", port);
	if (fclose(f) || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
	hexo_io_stop = 1;
}

volatile sig_atomic_t hexod_got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	hexod_got_usr1 = 1;
}

static void on_chld(int sig)
{
	(void)sig;
	got_chld = 1;
}

/* Blocks the signals we handle; they are delivered only inside ppoll. */
static void setup_signals(void)
{
	struct sigaction sa = {0};
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_usr1; /* for the connection processes (job_migrate_request()) */
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&hexo_io_waitmask);
	hexo_io_use_waitmask = true;
}

static void drop_slot(struct agent *a, unsigned i)
{
	if (a->conns[i].authfd >= 0)
		close(a->conns[i].authfd);
	a->conns[i] = a->conns[--a->n_conns];
}

static void reap(struct agent *a)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (unsigned i = 0; i < a->n_conns; i++) {
			if (a->conns[i].pid == pid) {
				drop_slot(a, i);
				break;
			}
		}
	}
}

/* A connection process says it has authenticated its client (or ends). */
static void read_auth(struct slot *s)
{
	char b;

	if (read(s->authfd, &b, 1) == 1)
		s->authed = true;
	close(s->authfd);
	s->authfd = -1;
}

/*
 * Room for one more connection in the handshake: when HEXOD_HANDSHAKES are
 * there already, the oldest is killed (it holds no job, only a socket), so
 * idle unauthenticated connections cannot keep clients out.
 */
static void handshake_room(struct agent *a)
{
	unsigned n = 0, oldest = 0;

	for (unsigned i = 0; i < a->n_conns; i++) {
		if (a->conns[i].authed)
			continue;
		if (!n++ || a->conns[i].since < a->conns[oldest].since)
			oldest = i;
	}
	if (n < HEXOD_HANDSHAKES)
		return;
	hexod_log("dropped connection process %d: still in its handshake, the oldest of %u",
	          (int)a->conns[oldest].pid, n);
	kill(a->conns[oldest].pid, SIGKILL);
	drop_slot(a, oldest); /* reaped later, like any other */
}

static unsigned n_authed(const struct agent *a)
{
	unsigned n = 0;

	for (unsigned i = 0; i < a->n_conns; i++)
		n += a->conns[i].authed;
	return n;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%d", host, port);
		return;
	}
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

	inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
	snprintf(buf, len, "%s:%d", host, ntohs(s4->sin_port));
}

/* In the connection process: SIGTERM stops waits, other signals default. */
static void child_signals(void)
{
	signal(SIGCHLD, SIG_DFL);
}

static void accept_one(struct agent *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[80];
	unsigned id;
	int fd, p[2];
	pid_t pid;

	fd = accept4(a->lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	peer_name(&ss, peer, sizeof(peer));
	id = ++a->next_id;
	if (n_authed(a) >= (unsigned)a->cfg.max_conns) {
		hexod_log_set_conn(peer, id);
		hexod_log("refused: busy (%u connections)", n_authed(a));
		hexo_send_error(fd, EBUSY, "agent busy: too many connections, try again later");
		close(fd);
		hexod_log_set_conn("-", 0);
		return;
	}
	handshake_room(a);
	if (pipe2(p, O_CLOEXEC) < 0) {
		hexod_log("cannot serve %s: pipe: %s", peer, strerror(errno));
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(a->lfd);
		close(p[0]);
		for (unsigned i = 0; i < a->n_conns; i++)
			if (a->conns[i].authfd >= 0)
				close(a->conns[i].authfd);
		child_signals();
		conn_serve(&a->cfg, fd, peer, id, p[1]);
		_exit(0);
	}
	close(fd);
	close(p[1]);
	if (pid < 0) {
		hexod_log("cannot serve %s: fork: %s", peer, strerror(errno));
		close(p[0]);
		return;
	}
	a->conns[a->n_conns++] = (struct slot){pid, p[0], false, hexo_now_ms()};
}

static void stop_conns(struct agent *a)
{
	int64_t end = hexo_now_ms() + 5000;

	hexod_log("stopping: %u connections to end", a->n_conns);
	for (unsigned i = 0; i < a->n_conns; i++)
		kill(a->conns[i].pid, SIGTERM);
	while (a->n_conns && hexo_now_ms() < end) {
		usleep(20000);
		reap(a);
	}
	for (unsigned i = 0; i < a->n_conns; i++)
		kill(a->conns[i].pid, SIGKILL);
	while (a->n_conns && waitpid(-1, NULL, 0) > 0)
		reap(a);
}

static void serve(struct agent *a)
{
	struct pollfd *p = a->pfds;
	unsigned n, at[MAX_CONNS_LIMIT + HEXOD_HANDSHAKES];

	while (!got_term) {
		p[0] = (struct pollfd){.fd = a->lfd, .events = POLLIN};
		n = 1;
		for (unsigned i = 0; i < a->n_conns; i++) {
			if (a->conns[i].authfd < 0)
				continue;
			at[n] = i;
			p[n++] = (struct pollfd){.fd = a->conns[i].authfd, .events = POLLIN};
		}
		if (ppoll(p, n, NULL, &hexo_io_waitmask) > 0) {
			for (unsigned k = 1; k < n; k++)
				if (p[k].revents)
					read_auth(&a->conns[at[k]]);
			if (p[0].revents & POLLIN)
				accept_one(a);
		}
		if (got_chld) {
			got_chld = 0;
			reap(a);
		}
	}
	stop_conns(a);
	hexod_log("stopped");
}

/*
 * The work folder, held open from now on (job folders are made in its
 * descriptor): created 0700 when missing; refused when it is a symbolic
 * link, someone else's, or writable by group or others, as another local
 * user could then swap a job folder under a job.
 */
static int open_work(struct agent *a)
{
	const char *w = a->cfg.work;
	struct stat st;
	int ret, fd;

	ret = hexo_mkdir_p(w, 0700);
	if (ret)
		return hexo_error(EXIT_START, "--work '%s': %s: choose a writable folder", w,
		                  strerror(-ret));
	if (!lstat(w, &st) && S_ISLNK(st.st_mode))
		return hexo_error(EXIT_START, "--work '%s' is a symbolic link: give the folder itself",
		                  w);
	fd = open(w, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return hexo_error(EXIT_START, "--work '%s': %s: choose a writable folder", w,
		                  strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		if (st.st_uid != geteuid())
			return hexo_error(EXIT_START,
			                  "--work '%s' belongs to uid %u, not to hexod's user (uid %u): "
			                  "choose a folder of hexod's own",
			                  w, (unsigned)st.st_uid, (unsigned)geteuid());
		return hexo_error(EXIT_START,
		                  "--work '%s' is writable by group or others (mode %04o): "
		                  "chmod go-w it or choose another folder",
		                  w, (unsigned)(st.st_mode & 07777));
	}
	a->cfg.workfd = fd;
	return 0;
}

static int setup(struct agent *a)
{
	char err[512];
	int ret;

	if (a->log_file && (ret = hexod_log_open(a->log_file)))
		return hexo_error(EXIT_START, "--log '%s': %s", a->log_file, strerror(-ret));
	if (hexo_secret_read(a->secret_file, a->cfg.key, NULL, err, sizeof(err)))
		return hexo_error(EXIT_START, "%s", err);
	ret = open_work(a);
	if (ret)
		return ret;
	a->conns = calloc((size_t)a->cfg.max_conns + HEXOD_HANDSHAKES, sizeof(*a->conns));
	a->pfds = calloc((size_t)a->cfg.max_conns + HEXOD_HANDSHAKES + 1, sizeof(*a->pfds));
	if (!a->conns || !a->pfds)
		return hexo_error(EXIT_START, "out of memory");
	return open_listener(a);
}

int main(int argc, char **argv)
{
	struct agent a = {.lfd = -1, .cfg.workfd = -1};
	const char *machine;
	int ret, port;

	hexo_progname = "hexod";
	umask(077); /* nothing hexod creates is for other users (jobs set their own) */
	ret = parse_args(&a, argc, argv);
	if (!ret)
		ret = setup(&a);
	if (ret)
		return ret;
	setup_signals();
	hexod_log_set_conn("-", 0);
	if (access(a.cfg.hexo, X_OK) < 0)
		hexod_log("warning: '%s' is not executable: jobs will fail; use --hexo PATH",
		          a.cfg.hexo);
	port = bound_port(a.lfd);
	machine = hexod_machine();
	hexod_log("hexod %s listening on %s (port %d), %s, hexo '%s', work '%s'", HEXOD_VERSION,
	          a.cfg.listen, port, machine, a.cfg.hexo, a.cfg.work);
	if (a.port_file && (ret = write_port_file(a.port_file, port)))
		return hexo_error(EXIT_START, "--port-file '%s': %s", a.port_file, strerror(-ret));
	serve(&a);
	return 0;
}
