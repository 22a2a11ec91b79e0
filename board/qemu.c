// SPDX-License-Identifier: MIT
/*
 * Running a board's QEMU: start it daemonized with a pidfile, tell whether a
 * pid is still that QEMU, ask it to power off through its monitor socket,
 * stop it with signals when it does not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board_int.h"

#define QEMU_BIN      "qemu-system-aarch64"
#define PORT_TRIES    8
#define STOP_SIG_WAIT 5.0
#define POWER_REPRESS 2.0 /* seconds between power button presses */
/* A cheaper pointer-authentication hash: about 4x faster boots under TCG. */
#define FAST_PAUTH "pauth-impdef=on"

int board_qemu_find(char *buf, size_t len, char *err, size_t errlen)
{
	const char *env = getenv("HEXO_QEMU");

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		if (!access(buf, X_OK))
			return 0;
		hexo_seterr(err, errlen, "HEXO_QEMU=%s is not an executable: unset it or fix it",
		          env);
		return -ENOENT;
	}
	if (!board_find_exe(QEMU_BIN, buf, len))
		return 0;
	hexo_seterr(err, errlen,
	          QEMU_BIN " not found: install the Debian package qemu-system-arm "
	                   "(apt-get install qemu-system-arm)");
	return -ENOENT;
}

static int free_port(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int s, ret = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &alen))
		ret = -errno;
	else
		*port = ntohs(a.sin_port);
	close(s);
	return ret;
}

struct qemu_args {
	char mem[32], smp[16], name[96], append[160], con[PATH_MAX + 32];
	char mon[PATH_MAX + 48], net[96], pidfile[PATH_MAX];
	char *argv[48];
	int argc;
};

static void arg(struct qemu_args *q, const char *s)
{
	if (q->argc < (int)(sizeof(q->argv) / sizeof(q->argv[0])) - 1)
		q->argv[q->argc++] = (char *)s;
	q->argv[q->argc] = NULL;
}

static int monitor_path(const char *dir, char *buf, size_t len)
{
	struct sockaddr_un un;

	if (snprintf(buf, len, "%s/monitor.sock", dir) >= (int)sizeof(un.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static void qemu_argv(struct qemu_args *q, const struct board_vm *vm, const char *qemu,
                      const char *initrd)
{
	char sock[PATH_MAX];

	snprintf(q->mem, sizeof(q->mem), "%lluM", (unsigned long long)(vm->mem >> 20));
	snprintf(q->smp, sizeof(q->smp), "%u", vm->cpus);
	snprintf(q->name, sizeof(q->name), "hexo-board-%s", vm->name);
	snprintf(q->append, sizeof(q->append), "console=ttyAMA0 panic=-1 hexo.name=%s", vm->name);
	snprintf(q->con, sizeof(q->con), "file,id=con,path=%s/console.log", vm->dir);
	snprintf(q->net, sizeof(q->net), "user,id=n0,hostfwd=tcp:127.0.0.1:%u-:%d",
	         (unsigned)vm->port, BOARD_AGENT_PORT);
	snprintf(q->pidfile, sizeof(q->pidfile), "%s/qemu.pid", vm->dir);
	q->argc = 0;
	arg(q, qemu);
	arg(q, "-M"), arg(q, "virt,virtualization=on,gic-version=3");
	arg(q, "-cpu"), arg(q, vm->plain_cpu ? "max" : "max," FAST_PAUTH);
	arg(q, "-m"), arg(q, q->mem);
	arg(q, "-smp"), arg(q, q->smp);
	arg(q, "-name"), arg(q, q->name);
	arg(q, "-nodefaults"), arg(q, "-no-user-config"), arg(q, "-no-reboot");
	arg(q, "-display"), arg(q, "none");
	arg(q, "-kernel"), arg(q, vm->kernel_image);
	arg(q, "-initrd"), arg(q, initrd);
	arg(q, "-append"), arg(q, q->append);
	arg(q, "-chardev"), arg(q, q->con);
	arg(q, "-serial"), arg(q, "chardev:con");
	if (!monitor_path(vm->dir, sock, sizeof(sock))) {
		snprintf(q->mon, sizeof(q->mon), "unix:%s,server=on,wait=off", sock);
		arg(q, "-monitor"), arg(q, q->mon);
	}
	arg(q, "-netdev"), arg(q, q->net);
	arg(q, "-device"), arg(q, "virtio-net-device,netdev=n0");
	arg(q, "-daemonize"), arg(q, "-pidfile"), arg(q, q->pidfile);
}

static int spawn(char *const argv[], const char *errpath)
{
	int fd, null, status;
	pid_t pid;

	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

static int read_pidfile(const char *dir, pid_t *pid)
{
	char p[PATH_MAX], *text;
	long v;
	int ret;

	ret = board_path(p, sizeof(p), dir, "qemu.pid");
	if (!ret)
		ret = board_read_file(p, &text, NULL);
	if (ret)
		return ret;
	v = strtol(text, NULL, 10);
	free(text);
	if (v <= 0)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

/* One attempt; -EADDRINUSE when the port was taken meanwhile. */
static int start_once(struct board_vm *vm, const char *qemu, const char *initrd, char *err,
                      size_t errlen)
{
	char errpath[PATH_MAX], line[256], *out = NULL;
	struct qemu_args *q = calloc(1, sizeof(*q));
	int ret;

	if (!q)
		return -ENOMEM;
	qemu_argv(q, vm, qemu, initrd);
	ret = board_path(errpath, sizeof(errpath), vm->dir, "qemu.err");
	if (!ret)
		ret = spawn(q->argv, errpath);
	free(q);
	if (!ret)
		ret = read_pidfile(vm->dir, &vm->pid);
	if (!ret)
		return 0;
	board_read_file(errpath, &out, NULL);
	board_last_line(out ? out : "", "", line, sizeof(line));
	if (out && strstr(out, "hostfwd"))
		ret = -EADDRINUSE;
	else if (out && strstr(out, "pauth-impdef") && !vm->plain_cpu)
		ret = -ENOTSUP; /* an older QEMU: retry with plain "-cpu max" */
	hexo_seterr(err, errlen, "QEMU did not start: %s (see %s)", line[0] ? line : "no message",
	          errpath);
	free(out);
	return ret;
}

int board_qemu_start(struct board_vm *vm, const char *qemu, const char *initrd, char *err,
                     size_t errlen)
{
	int i, ret = -EADDRINUSE;

	if (strchr(vm->dir, ',')) {
		hexo_seterr(err, errlen,
		          "the state folder %s holds a ',' that QEMU options cannot "
		          "take: set HEXO_STATE to another folder",
		          vm->dir);
		return -EINVAL;
	}
	for (i = 0; i < PORT_TRIES && (ret == -EADDRINUSE || ret == -ENOTSUP); i++) {
		if (ret == -ENOTSUP)
			vm->plain_cpu = 1;
		ret = free_port(&vm->port);
		if (ret) {
			hexo_seterr(err, errlen,
			          "no free loopback TCP port for the board's agent: %s",
			          strerror(-ret));
			return ret;
		}
		ret = start_once(vm, qemu, initrd, err, errlen);
	}
	return ret;
}

/* An exited QEMU that its new parent has not reaped yet. */
static int zombie(pid_t pid)
{
	char p[64], *text = NULL, *paren;
	int z = 0;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if (board_read_file(p, &text, NULL))
		return 1;
	paren = strrchr(text, ')');
	z = paren && (paren[2] == 'Z' || paren[2] == 'X');
	free(text);
	return z;
}

int board_qemu_alive(pid_t pid, const char *dir)
{
	char p[64], *cmd = NULL, *a, *base;
	size_t len, off;
	int exe = 0, ours = 0;

	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH) || zombie(pid))
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	if (board_read_file(p, &cmd, &len))
		return 0;
	for (off = 0; off < len; off += strlen(a) + 1) {
		a = cmd + off;
		base = strrchr(a, '/');
		if (off == 0)
			exe = strstr(base ? base + 1 : a, QEMU_BIN) != NULL;
		else if (dir[0] && strstr(a, dir))
			ours = 1;
	}
	free(cmd);
	return exe && ours;
}

int board_qemu_powerdown(const char *dir)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	static const char cmd[] = "system_powerdown\n";
	struct pollfd pfd;
	char buf[512];
	int s, ret = 0;

	if (monitor_path(dir, un.sun_path, sizeof(un.sun_path)))
		return -ENAMETOOLONG;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&un, sizeof(un)) ||
	    write(s, cmd, sizeof(cmd) - 1) != (ssize_t)sizeof(cmd) - 1)
		ret = -errno;
	pfd.fd = s;
	pfd.events = POLLIN;
	/* Let the monitor read the command before the socket closes. */
	while (!ret && poll(&pfd, 1, 300) > 0 && read(s, buf, sizeof(buf)) > 0)
		;
	close(s);
	return ret;
}

