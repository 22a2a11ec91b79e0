// SPDX-License-Identifier: MIT
/*
 * hexo-init: PID 1 of an emulated board (see docs/board.md).
 *
 * Built as a static aarch64 Linux program and packed as /init into the
 * initramfs that `hexo board up` writes. It mounts /proc, /sys and /dev,
 * loads the kernel modules listed in /etc/hexo/modules (in that order, the
 * host resolved their dependencies), configures lo and eth0 for QEMU's user
 * network, makes sure /dev/kvm exists, then runs the node agent
 *   /bin/hexod --listen 0.0.0.0:7070 --secret-file /etc/hexo/secret --work /tmp/hexo
 * and restarts it when it dies. Everything is logged to the console with a
 * "hexo-init: " prefix; the host waits for the line "hexo-init: ready".
 *
 * Power off (sync, then reboot(RB_POWER_OFF), which QEMU turns into exit):
 * on SIGTERM, SIGPWR, SIGUSR2 or SIGINT (Ctrl-Alt-Del) sent to PID 1 (this is
 * how hexod asks), and on QEMU's power button (`system_powerdown`), which the
 * virt machine wires to line 3 of its PL061 GPIO controller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AGENT_PATH     "/bin/hexod"
#define AGENT_PORT     7070
#define AGENT_WORK     "/tmp/hexo"
#define SECRET_PATH    "/etc/hexo/secret"
#define MODULES_LIST   "/etc/hexo/modules"
#define MODULES_DIR    "/lib/modules"
#define NET_IF         "eth0"
#define NET_ADDR       "10.0.2.15"
#define NET_MASK       "255.255.255.0"
#define NET_GW         "10.0.2.2"
#define POWER_KEY_LINE 3      /* QEMU virt: gpio-keys "poweroff" on PL061 line 3 */
#define KVM_API_IOCTL  0xAE00 /* _IO(KVMIO, 0x00): KVM_GET_API_VERSION */
#define KVM_VM_IOCTL   0xAE01 /* _IO(KVMIO, 0x01): KVM_CREATE_VM */

struct agent {
	pid_t pid;         /* running hexod, 0 when none */
	int present;       /* /bin/hexod exists */
	int listening;     /* seen in /proc/net/tcp since the last start */
	int ready_said;    /* "ready" printed once */
	double started;    /* uptime when last started */
	double restart_at; /* uptime at which to restart, 0 = not planned */
	double backoff;    /* seconds to wait before the next restart */
};

static double uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "hexo-init: [%6.2f] ", uptime());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	if (write(2, buf, strlen(buf)) < 0) {
		/* nowhere else to report it */
	}
}

static void open_console(void)
{
	int fd;

	if (fcntl(2, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static int mount_one(const char *src, const char *dst, const char *type, unsigned long flags)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, NULL) == 0 || errno == EBUSY)
		return 0;
	say("cannot mount %s on %s: %s", type, dst, strerror(errno));
	return -errno;
}

static void mount_all(void)
{
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
	open_console();
	mkdir("/tmp", 01777);
	chmod("/tmp", 01777);
	mkdir(AGENT_WORK, 0700);
}

static int load_module_buf(const char *path, int fd)
{
	struct stat st;
	void *buf;
	int ret = 0;

	if (fstat(fd, &st))
		return -errno;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	if (read(fd, buf, (size_t)st.st_size) != st.st_size)
		ret = -EIO;
	else if (syscall(SYS_init_module, buf, (unsigned long)st.st_size, "") && errno != EEXIST)
		ret = -errno;
	free(buf);
	if (ret)
		say("cannot load %s: %s", path, strerror(-ret));
	return ret;
}

static int load_module(const char *name)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", MODULES_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("cannot open module %s: %s", path, strerror(errno));
		return -errno;
	}
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST) {
		if (errno == ENOSYS || errno == EBADF)
			ret = load_module_buf(path, fd);
		else {
			ret = -errno;
			say("cannot load %s: %s", path, strerror(errno));
		}
	}
	close(fd);
	return ret;
}

static void load_modules(void)
{
	char line[256];
	int n = 0, failed = 0;
	FILE *f;

	f = fopen(MODULES_LIST, "re");
	if (!f) {
		say("no %s: loading no modules", MODULES_LIST);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (load_module(line))
			failed++;
		n++;
	}
	fclose(f);
	say("modules: %d loaded, %d failed", n - failed, failed);
}

static int wait_for_path(const char *path, double seconds)
{
	double end = uptime() + seconds;

	while (access(path, F_OK)) {
		if (uptime() > end)
			return -ENOENT;
		usleep(20000);
	}
	return 0;
}

static int set_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return ioctl(s, req, &ifr) ? -errno : 0;
}

