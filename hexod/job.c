// SPDX-License-Identifier: MIT
/*
 * One job: receive the image (and for a resume the checkpoint) and the job
 * directory into a fresh temp dir, run `hexo run --dir DIR -- IMAGE
 * ARGS...` or `hexo resume --dir DIR --image IMAGE CHECKPOINT` in its own
 * process group, stream its stdout and stderr back as they come and the
 * client's stdin to it, pass migration requests on to it (SIGUSR1), then
 * send what changed in the job directory, the checkpoint it wrote if any,
 * and the exit status. Whatever happens, the process group is killed and
 * the temp dir removed before returning.
 *
 * The temp dir WORK/job-XXXXXX (its name is the job's id):
 *   image/     the image, and the job's working directory
 *   dir/       the job directory
 *   ckpt/      in.ckpt (resume), out.ckpt (what the job writes)
 *   conn.pid   while the job runs: the pid of the connection process
 *              serving it, for MIGRATE JOB from other connections
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "hexod.h"
#include "proto_fs.h"

#define HASH_LEN        32
#define OUT_CHUNK       65536
#define DRAIN_MS        2000
#define DIR_MODE_MIN    0700u /* kept on every folder: the agent must walk them */
#define MIGRATE_POLL_MS 20    /* a migration request waits for the job's hexo to take SIGUSR1 */

struct entry {
	char *path;
	uint64_t size;
	uint8_t hash[HASH_LEN];
	bool link; /* a symlink (the guest can remove it, not change it) */
	bool seen;
};

struct job {
	struct conn *c;
	const struct hexo_msg_run *m;
	char tmp[PATH_MAX], dir[PATH_MAX + 8], img[PATH_MAX + 8];
	char ckpt[PATH_MAX + 8], ckpt_in[PATH_MAX + 16], ckpt_out[PATH_MAX + 16];
	char pidfile[PATH_MAX + 16];
	const char *id; /* the temp dir's name */
	int dirfd, imgfd, ckptfd;
	unsigned migrate;   /* migration requests not yet passed on to the job */
	uint64_t ckpt_size; /* the checkpoint sent back */
	const char *image_name;
	struct entry *files; /* the files and symlinks uploaded, sorted by path */
	size_t n_files, n_dirs;
	char **changed;
	size_t n_changed, cap_changed, n_deleted;
	pid_t pid;
	int pidfd, out, err;
	int in;          /* the job's stdin (write end), -1 once closed */
	uint8_t *in_buf; /* STDIN bytes the pipe did not take yet */
	size_t in_len, in_off;
	bool in_eof; /* the client's stdin ended */
	uint64_t in_total;
	int status;
	int64_t t_start;
};

/* --- receiving ----------------------------------------------------------- */

/* The next frame of the upload; the client closing here is an error. */
static int upload_recv(struct conn *c, struct hexo_frame_hdr *h)
{
	int ret = conn_recv(c, h);

	if (ret == -EPIPE) {
		snprintf(c->err, sizeof(c->err), "client went away during the upload");
		hexod_log("%s", c->err);
		ret = -ECONNRESET;
	}
	return ret;
}

/* Receives `size` bytes of DATA frames into fd, hashing them. */
static int recv_data(struct job *j, int fd, const char *path, uint64_t size, uint8_t hash[HASH_LEN])
{
	crypto_generichash_state st;
	struct hexo_frame_hdr h;
	struct conn *c = j->c;
	uint64_t left = size;
	int ret;

	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	while (left) {
		ret = upload_recv(c, &h);
		if (ret)
			return ret;
		if (h.type != HEXO_F_DATA)
			return conn_refuse(c, -EPROTO,
			                   "expected DATA for '%s' (%llu bytes to go), "
			                   "got %s",
			                   path, (unsigned long long)left,
			                   hexo_frame_type_name(h.type));
		if (h.len == 0 || h.len > left)
			return conn_refuse(c, -EPROTO,
			                   "DATA frame of %u bytes for '%s', which has "
			                   "%llu bytes to go",
			                   h.len, path, (unsigned long long)left);
		ret = hexo_write_all(fd, c->buf, h.len);
		if (ret)
			return conn_refuse(c, ret,
			                   "writing '%s' on the agent: %s: free space in "
			                   "%s",
			                   path, strerror(-ret), c->cfg->work);
		crypto_generichash_update(&st, c->buf, h.len);
		left -= h.len;
	}
	crypto_generichash_final(&st, hash, HASH_LEN);
	return 0;
}