static int wait_gone(pid_t pid, const char *dir, double seconds, int dots)
{
	double end = board_now() + seconds, next_dot = board_now() + 1.0;

	while (board_qemu_alive(pid, dir)) {
		if (board_now() > end)
			return -ETIMEDOUT;
		if (dots && board_now() > next_dot) {
			fputc('.', stderr);
			next_dot += 1.0;
		}
		usleep(50000);
	}
	return 0;
}

/*
 * Presses the power button every POWER_REPRESS seconds until QEMU exits or
 * timeout passes: a press before hexo-init watches the button (early boot)
 * is lost, a later one is not.
 */
static int power_button(pid_t pid, const char *dir, double timeout)
{
	double end = board_now() + timeout, step;
	int ret;

	for (;;) {
		ret = board_qemu_powerdown(dir);
		if (ret) {
			board_progress("cannot reach QEMU's monitor socket (%s): stopping QEMU "
			               "(pid %d) with SIGTERM",
			               strerror(-ret), (int)pid);
			return ret;
		}
		step = end - board_now();
		if (step > POWER_REPRESS)
			step = POWER_REPRESS;
		ret = wait_gone(pid, dir, step, 1);
		if (ret != -ETIMEDOUT || board_now() >= end)
			break;
	}
	fputc('\n', stderr);
	if (ret)
		board_progress("the board did not power off within %.0f s: stopping QEMU (pid %d)",
		               timeout, (int)pid);
	return ret;
}

int board_qemu_stop(pid_t pid, const char *dir, double timeout, char *err, size_t errlen)
{
	if (!board_qemu_alive(pid, dir))
		return 0;
	if (timeout > 0 && !power_button(pid, dir, timeout))
		return 0;
	kill(pid, SIGTERM);
	if (!wait_gone(pid, dir, STOP_SIG_WAIT, 0))
		return 0;
	kill(pid, SIGKILL);
	if (!wait_gone(pid, dir, STOP_SIG_WAIT, 0))
		return 0;
	hexo_seterr(err, errlen, "QEMU (pid %d) survived SIGKILL: check it with ps", (int)pid);
	return -ETIMEDOUT;
}