static int link_up(int s, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr) ? -errno : 0;
}

static int add_default_route(int s)
{
	struct sockaddr_in *sin;
	struct rtentry rt;

	memset(&rt, 0, sizeof(rt));
	sin = (struct sockaddr_in *)&rt.rt_dst;
	sin->sin_family = AF_INET;
	sin = (struct sockaddr_in *)&rt.rt_genmask;
	sin->sin_family = AF_INET;
	sin = (struct sockaddr_in *)&rt.rt_gateway;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, NET_GW, &sin->sin_addr);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	if (ioctl(s, SIOCADDRT, &rt) && errno != EEXIST)
		return -errno;
	return 0;
}

static int net_eth(int s)
{
	int ret;

	if (wait_for_path("/sys/class/net/" NET_IF, 15.0)) {
		say("no %s after 15 s: the agent is unreachable (virtio_net not loaded?)", NET_IF);
		return -ENODEV;
	}
	ret = set_addr(s, NET_IF, SIOCSIFADDR, NET_ADDR);
	if (!ret)
		ret = set_addr(s, NET_IF, SIOCSIFNETMASK, NET_MASK);
	if (!ret)
		ret = link_up(s, NET_IF);
	if (!ret)
		ret = add_default_route(s);
	if (ret)
		say("cannot configure %s: %s", NET_IF, strerror(-ret));
	else
		say("network: %s %s/24 gw %s", NET_IF, NET_ADDR, NET_GW);
	return ret;
}

static void net_up(void)
{
	int s, ret;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		say("cannot open a socket: %s", strerror(errno));
		return;
	}
	ret = set_addr(s, "lo", SIOCSIFADDR, "127.0.0.1");
	if (!ret)
		ret = link_up(s, "lo");
	if (ret)
		say("cannot bring up lo: %s", strerror(-ret));
	net_eth(s);
	close(s);
}

static void kvm_check(void)
{
	int fd, ver, vm;

	if (access("/dev/kvm", F_OK) && mknod("/dev/kvm", S_IFCHR | 0660, makedev(10, 232)))
		say("cannot create /dev/kvm: %s", strerror(errno));
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say("kvm: not available (%s): jobs cannot run on this board", strerror(errno));
		return;
	}
	ver = ioctl(fd, KVM_API_IOCTL, 0);
	vm = ioctl(fd, KVM_VM_IOCTL, 0);
	if (vm < 0)
		say("kvm: /dev/kvm opens (API %d) but cannot create a VM: %s", ver,
		    strerror(errno));
	else
		say("kvm: /dev/kvm ready (API %d, a test VM was created)", ver);
	if (vm >= 0)
		close(vm);
	close(fd);
}

static void set_hostname(void)
{
	char cmdline[1024], name[64] = "hexo-board";
	const char *p;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return;
	cmdline[n] = '\0';
	p = strstr(cmdline, "hexo.name=");
	if (p)
		sscanf(p + strlen("hexo.name="), "%63[A-Za-z0-9_.-]", name);
	sethostname(name, strlen(name));
}

/* Returns the fd of a line-event request for QEMU's power key, or -1. */
static int power_button_open(void)
{
	struct gpio_v2_line_request req;
	struct gpiochip_info info;
	char path[32];
	int i, fd;

	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/dev/gpiochip%d", i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info) || !strstr(info.label, "pl061") ||
		    info.lines <= POWER_KEY_LINE) {
			close(fd);
			continue;
		}
		memset(&req, 0, sizeof(req));
		req.offsets[0] = POWER_KEY_LINE;
		req.num_lines = 1;
		req.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING;
		snprintf(req.consumer, sizeof(req.consumer), "hexo-poweroff");
		if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req)) {
			say("power button: cannot watch %s line %d: %s", info.label, POWER_KEY_LINE,
			    strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		say("power button: watching %s line %d", info.label, POWER_KEY_LINE);
		return req.fd;
	}
	say("power button: no PL061 GPIO; power off by SIGTERM to PID 1 only");
	return -1;
}

static int signals_open(sigset_t *old)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPWR);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		say("signalfd: %s", strerror(errno));
	reboot(RB_DISABLE_CAD); /* Ctrl-Alt-Del sends SIGINT to PID 1 */
	return fd;
}

static void agent_start(struct agent *a, const sigset_t *old)
{
	static char *const argv[] = {AGENT_PATH,  "--listen", "0.0.0.0:7070", "--secret-file",
	                             SECRET_PATH, "--work",   AGENT_WORK,     NULL};
	static char *const envp[] = {"PATH=/bin", "HOME=" AGENT_WORK, "TMPDIR=/tmp", NULL};
	pid_t pid;

	a->restart_at = 0;
	pid = fork();
	if (pid < 0) {
		say("cannot fork hexod: %s; retrying", strerror(errno));
		a->restart_at = uptime() + 1.0;
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, old, NULL);
		setsid();
		if (chdir(AGENT_WORK))
			_exit(127);
		execve(AGENT_PATH, argv, envp);
		say("cannot run %s: %s", AGENT_PATH, strerror(errno));
		_exit(127);
	}
	a->pid = pid;
	a->listening = 0;
	a->started = uptime();
	say("hexod started (pid %d)", (int)pid);
}

