// SPDX-License-Identifier: MIT
/*
 * hexod wire protocol: frame headers, message encoding and decoding, path
 * validation. No I/O here (see proto_io.c) and no cryptography (the secret
 * and the proofs: secret.c), so everything is unit-tested on buffers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto.h"

static const char *const type_names[] = {
    [HEXO_F_HELLO] = "HELLO",
    [HEXO_F_CHALLENGE] = "CHALLENGE",
    [HEXO_F_AUTH] = "AUTH",
    [HEXO_F_AUTH_OK] = "AUTH_OK",
    [HEXO_F_PING] = "PING",
    [HEXO_F_PONG] = "PONG",
    [HEXO_F_RUN] = "RUN",
    [HEXO_F_FILE] = "FILE",
    [HEXO_F_DATA] = "DATA",
    [HEXO_F_END] = "END",
    [HEXO_F_OUTPUT] = "OUTPUT",
    [HEXO_F_DELETE] = "DELETE",
    [HEXO_F_EXIT] = "EXIT",
    [HEXO_F_ERROR] = "ERROR",
    [HEXO_F_STDIN] = "STDIN",
    [HEXO_F_CLOSED] = "CLOSED",
    [HEXO_F_CHECKPOINT] = "CHECKPOINT",
    [HEXO_F_MIGRATE] = "MIGRATE",
    [HEXO_F_STARTED] = "STARTED",
    [HEXO_F_OK] = "OK",
    [HEXO_F_STATUS] = "STATUS",
};

const char *hexo_frame_type_name(unsigned type)
{
	if (type == 0 || type > HEXO_F_MAX_TYPE)
		return "unknown";
	return type_names[type];
}

/* --- little-endian helpers ----------------------------------------------- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* --- frame header -------------------------------------------------------- */

void hexo_frame_hdr_encode(uint8_t out[HEXO_PROTO_HDR_SIZE], const struct hexo_frame_hdr *h)
{
	put_le32(out, h->len);
	out[4] = (uint8_t)h->type;
	out[5] = (uint8_t)(h->type >> 8);
	out[6] = h->stream;
	out[7] = h->flags;
}

int hexo_frame_hdr_decode(const uint8_t in[HEXO_PROTO_HDR_SIZE], struct hexo_frame_hdr *h,
                          char *err, size_t errlen)
{
	h->len = get_le32(in);
	h->type = (uint16_t)(in[4] | in[5] << 8);
	h->stream = in[6];
	h->flags = in[7];
	if (h->type == 0 || h->type > HEXO_F_MAX_TYPE)
		return hexo_fail(err, errlen, -EPROTO, "unknown frame type %u", h->type);
	if (h->len > HEXO_PROTO_MAX_FRAME)
		return hexo_fail(err, errlen, -EMSGSIZE,
		                 "%s frame of %u bytes exceeds the %u-byte limit",
		                 hexo_frame_type_name(h->type), h->len, HEXO_PROTO_MAX_FRAME);
	if (h->flags)
		return hexo_fail(err, errlen, -EPROTO, "%s frame with unknown flags 0x%x",
		                 hexo_frame_type_name(h->type), h->flags);
	if (h->type == HEXO_F_OUTPUT || h->type == HEXO_F_CLOSED) {
		if (h->stream != HEXO_STREAM_STDOUT && h->stream != HEXO_STREAM_STDERR)
			return hexo_fail(err, errlen, -EPROTO, "%s frame for unknown stream %u",
			                 hexo_frame_type_name(h->type), h->stream);
		if (h->type == HEXO_F_CLOSED && h->len)
			return hexo_fail(err, errlen, -EPROTO, "CLOSED frame with a payload");
	} else if (h->stream) {
		return hexo_fail(err, errlen, -EPROTO, "%s frame with a stream id",
		                 hexo_frame_type_name(h->type));
	}
	return 0;
}

/* --- output buffer ------------------------------------------------------- */

void hexo_buf_free(struct hexo_buf *b)
{
	free(b->p);
	*b = (struct hexo_buf){0};
}

static void buf_reset(struct hexo_buf *b)
{
	b->len = 0;
	b->err = 0;
}