static int recv_file(struct job *j, int rootfd, const char *path, uint64_t size, unsigned mode,
                     uint8_t hash[HASH_LEN])
{
	const char *base;
	int dfd, fd, ret;

	dfd = hexo_tree_parent(rootfd, path, 1, &base);
	if (dfd < 0)
		return conn_refuse(j->c, dfd, "cannot create '%s' on the agent: %s", path,
		                   strerror(-dfd));
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ret = fd < 0 ? -errno : 0;
	close(dfd);
	if (ret == -EEXIST || ret == -EISDIR)
		return conn_refuse(j->c, -EPROTO, "file '%s' sent twice", path);
	if (ret)
		return conn_refuse(j->c, ret, "cannot create '%s' on the agent: %s", path,
		                   strerror(-ret));
	fchmod(fd, mode & 0777);
	ret = recv_data(j, fd, path, size, hash);
	close(fd);
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* A directory of the job folder: created now (empty ones matter too). */
static int make_dir(struct job *j, const char *path, unsigned mode)
{
	const char *base;
	struct stat st;
	int dfd, ret = 0;

	dfd = hexo_tree_parent(j->dirfd, path, 1, &base);
	if (dfd < 0)
		return conn_refuse(j->c, dfd, "cannot create folder '%s' on the agent: %s", path,
		                   strerror(-dfd));
	if (mkdirat(dfd, base, 0700) < 0 &&
	    (errno != EEXIST || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	     !S_ISDIR(st.st_mode)))
		ret = -errno;
	/* The agent's umask applied at creation: set the mode asked for. */
	if (!ret && fchmodat(dfd, base, (mode & 0777) | DIR_MODE_MIN, 0) < 0)
		ret = -errno;
	close(dfd);
	if (ret)
		return conn_refuse(j->c, ret, "cannot create folder '%s' on the agent: %s", path,
		                   strerror(-ret));
	j->n_dirs++;
	return 0;
}

/* A symlink of the job folder: its target comes as DATA; created as is. */
static int recv_symlink(struct job *j, const char *path, uint64_t size)
{
	char target[HEXO_PROTO_PATH_MAX];
	struct hexo_frame_hdr h;
	const char *base;
	size_t got = 0;
	int dfd, ret;

	while (got < size) {
		ret = upload_recv(j->c, &h);
		if (ret)
			return ret;
		if (h.type != HEXO_F_DATA || !h.len || h.len > size - got)
			return conn_refuse(
			    j->c, -EPROTO,
			    "expected DATA for symlink '%s' (%llu bytes to go), got %s "
			    "of %u bytes",
			    path, (unsigned long long)(size - got), hexo_frame_type_name(h.type),
			    h.len);
		memcpy(target + got, j->c->buf, h.len);
		got += h.len;
	}
	target[got] = '\0';
	if (strlen(target) != got)
		return conn_refuse(j->c, -EPROTO, "symlink '%s' with a NUL in its target", path);
	dfd = hexo_tree_parent(j->dirfd, path, 1, &base);
	ret = dfd < 0 ? dfd : symlinkat(target, dfd, base) < 0 ? -errno : 0;
	if (dfd >= 0)
		close(dfd);
	if (ret == -EEXIST)
		return conn_refuse(j->c, -EPROTO, "file '%s' sent twice", path);
	if (ret)
		return conn_refuse(j->c, ret, "cannot create symlink '%s' on the agent: %s", path,
		                   strerror(-ret));
	return 0;
}

/* Receives FILE + DATA* for one job-directory file, symlink or folder. */
static int recv_dir_file(struct job *j)
{
	struct entry *e = &j->files[j->n_files];
	struct hexo_frame_hdr h;
	struct hexo_msg_file f;
	struct conn *c = j->c;
	char err[320];
	int ret;

	ret = upload_recv(c, &h);
	if (ret)
		return ret;
	if (h.type != HEXO_F_FILE)
		return conn_refuse(c, -EPROTO, "expected FILE (%zu of %u), got %s",
		                   j->n_files + j->n_dirs + 1, j->m->n_files,
		                   hexo_frame_type_name(h.type));
	ret = hexo_msg_file_decode(c->buf, h.len, &f, err, sizeof(err));
	if (ret)
		return conn_refuse(c, ret, "%s", err);
	if (f.kind == HEXO_FILE_DIR)
		return make_dir(j, f.path, f.mode);
	e->path = strdup(f.path);
	if (!e->path)
		return conn_refuse(c, -ENOMEM, "agent out of memory");
	j->n_files++;
	e->size = f.size;
	if (f.kind == HEXO_FILE_SYMLINK) {
		e->link = true;
		return recv_symlink(j, e->path, f.size);
	}
	return recv_file(j, j->dirfd, e->path, f.size, f.mode, e->hash);
}

static const char *pick_image_name(const char *arg0)
{
	const char *base = strrchr(arg0, '/');

	if (hexo_proto_path_valid(arg0))
		return arg0;
	if (base && hexo_proto_path_valid(base + 1))
		return base + 1;
	return "image.hexo";
}

static int recv_request(struct job *j)
{
	const struct hexo_msg_run *m = j->m;
	struct hexo_frame_hdr h;
	uint8_t hash[HASH_LEN];
	int ret;

	j->image_name = pick_image_name(m->argv[0]);
	ret = recv_file(j, j->imgfd, j->image_name, m->image_size, 0644, hash);
	if (!ret && m->kind == HEXO_RUN_RESUME)
		ret = recv_file(j, j->ckptfd, "in.ckpt", m->ckpt_size, 0600, hash);
	if (ret)
		return ret;
	j->files = calloc(m->n_files ? m->n_files : 1, sizeof(*j->files));
	if (!j->files)
		return conn_refuse(j->c, -ENOMEM, "agent out of memory");
	for (uint32_t i = 0; i < m->n_files; i++) {
		ret = recv_dir_file(j);
		if (ret)
			return ret;
	}
	qsort(j->files, j->n_files, sizeof(*j->files), cmp_entry);
	ret = upload_recv(j->c, &h);
	if (ret)
		return ret;
	if (h.type != HEXO_F_END || h.len)
		return conn_refuse(j->c, -EPROTO, "expected END after %u files, got %s", m->n_files,
		                   hexo_frame_type_name(h.type));
	return 0;
}

/* --- running ------------------------------------------------------------- */

/*
 * hexo run --dir DIR --checkpoint=OUT [--migrate-after=S] [--checkpoint-every=S]
 *          [--mem=M] [--env=E]... [--stats] [--argv0=A] -- IMAGE ARGS...
 * hexo resume --dir DIR --image=IMAGE --checkpoint=OUT [--migrate-after=S]
 *          [--checkpoint-every=S] [--mem=M] [--stats] IN
 * --argv0 when the image could not be stored under the name the client gave
 * (an absolute path, "..", "./"), so the guest's argv[0] is that name still.
 * The checkpoint always goes to OUT, in the temp dir, whether the client
 * named one or not: it comes back to the client's file.
 */
static char **job_argv(struct job *j)
{
	const struct hexo_msg_run *m = j->m;
	bool resume = m->kind == HEXO_RUN_RESUME;
	size_t n = 0, max = 14 + m->n_env + m->argc;
	char **v = calloc(max, sizeof(*v));
	bool ok = v != NULL;

	if (!ok)
		return NULL;
	v[n++] = strdup(j->c->cfg->hexo);
	v[n++] = strdup(resume ? "resume" : "run");
	v[n++] = strdup("--dir");
	v[n++] = strdup(j->dir);
	if (resume && asprintf(&v[n++], "--image=%s", j->image_name) < 0)
		v[n - 1] = NULL;
	if (asprintf(&v[n++], "--checkpoint=%s", j->ckpt_out) < 0)
		v[n - 1] = NULL;
	if (m->migrate_after[0] && asprintf(&v[n++], "--migrate-after=%s", m->migrate_after) < 0)
		v[n - 1] = NULL;
	if (m->checkpoint_every[0] &&
	    asprintf(&v[n++], "--checkpoint-every=%s", m->checkpoint_every) < 0)
		v[n - 1] = NULL;
	if (m->mem[0] && asprintf(&v[n++], "--mem=%s", m->mem) < 0)
		v[n - 1] = NULL;
	for (uint32_t i = 0; i < m->n_env; i++)
		if (asprintf(&v[n++], "--env=%s", m->env[i]) < 0)
			v[n - 1] = NULL;
	if (m->flags & HEXO_RUN_F_STATS)
		v[n++] = strdup("--stats");
	if (resume) {
		v[n++] = strdup(j->ckpt_in);
	} else {
		if (strcmp(j->image_name, m->argv[0]) &&
		    asprintf(&v[n++], "--argv0=%s", m->argv[0]) < 0)
			v[n - 1] = NULL;
		v[n++] = strdup("--");
		v[n++] = strdup(j->image_name);
		for (uint32_t i = 1; i < m->argc; i++)
			v[n++] = strdup(m->argv[i]);
	}
	for (size_t i = 0; i < n; i++)
		ok = ok && v[i];
	if (ok)
		return v;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * fds[3]: the job's stdin, stdout and stderr (stdout again when merged);
 * the ones the client was started without are closed, as they were for it.
 */
static __attribute__((noreturn)) void child_exec(struct job *j, char **argv, const int fds[3],
                                                 pid_t parent)
{
	static const int sigs[] = {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1};
	static const uint32_t none[3] = {HEXO_RUN_F_NO_STDIN, HEXO_RUN_F_NO_STDOUT,
	                                 HEXO_RUN_F_NO_STDERR};
	sigset_t all;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0)
		_exit(125);
	for (int fd = 0; fd < 3; fd++)
		if (j->m->flags & none[fd])
			close(fd);
	/*
	 * The guest's files get the mode it asks for; the client applies its
	 * own umask to the new ones, as the monitor's umask does in a local run.
	 */
	umask(0);
	if (chdir(j->img) < 0) {
		dprintf(2, "hexod: job folder '%s': %s\n", j->img, strerror(errno));
		_exit(125);
	}
	execv(argv[0], argv);
	dprintf(2, "hexod: cannot run '%s': %s: start hexod with --hexo PATH-TO-hexo\n", argv[0],
	        strerror(errno));
	_exit(125);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

/*
 * The job runs: conn.pid lets other connections find us (MIGRATE JOB), and
 * the client learns the job's id (STARTED).
 */
static int job_announce(struct job *j)
{
	char pid[32];
	int fd, n, ret;

	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fd = open(j->pidfile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || hexo_write_all(fd, pid, (size_t)n))
		hexod_log("warning: '%s': %s: MIGRATE %s will not find the job", j->pidfile,
		          strerror(errno), j->id);
	if (fd >= 0)
		close(fd);
	ret = hexo_frame_send(j->c->fd, HEXO_F_STARTED, 0, j->id, strlen(j->id) + 1, -1);
	if (ret) {
		snprintf(j->c->err, sizeof(j->c->err), "client went away: %s", strerror(-ret));
		hexod_log("job killed: %s", j->c->err);
	}
	return ret;
}

/*
 * Starts the job with pipes for stdin, stdout and stderr (one pipe for
 * stdout and stderr when the client's are one file, so their order holds).
 */
static int spawn(struct job *j)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, fds[3], ret = 0;
	bool merged = j->m->flags & HEXO_RUN_F_MERGED;
	pid_t parent = getpid();
	char **argv;

	hexod_got_usr1 = 0; /* what was asked of an earlier job is not for this one */
	argv = job_argv(j);
	if (!argv)
		return conn_refuse(j->c, -ENOMEM, "agent out of memory");
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    (!merged && pipe2(err, O_CLOEXEC) < 0)) {
		ret = conn_refuse(j->c, -errno, "cannot start the job: pipe: %s", strerror(errno));
		goto out;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = merged ? out[1] : err[1];
	j->pid = fork();
	if (j->pid < 0) {
		ret = conn_refuse(j->c, -errno, "cannot start the job: fork: %s", strerror(errno));
		goto out;
	}
	if (j->pid == 0)
		child_exec(j, argv, fds, parent);
	setpgid(j->pid, j->pid);
	j->in = in[1];
	j->out = out[0];
	j->err = err[0];
	in[1] = out[0] = err[0] = -1;
	fcntl(j->in, F_SETFL, O_NONBLOCK);
	fcntl(j->out, F_SETFL, O_NONBLOCK);
	if (j->err >= 0)
		fcntl(j->err, F_SETFL, O_NONBLOCK);
	if (j->m->flags & HEXO_RUN_F_NO_STDIN) {
		close(j->in); /* STDIN frames are dropped */
		j->in = -1;
	}
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	j->t_start = hexo_now_ms();
	if (j->m->kind == HEXO_RUN_RESUME)
		hexod_log("job started: %s: pid %d: hexo resume --image %s (%llu-byte checkpoint, "
		          "%zu files, %zu folders)",
		          j->id, (int)j->pid, j->image_name, (unsigned long long)j->m->ckpt_size,
		          j->n_files, j->n_dirs);
	else
		hexod_log("job started: %s: pid %d: hexo run %s (%u args, %zu files, %zu folders)",
		          j->id, (int)j->pid, j->image_name, j->m->argc - 1, j->n_files, j->n_dirs);
	ret = job_announce(j);
out:
	close_pair(in);
	close_pair(out);
	close_pair(err);
	free_argv(argv);
	return ret;
}

/* Kills the job's process group and reaps the job. */
static void job_kill(struct job *j)
{
	int st;

	if (j->pid <= 0)
		return;
	unlink(j->pidfile);
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	j->pid = 0;
}

/* Reaps the job if it has ended: 1 when it has. */
static int job_reap(struct job *j)
{
	int st;

	if (j->pid <= 0)
		return 1;
	if (waitpid(j->pid, &st, WNOHANG) != j->pid)
		return 0;
	unlink(j->pidfile); /* MIGRATE JOB: no such job from now on */
	j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* Anything the job left behind in its group goes too. */
	kill(-j->pid, SIGKILL);
	j->pid = 0;
	return 1;
}

/* Forwards what a pipe has; closes it at EOF. */
static int forward(struct job *j, int *fd, unsigned stream)
{
	uint8_t buf[OUT_CHUNK];
	ssize_t r;
	int ret;

	r = read(*fd, buf, sizeof(buf));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	ret = hexo_frame_send(j->c->fd, HEXO_F_OUTPUT, stream, buf, (size_t)r, -1);
	if (ret) {
		snprintf(j->c->err, sizeof(j->c->err), "client went away: %s", strerror(-ret));
		hexod_log("job killed: %s", j->c->err);
	}
	return ret;
}

/* --- the job's stdin ------------------------------------------------------ */

/* Closes the job's stdin (EOF for the job); input still pending is dropped. */
static void stdin_close(struct job *j)
{
	if (j->in >= 0)
		close(j->in);
	j->in = -1;
	j->in_len = j->in_off = 0;
}

/* Writes what the pipe takes of p: the number of bytes, or -1 when the job
 * no longer reads its stdin (it closed it, or ended). */
static ssize_t pipe_put(int fd, const uint8_t *p, size_t len)
{
	size_t done = 0;
	ssize_t w;

	while (done < len) {
		w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

/* A STDIN frame (in c->buf): more input for the job, or its end. */
static int stdin_frame(struct job *j, const struct hexo_frame_hdr *h)
{
	ssize_t n;

	if (j->in_eof)
		return conn_refuse(j->c, -EPROTO, "STDIN after the end of stdin");
	j->in_total += h->len;
	if (!h->len) {
		j->in_eof = true;
		if (!j->in_len)
			stdin_close(j);
		return 0;
	}
	if (j->in < 0)
		return 0; /* the job no longer reads: dropped */
	n = pipe_put(j->in, j->c->buf, h->len);
	if (n < 0) {
		stdin_close(j);
		return 0;
	}
	if ((size_t)n == h->len)
		return 0;
	/* The pipe is full: keep the rest (c->buf is reused) until it has room. */
	if (!j->in_buf) {
		j->in_buf = malloc(HEXO_PROTO_MAX_FRAME);
		if (!j->in_buf)
			return conn_refuse(j->c, -ENOMEM, "agent out of memory");
	}
	j->in_len = h->len - (size_t)n;
	j->in_off = 0;
	memcpy(j->in_buf, j->c->buf + n, j->in_len);
	return 0;
}

/* The pipe has room again: write what is pending. */
static void stdin_flush(struct job *j)
{
	ssize_t n;

	if (j->in < 0 || !j->in_len)
		return;
	n = pipe_put(j->in, j->in_buf + j->in_off, j->in_len);
	if (n < 0) {
		stdin_close(j);
		return;
	}
	j->in_off += (size_t)n;
	j->in_len -= (size_t)n;
	if (!j->in_len && j->in_eof)
		stdin_close(j);
}

/*
 * The client's stdout or stderr is closed (a reader that went away): close
 * the job's too, so its writes fail (EPIPE) as they would in a local run.
 */
static int output_closed(struct job *j, unsigned stream)
{
	bool merged = j->m->flags & HEXO_RUN_F_MERGED;
	int *fd = stream == HEXO_STREAM_STDERR && !merged ? &j->err : &j->out;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return 0;
}

/*
 * The client sent something while the job ran: stdin, or it left, or it
 * misbehaves. While stdin input is pending (the job does not read), the
 * socket is only watched for the client going away (POLLRDHUP), so TCP
 * holds the client back.
 */
static int client_spoke(struct job *j, short revents)
{
	struct hexo_frame_hdr h;
	uint8_t b;
	ssize_t r;
	int ret;

	if (j->in_len && !(revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return 0;
	if (j->in_len) {
		hexod_log("job killed: client went away");
		return -ECONNRESET;
	}
	r = recv(j->c->fd, &b, 1, MSG_PEEK);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		hexod_log("job killed: client went away");
		return -ECONNRESET;
	}
	ret = conn_recv(j->c, &h);
	if (ret)
		return ret;
	if (h.type == HEXO_F_STDIN)
		return stdin_frame(j, &h);
	if (h.type == HEXO_F_CLOSED)
		return output_closed(j, h.stream);
	if (h.type == HEXO_F_MIGRATE) {
		if (h.len)
			return conn_refuse(
			    j->c, -EPROTO,
			    "MIGRATE with a job id while a job runs (empty: this job)");
		j->migrate++;
		hexod_log("migration requested by the client");
		return 0;
	}
	return conn_refuse(j->c, -EPROTO, "unexpected %s frame while the job runs",
	                   hexo_frame_type_name(h.type));
}

/* --- migration requests -------------------------------------------------- */

/* A SIGUSR1 bit (bit N-1 for signal N) in a /proc/PID/status mask line. */
static bool status_has_usr1(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n))
		return false;
	return (strtoull(line + n, NULL, 16) >> (SIGUSR1 - 1)) & 1;
}

/*
 * Whether the job's hexo can take SIGUSR1 now without dying of it: it has
 * exec()ed (before, the child of fork() has our handler, then the default,
 * which kills) and catches or blocks SIGUSR1 (it installs its handler early
 * in main(), but not before). A request waits until then.
 */
static bool usr1_ready(pid_t pid)
{
	char path[64], self[PATH_MAX], exe[PATH_MAX], line[256];
	ssize_t n, m;
	bool ready = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe));
	m = readlink("/proc/self/exe", self, sizeof(self));
	if (n < 0 || (n == m && !memcmp(exe, self, (size_t)n)))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!ready && fgets(line, sizeof(line), f))
		ready = status_has_usr1(line, "SigCgt:") || status_has_usr1(line, "SigBlk:");
	fclose(f);
	return ready;
}