/* The agent counts as listening once its socket shows in /proc/net/tcp{,6}. */
static int port_listening(const char *table, unsigned port)
{
	char line[256];
	unsigned lport, st;
	int found = 0;
	FILE *f;

	f = fopen(table, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &lport, &st) == 2)
			found = lport == port && st == 0x0A;
	}
	fclose(f);
	return found;
}

static void agent_poll_listen(struct agent *a)
{
	if (!a->pid || a->listening)
		return;
	if (!port_listening("/proc/net/tcp", AGENT_PORT) &&
	    !port_listening("/proc/net/tcp6", AGENT_PORT))
		return;
	a->listening = 1;
	if (!a->ready_said)
		say("ready: hexod listening on port %d", AGENT_PORT);
	else
		say("hexod listening again on port %d", AGENT_PORT);
	a->ready_said = 1;
}

static void agent_reaped(struct agent *a, int status)
{
	double ran = uptime() - a->started;

	if (WIFSIGNALED(status))
		say("hexod (pid %d) killed by signal %d after %.1f s", (int)a->pid,
		    WTERMSIG(status), ran);
	else
		say("hexod (pid %d) exited with status %d after %.1f s", (int)a->pid,
		    WEXITSTATUS(status), ran);
	a->pid = 0;
	a->listening = 0;
	a->backoff = ran > 30.0 ? 1.0 : (a->backoff < 1.0 ? 1.0 : a->backoff * 2);
	if (a->backoff > 30.0)
		a->backoff = 30.0;
	a->restart_at = uptime() + a->backoff;
	say("restarting hexod in %.0f s", a->backoff);
}

static void reap(struct agent *a)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == a->pid)
			agent_reaped(a, status);
	}
}

static void agent_stop(struct agent *a)
{
	double end;

	if (!a->pid)
		return;
	kill(a->pid, SIGTERM);
	for (end = uptime() + 3.0; uptime() < end;) {
		if (waitpid(a->pid, NULL, WNOHANG) == a->pid) {
			a->pid = 0;
			return;
		}
		usleep(20000);
	}
	kill(a->pid, SIGKILL);
	waitpid(a->pid, NULL, 0);
	a->pid = 0;
}

static void power_off(struct agent *a, const char *why)
{
	say("powering off (%s)", why);
	agent_stop(a);
	kill(-1, SIGTERM);
	sync();
	reboot(RB_POWER_OFF);
	say("power off failed: %s", strerror(errno));
	for (;;)
		pause();
}

/* Returns 1 when a power-off signal arrived. */
static int signals_read(int sfd, struct agent *a)
{
	struct signalfd_siginfo si;
	int off = 0;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(a);
		else if (si.ssi_signo != SIGHUP)
			off = 1;
	}
	reap(a); /* SIGCHLDs coalesce */
	return off;
}

static int poll_timeout(const struct agent *a)
{
	double left;

	if (a->pid && !a->listening)
		return 100;
	if (!a->restart_at)
		return -1;
	left = a->restart_at - uptime();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static void main_loop(struct agent *a, int sfd, int pfd, const sigset_t *old)
{
	struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};

	for (;;) {
		if (poll(fds, 2, poll_timeout(a)) < 0 && errno != EINTR)
			usleep(100000);
		if ((fds[0].revents & POLLIN) && signals_read(sfd, a))
			power_off(a, "signal");
		if (fds[1].revents & POLLIN)
			power_off(a, "power button");
		if (a->restart_at && uptime() >= a->restart_at)
			agent_start(a, old);
		agent_poll_listen(a);
	}
}

int main(void)
{
	struct agent a = {0};
	sigset_t old;
	int sfd, pfd;

	if (getpid() != 1) {
		fprintf(stderr, "hexo-init: runs only as PID 1 of a board's initramfs\n");
		return 2;
	}
	mount_all();
	say("starting (hexo board init)");
	sfd = signals_open(&old);
	set_hostname();
	load_modules();
	net_up();
	kvm_check();
	pfd = power_button_open();
	a.present = access(AGENT_PATH, X_OK) == 0;
	if (a.present)
		agent_start(&a, &old);
	else
		say("ready: no %s in the initramfs: the board has no agent", AGENT_PATH);
	main_loop(&a, sfd, pfd, &old);
	return 0;
}