void hexo_buf_put(struct hexo_buf *b, const void *p, size_t len)
{
	size_t cap;
	uint8_t *np;

	if (b->err)
		return;
	if (len > HEXO_PROTO_MAX_FRAME - b->len) {
		b->err = -EMSGSIZE;
		return;
	}
	if (b->len + len > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + len)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
}

void hexo_buf_u32(struct hexo_buf *b, uint32_t v)
{
	uint8_t p[4];

	put_le32(p, v);
	hexo_buf_put(b, p, sizeof(p));
}

void hexo_buf_u64(struct hexo_buf *b, uint64_t v)
{
	hexo_buf_u32(b, (uint32_t)v);
	hexo_buf_u32(b, (uint32_t)(v >> 32));
}

void hexo_buf_str(struct hexo_buf *b, const char *s)
{
	hexo_buf_put(b, s, strlen(s) + 1);
}

/* --- encoders ------------------------------------------------------------ */

int hexo_msg_hello_encode(struct hexo_buf *b, const struct hexo_msg_hello *m)
{
	buf_reset(b);
	hexo_buf_u32(b, HEXO_PROTO_MAGIC);
	hexo_buf_u32(b, m->version);
	hexo_buf_put(b, m->nonce, sizeof(m->nonce));
	return b->err;
}

int hexo_msg_challenge_encode(struct hexo_buf *b, const struct hexo_msg_challenge *m)
{
	buf_reset(b);
	hexo_buf_u32(b, m->version);
	hexo_buf_put(b, m->nonce, sizeof(m->nonce));
	hexo_buf_put(b, m->mac, sizeof(m->mac));
	return b->err;
}

int hexo_msg_pong_encode(struct hexo_buf *b, const struct hexo_msg_pong *m)
{
	buf_reset(b);
	hexo_buf_u32(b, m->version);
	hexo_buf_u32(b, m->isa);
	hexo_buf_u32(b, m->cpus);
	hexo_buf_str(b, m->machine);
	hexo_buf_str(b, m->agent);
	hexo_buf_u64(b, m->mem_bytes);
	return b->err;
}

int hexo_msg_run_encode(struct hexo_buf *b, const struct hexo_msg_run *m)
{
	buf_reset(b);
	hexo_buf_u32(b, m->kind);
	hexo_buf_u32(b, m->flags);
	hexo_buf_u64(b, m->image_size);
	hexo_buf_u32(b, m->n_files);
	hexo_buf_u32(b, m->argc);
	hexo_buf_u32(b, m->n_env);
	hexo_buf_u32(b, 0);
	hexo_buf_u64(b, m->ckpt_size);
	hexo_buf_str(b, m->migrate_after ? m->migrate_after : "");
	hexo_buf_str(b, m->checkpoint_every ? m->checkpoint_every : "");
	hexo_buf_str(b, m->mem ? m->mem : "");
	for (uint32_t i = 0; i < m->argc; i++)
		hexo_buf_str(b, m->argv[i]);
	for (uint32_t i = 0; i < m->n_env; i++)
		hexo_buf_str(b, m->env[i]);
	return b->err;
}

int hexo_msg_file_encode(struct hexo_buf *b, const struct hexo_msg_file *m)
{
	buf_reset(b);
	hexo_buf_u64(b, m->size);
	hexo_buf_u32(b, m->mode & 0777);
	hexo_buf_u32(b, m->kind);
	hexo_buf_str(b, m->path);
	return b->err;
}

int hexo_msg_exit_encode(struct hexo_buf *b, uint32_t status)
{
	buf_reset(b);
	hexo_buf_u32(b, status);
	hexo_buf_u32(b, 0);
	return b->err;
}

int hexo_msg_status_encode(struct hexo_buf *b, const char *text)
{
	buf_reset(b);
	if (!hexo_proto_status_valid(text))
		return -EINVAL;
	hexo_buf_str(b, text);
	return b->err;
}

int hexo_msg_checkpoint_encode(struct hexo_buf *b, uint64_t size)
{
	buf_reset(b);
	hexo_buf_u64(b, size);
	return b->err;
}