/*
 * Passes migration requests on to the job's hexo (SIGUSR1, which it turns
 * into a stop at the next migration point, as for a local run): the
 * client's (MIGRATE) and other connections' (MIGRATE JOB, our SIGUSR1).
 * Returns true while one still waits for the job to be ready.
 */
static bool migrate_pass_on(struct job *j)
{
	if (hexod_got_usr1) {
		hexod_got_usr1 = 0;
		j->migrate++;
		hexod_log("migration requested by another connection (MIGRATE %s)", j->id);
	}
	if (j->pid <= 0)
		j->migrate = 0; /* too late: the job has ended */
	if (!j->migrate || !usr1_ready(j->pid))
		return j->migrate != 0;
	if (kill(j->pid, SIGUSR1) < 0) {
		hexod_log("cannot pass the migration request on to pid %d: %s", (int)j->pid,
		          strerror(errno));
	} else {
		hexod_log("migration request passed on: SIGUSR1 to pid %d", (int)j->pid);
	}
	j->migrate = 0;
	return false;
}

static int stream_wait_ms(struct job *j, int64_t drain_end)
{
	if (j->pid > 0)
		return j->pidfd >= 0 ? -1 : 100;
	return (int)(drain_end > hexo_now_ms() ? drain_end - hexo_now_ms() : 0);
}