int hexo_msg_error_encode(struct hexo_buf *b, uint32_t code, const char *msg)
{
	size_t n = strnlen(msg, HEXO_PROTO_ERR_MAX - 1);

	buf_reset(b);
	hexo_buf_u32(b, code);
	hexo_buf_put(b, msg, n);
	hexo_buf_put(b, "", 1);
	return b->err;
}

/* --- decoders ------------------------------------------------------------ */

/* A cursor over a payload; every read checks the remaining length. */
struct cur {
	const uint8_t *p;
	size_t left;
	bool bad;
};

/* The next n bytes, or NULL (cursor marked bad) when fewer are left. */
static const uint8_t *cur_take(struct cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || c->left < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	c->left -= n;
	return p;
}

static uint32_t cur_u32(struct cur *c)
{
	const uint8_t *p = cur_take(c, 4);

	return p ? get_le32(p) : 0;
}

static uint64_t cur_u64(struct cur *c)
{
	const uint8_t *p = cur_take(c, 8);

	return p ? get_le64(p) : 0;
}

static void cur_bytes(struct cur *c, void *out, size_t n)
{
	const uint8_t *p = cur_take(c, n);

	if (p)
		memcpy(out, p, n);
}

/* A NUL-terminated string inside the payload, or NULL (cursor marked bad). */
static const char *cur_str(struct cur *c)
{
	const uint8_t *nul;
	const char *s;

	if (c->bad)
		return NULL;
	nul = memchr(c->p, 0, c->left);
	if (!nul) {
		c->bad = true;
		return NULL;
	}
	s = (const char *)c->p;
	c->left -= (size_t)(nul - c->p) + 1;
	c->p = nul + 1;
	return s;
}

/* 0 if the cursor read exactly the whole payload without overrun. */
static int cur_done(const struct cur *c, const char *what, char *err, size_t errlen)
{
	if (c->bad)
		return hexo_fail(err, errlen, -EPROTO, "malformed %s message (truncated)", what);
	if (c->left)
		return hexo_fail(err, errlen, -EPROTO, "malformed %s message (%zu trailing bytes)",
		                 what, c->left);
	return 0;
}

/* The peer's protocol version (HELLO, CHALLENGE) must be this one. */
static int version_check(uint32_t version, const char *peer, const char *self, char *err,
                         size_t errlen)
{
	if (version == HEXO_PROTO_VERSION)
		return 0;
	return hexo_fail(err, errlen, -EPROTONOSUPPORT,
	                 "%s speaks protocol version %u, this %s speaks %u: use the same hexo "
	                 "release on both sides",
	                 peer, version, self, HEXO_PROTO_VERSION);
}

int hexo_msg_hello_decode(const uint8_t *p, size_t len, struct hexo_msg_hello *m, char *err,
                          size_t errlen)
{
	struct cur c = {p, len, false};
	uint32_t magic = cur_u32(&c);
	int ret;

	m->version = cur_u32(&c);
	cur_bytes(&c, m->nonce, sizeof(m->nonce));
	if (!c.bad && magic != HEXO_PROTO_MAGIC)
		return hexo_fail(err, errlen, -EPROTO, "not a hexo client (bad magic 0x%08x)",
		                 magic);
	ret = cur_done(&c, "HELLO", err, errlen);
	return ret ? ret : version_check(m->version, "client", "agent", err, errlen);
}

int hexo_msg_challenge_decode(const uint8_t *p, size_t len, struct hexo_msg_challenge *m, char *err,
                              size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	m->version = cur_u32(&c);
	cur_bytes(&c, m->nonce, sizeof(m->nonce));
	cur_bytes(&c, m->mac, sizeof(m->mac));
	ret = cur_done(&c, "CHALLENGE", err, errlen);
	return ret ? ret : version_check(m->version, "agent", "client", err, errlen);
}