static int stream(struct job *j)
{
	struct pollfd p[5];
	int64_t drain_end = -1;
	struct timespec ts;
	int ret = 0, ms, n;

	while (!ret && (j->pid > 0 || j->out >= 0 || j->err >= 0)) {
		if (j->pid <= 0 && drain_end < 0)
			drain_end = hexo_now_ms() + DRAIN_MS;
		ms = stream_wait_ms(j, drain_end);
		if (j->pid <= 0 && ms == 0)
			break; /* something outside the group holds the pipes */
		if (migrate_pass_on(j) && (ms < 0 || ms > MIGRATE_POLL_MS))
			ms = MIGRATE_POLL_MS;
		p[0] = (struct pollfd){.fd = j->out, .events = POLLIN};
		p[1] = (struct pollfd){.fd = j->err, .events = POLLIN};
		p[2] = (struct pollfd){.fd = j->pid > 0 ? j->pidfd : -1, .events = POLLIN};
		p[3] = (struct pollfd){.fd = j->c->fd, .events = j->in_len ? POLLRDHUP : POLLIN};
		p[4] = (struct pollfd){.fd = j->in_len ? j->in : -1, .events = POLLOUT};
		ts = (struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
		n = ppoll(p, 5, ms < 0 ? NULL : &ts,
		          hexo_io_use_waitmask ? &hexo_io_waitmask : NULL);
		if (hexo_io_stop)
			return conn_refuse(j->c, -ESHUTDOWN, "agent stopping: job killed");
		if (n < 0 && errno != EINTR)
			return conn_refuse(j->c, -errno, "poll: %s", strerror(errno));
		if (n <= 0) {
			if (job_reap(j))
				stdin_close(j);
			continue;
		}
		if (p[0].revents)
			ret = forward(j, &j->out, HEXO_STREAM_STDOUT);
		if (!ret && p[1].revents)
			ret = forward(j, &j->err, HEXO_STREAM_STDERR);
		if (!ret && p[4].revents)
			stdin_flush(j);
		if (!ret && p[3].revents)
			ret = client_spoke(j, p[3].revents);
		if (!ret && (p[2].revents || j->pidfd < 0) && job_reap(j))
			stdin_close(j);
	}
	return ret;
}

/* --- sending the results ------------------------------------------------- */

static int hash_file(int rootfd, const char *path, uint8_t hash[HASH_LEN])
{
	crypto_generichash_state st;
	uint8_t buf[OUT_CHUNK];
	ssize_t r;
	int fd;

	fd = hexo_tree_open_read(rootfd, path);
	if (fd < 0)
		return fd;
	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&st, buf, (size_t)r);
	close(fd);
	if (r < 0)
		return -errno;
	crypto_generichash_final(&st, hash, HASH_LEN);
	return 0;
}