int hexo_msg_auth_decode(const uint8_t *p, size_t len, uint8_t mac[HEXO_PROTO_MAC],
                         uint8_t header[HEXO_PROTO_STREAM_HDR], char *err, size_t errlen)
{
	struct cur c = {p, len, false};

	cur_bytes(&c, mac, HEXO_PROTO_MAC);
	cur_bytes(&c, header, HEXO_PROTO_STREAM_HDR);
	return cur_done(&c, "AUTH", err, errlen);
}

int hexo_msg_auth_ok_decode(const uint8_t *p, size_t len, uint8_t header[HEXO_PROTO_STREAM_HDR],
                            char *err, size_t errlen)
{
	struct cur c = {p, len, false};

	cur_bytes(&c, header, HEXO_PROTO_STREAM_HDR);
	return cur_done(&c, "AUTH_OK", err, errlen);
}

int hexo_msg_pong_decode(const uint8_t *p, size_t len, struct hexo_msg_pong *m, char *err,
                         size_t errlen)
{
	struct cur c = {p, len, false};

	m->version = cur_u32(&c);
	m->isa = cur_u32(&c);
	m->cpus = cur_u32(&c);
	m->machine = cur_str(&c);
	m->agent = cur_str(&c);
	m->mem_bytes = !c.bad && c.left >= 8 ? cur_u64(&c) : 0; /* older agents: absent */
	return cur_done(&c, "PONG", err, errlen);
}

/* Reads n strings into a new NULL-terminated array. */
static const char **cur_strv(struct cur *c, uint32_t n)
{
	const char **v;

	if (c->bad || n > c->left) { /* each string takes at least one byte */
		c->bad = true;
		return NULL;
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v) {
		c->bad = true;
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		v[i] = cur_str(c);
	return v;
}

/*
 * A number of seconds as text ("" = not given): digits and a '.', as `hexo
 * run` takes them (it checks the value itself; this keeps anything else,
 * an option or a path, out of the node's command line).
 */
static bool secs_valid(const char *s)
{
	if (!s) /* truncated: cur_done() says so */
		return true;
	return strlen(s) < HEXO_PROTO_SECS_MAX && strspn(s, "0123456789.") == strlen(s);
}

static int run_check(const struct hexo_msg_run *m, char *err, size_t errlen)
{
	if (m->kind != HEXO_RUN_IMAGE && m->kind != HEXO_RUN_RESUME)
		return hexo_fail(err, errlen, -EPROTO, "RUN of unknown kind %u", m->kind);
	if (m->kind == HEXO_RUN_IMAGE && m->ckpt_size)
		return hexo_fail(err, errlen, -EPROTO, "RUN of an image with a checkpoint");
	if (m->kind == HEXO_RUN_RESUME && (m->ckpt_size == 0 || m->ckpt_size > HEXO_PROTO_MAX_SIZE))
		return hexo_fail(err, errlen, -EPROTO, "RESUME with a checkpoint of %llu bytes",
		                 (unsigned long long)m->ckpt_size);
	if (m->kind == HEXO_RUN_RESUME && (m->argc != 1 || m->n_env))
		return hexo_fail(err, errlen, -EPROTO, "RESUME with arguments or an environment");
	if (m->flags & ~HEXO_RUN_F_ALL)
		return hexo_fail(err, errlen, -EPROTO, "RUN with unknown flags 0x%x", m->flags);
	if (m->argc < 1 || m->argc > HEXO_PROTO_MAX_ARGS || m->n_env > HEXO_PROTO_MAX_ARGS)
		return hexo_fail(err, errlen, -EPROTO, "RUN with %u arguments and %u variables",
		                 m->argc, m->n_env);
	if (m->n_files > HEXO_PROTO_MAX_FILES)
		return hexo_fail(err, errlen, -EPROTO, "RUN with %u files (at most %u)", m->n_files,
		                 HEXO_PROTO_MAX_FILES);
	if (m->image_size == 0 || m->image_size > HEXO_PROTO_MAX_SIZE)
		return hexo_fail(err, errlen, -EPROTO, "RUN with an image of %llu bytes",
		                 (unsigned long long)m->image_size);
	return 0;
}

int hexo_msg_run_decode(const uint8_t *p, size_t len, struct hexo_msg_run *m, char *err,
                        size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	*m = (struct hexo_msg_run){0};
	m->kind = cur_u32(&c);
	m->flags = cur_u32(&c);
	m->image_size = cur_u64(&c);
	m->n_files = cur_u32(&c);
	m->argc = cur_u32(&c);
	m->n_env = cur_u32(&c);
	if (cur_u32(&c) != 0 && !c.bad)
		return hexo_fail(err, errlen, -EPROTO, "RUN with a non-zero reserved field");
	m->ckpt_size = cur_u64(&c);
	if (c.bad)
		return cur_done(&c, "RUN", err, errlen);
	ret = run_check(m, err, errlen);
	if (ret)
		return ret;
	m->migrate_after = cur_str(&c);
	m->checkpoint_every = cur_str(&c);
	if (!secs_valid(m->migrate_after) || !secs_valid(m->checkpoint_every))
		return hexo_fail(err, errlen, -EPROTO,
		                 "RUN with a bad --migrate-after or --checkpoint-every value");
	m->mem = cur_str(&c);
	m->argv = cur_strv(&c, m->argc);
	m->env = cur_strv(&c, m->n_env);
	ret = cur_done(&c, "RUN", err, errlen);
	for (uint32_t i = 0; !ret && i < m->n_env; i++)
		if (m->env[i][0] == '=' || !strchr(m->env[i], '='))
			ret = hexo_fail(err, errlen, -EPROTO,
			                "RUN with environment entry '%.100s' (NAME=VALUE expected)",
			                m->env[i]);
	if (ret)
		hexo_msg_run_free(m);
	return ret;
}

void hexo_msg_run_free(struct hexo_msg_run *m)
{
	free(m->argv);
	free(m->env);
	m->argv = NULL;
	m->env = NULL;
}

/* A path from the wire (FILE, DELETE) must be hexo_proto_path_valid(). */
static int path_check(const char *path, char *err, size_t errlen)
{
	if (hexo_proto_path_valid(path))
		return 0;
	if (hexo_proto_path_depth(path) > HEXO_PROTO_PATH_DEPTH)
		return hexo_fail(err, errlen, -EPROTO, "file name '%.200s...' with more than %u components",
		                 path, HEXO_PROTO_PATH_DEPTH);
	return hexo_fail(err, errlen, -EPROTO,
	                 "bad file name '%.200s' (relative paths only, no '..')", path);
}

int hexo_msg_file_decode(const uint8_t *p, size_t len, struct hexo_msg_file *m, char *err,
                         size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	m->size = cur_u64(&c);
	m->mode = cur_u32(&c);
	m->kind = cur_u32(&c);
	m->path = cur_str(&c);
	ret = cur_done(&c, "FILE", err, errlen);
	if (ret)
		return ret;
	if (m->mode & ~0777u)
		return hexo_fail(err, errlen, -EPROTO, "FILE with bad mode 0%o", m->mode);
	if (m->kind != HEXO_FILE_REG && m->kind != HEXO_FILE_DIR && m->kind != HEXO_FILE_SYMLINK)
		return hexo_fail(err, errlen, -EPROTO, "FILE of unknown kind %u", m->kind);
	if (m->kind == HEXO_FILE_DIR && m->size)
		return hexo_fail(err, errlen, -EPROTO, "directory FILE with %llu bytes of data",
		                 (unsigned long long)m->size);
	if (m->kind == HEXO_FILE_SYMLINK && (m->size == 0 || m->size >= HEXO_PROTO_PATH_MAX))
		return hexo_fail(err, errlen, -EPROTO, "symlink FILE with a target of %llu bytes",
		                 (unsigned long long)m->size);
	if (m->size > HEXO_PROTO_MAX_SIZE)
		return hexo_fail(err, errlen, -EPROTO, "FILE of %llu bytes",
		                 (unsigned long long)m->size);
	return path_check(m->path, err, errlen);
}

int hexo_msg_path_decode(const uint8_t *p, size_t len, const char **path, char *err, size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	*path = cur_str(&c);
	ret = cur_done(&c, "DELETE", err, errlen);
	return ret ? ret : path_check(*path, err, errlen);
}

int hexo_msg_exit_decode(const uint8_t *p, size_t len, uint32_t *status, char *err, size_t errlen)
{
	struct cur c = {p, len, false};
	uint32_t reserved;
	int ret;

	*status = cur_u32(&c);
	reserved = cur_u32(&c);
	ret = cur_done(&c, "EXIT", err, errlen);
	if (ret)
		return ret;
	if (reserved || *status > 255)
		return hexo_fail(err, errlen, -EPROTO, "EXIT with bad status %u", *status);
	return 0;
}

int hexo_msg_checkpoint_decode(const uint8_t *p, size_t len, uint64_t *size, char *err,
                               size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	*size = cur_u64(&c);
	ret = cur_done(&c, "CHECKPOINT", err, errlen);
	if (ret)
		return ret;
	if (*size == 0 || *size > HEXO_PROTO_MAX_SIZE)
		return hexo_fail(err, errlen, -EPROTO, "CHECKPOINT of %llu bytes",
		                 (unsigned long long)*size);
	return 0;
}

bool hexo_proto_job_valid(const char *job)
{
	size_t n = job ? strnlen(job, HEXO_PROTO_JOB_MAX) : 0;

	if (n == 0 || n >= HEXO_PROTO_JOB_MAX || job[0] == '.' || job[0] == '-')
		return false;
	return strspn(job, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}

int hexo_msg_job_decode(const uint8_t *p, size_t len, bool allow_empty, const char **job, char *err,
                        size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	if (!len && allow_empty) {
		*job = "";
		return 0;
	}
	*job = cur_str(&c);
	ret = cur_done(&c, "job id", err, errlen);
	if (ret)
		return ret;
	if (!hexo_proto_job_valid(*job))
		return hexo_fail(err, errlen, -EPROTO, "bad job id '%.80s'", *job);
	return 0;
}

bool hexo_proto_status_valid(const char *text)
{
	size_t n = text ? strnlen(text, HEXO_PROTO_STATUS_MAX + 1) : 0;

	if (n == 0 || n > HEXO_PROTO_STATUS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((text[i] < 0x20 || text[i] > 0x7e) && text[i] != '\t' && text[i] != '\n')
			return false;
	return true;
}

int hexo_msg_status_decode(const uint8_t *p, size_t len, const char **text, char *err,
                           size_t errlen)
{
	struct cur c = {p, len, false};
	int ret;

	*text = cur_str(&c);
	ret = cur_done(&c, "STATUS", err, errlen);
	if (ret)
		return ret;
	if (!hexo_proto_status_valid(*text))
		return hexo_fail(err, errlen, -EPROTO,
		                 "STATUS of %zu bytes: want 1 to %u printable characters",
		                 len - 1, HEXO_PROTO_STATUS_MAX);
	return 0;
}

void hexo_msg_error_decode(const uint8_t *p, size_t len, struct hexo_msg_error *m)
{
	struct cur c = {p, len, false};

	m->code = cur_u32(&c);
	m->msg = cur_str(&c);
	if (c.bad || !m->msg) {
		m->code = EPROTO;
		m->msg = "(malformed error message)";
	}
}

/* --- paths --------------------------------------------------------------- */

static bool component_valid(const char *s, size_t n)
{
	if (n == 0 || n > HEXO_PROTO_NAME_MAX)
		return false;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

unsigned hexo_proto_path_depth(const char *path)
{
	unsigned n = 1;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

bool hexo_proto_path_valid(const char *path)
{
	const char *s = path, *slash;
	size_t len;

	if (!path)
		return false;
	len = strnlen(path, HEXO_PROTO_PATH_MAX);
	if (len == 0 || len >= HEXO_PROTO_PATH_MAX || path[0] == '/' ||
	    hexo_proto_path_depth(path) > HEXO_PROTO_PATH_DEPTH)
		return false;
	for (;;) {
		slash = strchr(s, '/');
		if (!component_valid(s, slash ? (size_t)(slash - s) : strlen(s)))
			return false;
		if (!slash)
			return true;
		s = slash + 1;
	}
}