static bool unchanged(struct job *j, struct entry *e, const struct stat *st)
{
	uint8_t hash[HASH_LEN];

	if (e->link || (uint64_t)st->st_size != e->size)
		return false;
	if (hash_file(j->dirfd, e->path, hash))
		return false;
	return !memcmp(hash, e->hash, HASH_LEN);
}

/* Tells the client (on its stderr) and the log that a file stays behind. */
static int note(struct job *j, const char *path, const char *why)
{
	char msg[HEXO_PROTO_PATH_MAX + 128];

	snprintf(msg, sizeof(msg) - 1, "hexod: not returning '%s': %s", path, why);
	hexod_log("%s", msg);
	strcat(msg, "\n");
	return hexo_frame_send(j->c->fd, HEXO_F_OUTPUT, HEXO_STREAM_STDERR, msg, strlen(msg), -1);
}

static int collect(const char *rel, const struct stat *st, void *arg)
{
	struct job *j = arg;
	struct entry key = {.path = (char *)rel}, *e;
	char **nc;

	e = bsearch(&key, j->files, j->n_files, sizeof(*e), cmp_entry);
	if (S_ISLNK(st->st_mode) && e && e->link) {
		e->seen = true; /* one we sent: the guest cannot change a symlink */
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return note(j, rel, "not a regular file");
	if (!hexo_proto_path_valid(rel))
		return note(j, rel, "file name not allowed");
	if (e) {
		e->seen = true;
		if (unchanged(j, e, st))
			return 0;
	}
	if (j->n_changed == j->cap_changed) {
		j->cap_changed = j->cap_changed ? 2 * j->cap_changed : 16;
		nc = realloc(j->changed, j->cap_changed * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		j->changed = nc;
	}
	j->changed[j->n_changed] = strdup(rel);
	if (!j->changed[j->n_changed])
		return -ENOMEM;
	j->n_changed++;
	return 0;
}

/* Sends size bytes of fd as DATA frames. */
static int send_data(struct job *j, int fd, uint64_t size)
{
	uint64_t left;
	ssize_t r;
	int ret = 0;

	for (left = size; !ret && left; left -= (uint64_t)r) {
		r = read(fd, j->c->buf, left < HEXO_PROTO_CHUNK ? left : HEXO_PROTO_CHUNK);
		if (r <= 0)
			return -EIO; /* shrank under us: the client sees a short file */
		ret = hexo_frame_send(j->c->fd, HEXO_F_DATA, 0, j->c->buf, (size_t)r, -1);
	}
	return ret;
}

static int send_file(struct job *j, const char *path)
{
	struct hexo_msg_file f = {.path = path};
	struct hexo_buf b = {0};
	struct stat st;
	int fd, ret;

	fd = hexo_tree_open_read(j->dirfd, path);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return note(j, path, "cannot open it");
	}
	f.size = (uint64_t)st.st_size;
	f.mode = st.st_mode & 0777;
	ret = hexo_msg_file_encode(&b, &f);
	if (!ret)
		ret = hexo_frame_send(j->c->fd, HEXO_F_FILE, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (!ret)
		ret = send_data(j, fd, f.size);
	close(fd);
	return ret;
}

/*
 * The checkpoint the job wrote (it stopped at a migration point, or wrote
 * periodic ones), if any: CHECKPOINT(size) and its bytes.
 */
static int send_checkpoint(struct job *j)
{
	struct hexo_buf b = {0};
	struct stat st;
	int fd, ret;

	fd = openat(j->ckptfd, "out.ckpt", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		if (fd >= 0)
			close(fd);
		return note(j, "the checkpoint", "cannot read it");
	}
	ret = hexo_msg_checkpoint_encode(&b, (uint64_t)st.st_size);
	if (!ret)
		ret = hexo_frame_send(j->c->fd, HEXO_F_CHECKPOINT, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (!ret)
		ret = send_data(j, fd, (uint64_t)st.st_size);
	close(fd);
	if (!ret)
		j->ckpt_size = (uint64_t)st.st_size;
	return ret;
}

static int send_results(struct job *j)
{
	struct hexo_buf b = {0};
	int ret;

	ret = hexo_tree_walk(j->dir, 0, collect, j, j->c->err, sizeof(j->c->err));
	if (ret)
		return conn_refuse(j->c, ret, "collecting the job's files: %s", j->c->err);
	for (size_t i = 0; !ret && i < j->n_files; i++) {
		if (j->files[i].seen)
			continue;
		ret = hexo_frame_send(j->c->fd, HEXO_F_DELETE, 0, j->files[i].path,
		                      strlen(j->files[i].path) + 1, -1);
		j->n_deleted++;
	}
	for (size_t i = 0; !ret && i < j->n_changed; i++)
		ret = send_file(j, j->changed[i]);
	if (!ret)
		ret = send_checkpoint(j);
	if (!ret)
		ret = hexo_msg_exit_encode(&b, (uint32_t)j->status);
	if (!ret)
		ret = hexo_frame_send(j->c->fd, HEXO_F_EXIT, 0, b.p, b.len, -1);
	hexo_buf_free(&b);
	if (ret)
		hexod_log("sending the results failed: %s", strerror(-ret));
	return ret;
}

/* --- set-up and clean-up ------------------------------------------------- */

static int job_prepare(struct job *j)
{
	const char *work = j->c->cfg->work;

	snprintf(j->tmp, sizeof(j->tmp), "%s/job-XXXXXX", work);
	if (!mkdtemp(j->tmp)) {
		j->tmp[0] = '\0';
		return conn_refuse(j->c, -errno, "cannot create a job folder in '%s': %s", work,
		                   strerror(errno));
	}
	j->id = strrchr(j->tmp, '/') + 1;
	snprintf(j->dir, sizeof(j->dir), "%s/dir", j->tmp);
	snprintf(j->img, sizeof(j->img), "%s/image", j->tmp);
	snprintf(j->ckpt, sizeof(j->ckpt), "%s/ckpt", j->tmp);
	snprintf(j->ckpt_in, sizeof(j->ckpt_in), "%s/ckpt/in.ckpt", j->tmp);
	snprintf(j->ckpt_out, sizeof(j->ckpt_out), "%s/ckpt/out.ckpt", j->tmp);
	snprintf(j->pidfile, sizeof(j->pidfile), "%s/conn.pid", j->tmp);
	if (mkdir(j->dir, 0700) < 0 || mkdir(j->img, 0700) < 0 || mkdir(j->ckpt, 0700) < 0)
		return conn_refuse(j->c, -errno, "cannot create a job folder in '%s': %s", work,
		                   strerror(errno));
	j->dirfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j->imgfd = open(j->img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j->ckptfd = open(j->ckpt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0 || j->imgfd < 0 || j->ckptfd < 0)
		return conn_refuse(j->c, -errno, "job folder '%s': %s", j->tmp, strerror(errno));
	return 0;
}

static void job_cleanup(struct job *j)
{
	int ret;

	job_kill(j);
	if (j->pidfd >= 0)
		close(j->pidfd);
	if (j->out >= 0)
		close(j->out);
	if (j->err >= 0)
		close(j->err);
	stdin_close(j);
	free(j->in_buf);
	if (j->dirfd >= 0)
		close(j->dirfd);
	if (j->imgfd >= 0)
		close(j->imgfd);
	if (j->ckptfd >= 0)
		close(j->ckptfd);
	if (j->tmp[0]) {
		ret = hexo_tree_rm(j->tmp);
		if (ret)
			hexod_log("cannot remove job folder '%s': %s", j->tmp, strerror(-ret));
	}
	for (size_t i = 0; i < j->n_files; i++)
		free(j->files[i].path);
	free(j->files);
	for (size_t i = 0; i < j->n_changed; i++)
		free(j->changed[i]);
	free(j->changed);
}

int job_run(struct conn *c, const struct hexo_msg_run *m)
{
	struct job j = {.c = c,
	                .m = m,
	                .dirfd = -1,
	                .imgfd = -1,
	                .ckptfd = -1,
	                .pidfd = -1,
	                .out = -1,
	                .err = -1,
	                .in = -1};
	int ret;

	hexod_log("job request: %s '%s' (%llu bytes), %u files",
	          m->kind == HEXO_RUN_RESUME ? "resume with image" : "image", m->argv[0],
	          (unsigned long long)m->image_size, m->n_files);
	ret = job_prepare(&j);
	if (!ret)
		ret = recv_request(&j);
	if (!ret)
		ret = spawn(&j);
	if (!ret)
		ret = stream(&j);
	if (!ret) {
		hexod_log("job exited: status %d after %.1f s (%llu bytes of stdin)", j.status,
		          (double)(hexo_now_ms() - j.t_start) / 1000.0,
		          (unsigned long long)j.in_total);
		ret = send_results(&j);
	}
	if (!ret && j.ckpt_size)
		hexod_log("job done: %zu files back, %zu deleted, checkpoint back (%llu bytes)",
		          j.n_changed, j.n_deleted, (unsigned long long)j.ckpt_size);
	else if (!ret)
		hexod_log("job done: %zu files back, %zu deleted", j.n_changed, j.n_deleted);
	job_cleanup(&j);
	return ret;
}

/* --- MIGRATE JOB from another connection ---------------------------------- */

/* The parent of process pid (/proc/PID/stat), or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name in parentheses may hold anything */
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/*
 * The connection process that runs `job` (its conn.pid, checked to be a
 * sibling of ours: a child of the agent) gets SIGUSR1 and passes it on to
 * the job's hexo as a migration request.
 */
int job_migrate_request(struct conn *c, const char *job)
{
	char path[PATH_MAX + HEXO_PROTO_JOB_MAX + 16], buf[32];
	long pid = 0;
	ssize_t n = -1;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s/conn.pid", c->cfg->work, job);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n > 0) {
		buf[n] = '\0';
		pid = strtol(buf, NULL, 10);
	}
	if (pid <= 0 || pid == getpid() || parent_of((pid_t)pid) != getppid())
		return conn_refuse(c, -ESRCH, "no job '%s' running on this agent", job);
	if (kill((pid_t)pid, SIGUSR1) < 0)
		return conn_refuse(c, -errno, "cannot reach job '%s': %s", job, strerror(errno));
	hexod_log("migration of %s asked (its connection process %ld)", job, pid);
	ret = hexo_frame_send(c->fd, HEXO_F_OK, 0, NULL, 0, hexo_deadline(c->cfg->timeout_ms));
	return ret;
}
