// SPDX-License-Identifier: MIT
/*
 * Unit tests for the hexod wire protocol (lib/proto.c, lib/proto_io.c,
 * lib/proto_fs.c, lib/secret.c): frame headers, message decoding of good,
 * truncated and hostile payloads (RUN's environment and flags, RESUME, FILE
 * kinds, STDIN, CLOSED, CHECKPOINT, MIGRATE, STARTED and OK frames, job
 * ids), path validation, the secret and the HMAC handshake, frame I/O on
 * socketpairs, sealed frames after the handshake (round trip; altered,
 * replayed, reordered, dropped, other-session and plain frames refused),
 * and the job-directory tree helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto.h"
#include "fsutil.h"
#include "proto_fs.h"
#include "secret.h"

static const char KEY_HEX[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void key_of(const char *hex, uint8_t key[HEXO_PROTO_KEY])
{
	assert_int_equal(hexo_secret_parse(hex, key), 0);
}

/* --- frame headers ------------------------------------------------------- */

static int hdr_check(uint32_t len, uint16_t type, uint8_t stream, uint8_t flags)
{
	struct hexo_frame_hdr h = {len, type, stream, flags}, out;
	uint8_t b[HEXO_PROTO_HDR_SIZE];
	char err[256];

	hexo_frame_hdr_encode(b, &h);
	return hexo_frame_hdr_decode(b, &out, err, sizeof(err));
}

static void test_hdr_roundtrip(void **state)
{
	struct hexo_frame_hdr h = {.len = 0x123456, .type = HEXO_F_OUTPUT, .stream = 2}, out;
	uint8_t b[HEXO_PROTO_HDR_SIZE];
	char err[256];

	(void)state;
	h.len = HEXO_PROTO_MAX_FRAME;
	hexo_frame_hdr_encode(b, &h);
	/* little-endian on the wire */
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[2], 0x10);
	assert_int_equal(b[4], HEXO_F_OUTPUT);
	assert_int_equal(b[5], 0);
	assert_int_equal(hexo_frame_hdr_decode(b, &out, err, sizeof(err)), 0);
	assert_int_equal(out.len, HEXO_PROTO_MAX_FRAME);
	assert_int_equal(out.type, HEXO_F_OUTPUT);
	assert_int_equal(out.stream, 2);
}

static void test_hdr_refused(void **state)
{
	(void)state;
	assert_int_equal(hdr_check(0, HEXO_F_PING, 0, 0), 0);
	assert_int_equal(hdr_check(0, 0, 0, 0), -EPROTO);                   /* type 0 */
	assert_int_equal(hdr_check(0, HEXO_F_MAX_TYPE + 1, 0, 0), -EPROTO); /* unknown */
	assert_int_equal(hdr_check(0, 0x100 | HEXO_F_PING, 0, 0), -EPROTO); /* high byte */
	assert_int_equal(hdr_check(HEXO_PROTO_MAX_FRAME + 1, HEXO_F_DATA, 0, 0), -EMSGSIZE);
	assert_int_equal(hdr_check(UINT32_MAX, HEXO_F_DATA, 0, 0), -EMSGSIZE);
	assert_int_equal(hdr_check(1, HEXO_F_DATA, 0, 1), -EPROTO);   /* flags */
	assert_int_equal(hdr_check(1, HEXO_F_DATA, 1, 0), -EPROTO);   /* stream on DATA */
	assert_int_equal(hdr_check(1, HEXO_F_OUTPUT, 0, 0), -EPROTO); /* OUTPUT needs one */
	assert_int_equal(hdr_check(1, HEXO_F_OUTPUT, 3, 0), -EPROTO);
	assert_int_equal(hdr_check(1, HEXO_F_OUTPUT, 1, 0), 0);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(hexo_frame_type_name(HEXO_F_RUN), "RUN");
	assert_string_equal(hexo_frame_type_name(0), "unknown");
	assert_string_equal(hexo_frame_type_name(1000), "unknown");
}

/* --- messages ------------------------------------------------------------ */

static void test_hello(void **state)
{
	struct hexo_msg_hello in = {.version = HEXO_PROTO_VERSION}, out;
	struct hexo_buf b = {0};
	char err[256];
	uint8_t copy[64];

	(void)state;
	memset(in.nonce, 0xab, sizeof(in.nonce));
	assert_int_equal(hexo_msg_hello_encode(&b, &in), 0);
	assert_int_equal(b.len, 40);
	assert_int_equal(hexo_msg_hello_decode(b.p, b.len, &out, err, sizeof(err)), 0);
	assert_memory_equal(out.nonce, in.nonce, sizeof(in.nonce));
	/* every truncation is refused */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(hexo_msg_hello_decode(b.p, n, &out, err, sizeof(err)), -EPROTO);
	/* trailing bytes are refused */
	memcpy(copy, b.p, b.len);
	assert_int_equal(hexo_msg_hello_decode(copy, b.len + 1, &out, err, sizeof(err)), -EPROTO);
	/* bad magic */
	copy[0] ^= 1;
	assert_int_equal(hexo_msg_hello_decode(copy, b.len, &out, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "magic"));
	/* another version (the one before, and the next) */
	in.version = HEXO_PROTO_VERSION - 1;
	hexo_msg_hello_encode(&b, &in);
	assert_int_equal(hexo_msg_hello_decode(b.p, b.len, &out, err, sizeof(err)),
	                 -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "version 4,"));
	in.version = HEXO_PROTO_VERSION + 1;
	hexo_msg_hello_encode(&b, &in);
	assert_int_equal(hexo_msg_hello_decode(b.p, b.len, &out, err, sizeof(err)),
	                 -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "same hexo release"));
	hexo_buf_free(&b);
}

static void test_run_roundtrip(void **state)
{
	const char *argv[] = {"dir/app.hexo", "-n", "", "x y", NULL};
	const char *env[] = {"A=1", "B=", NULL};
	struct hexo_msg_run in = {.kind = HEXO_RUN_IMAGE,
	                          .flags = HEXO_RUN_F_STATS | HEXO_RUN_F_MERGED,
	                          .image_size = 12345,
	                          .n_files = 7,
	                          .argc = 4,
	                          .n_env = 2,
	                          .mem = "1G",
	                          .argv = argv,
	                          .env = env},
	                    out;
	struct hexo_buf b = {0};
	char err[256];

	(void)state;
	assert_int_equal(hexo_msg_run_encode(&b, &in), 0);
	assert_int_equal(hexo_msg_run_decode(b.p, b.len, &out, err, sizeof(err)), 0);
	assert_int_equal(out.image_size, 12345);
	assert_int_equal(out.n_files, 7);
	assert_int_equal(out.flags, HEXO_RUN_F_STATS | HEXO_RUN_F_MERGED);
	assert_string_equal(out.mem, "1G");
	assert_int_equal(out.argc, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(out.argv[i], argv[i]);
	assert_null(out.argv[4]);
	assert_string_equal(out.env[0], "A=1");
	assert_string_equal(out.env[1], "B=");
	assert_null(out.env[2]);
	hexo_msg_run_free(&out);
	/* every truncation is refused without crashing or leaking */
	for (size_t n = 0; n < b.len; n++) {
		assert_int_not_equal(hexo_msg_run_decode(b.p, n, &out, err, sizeof(err)), 0);
		assert_null(out.argv);
	}
	hexo_buf_free(&b);
}

static int run_decode_ckpt(uint32_t kind, uint32_t flags, uint64_t size, uint64_t ckpt_size,
                           uint32_t n_files, uint32_t argc, uint32_t n_env, const char *strings,
                           size_t slen)
{
	struct hexo_msg_run out;
	struct hexo_buf b = {0};
	char err[256];
	int ret;

	hexo_buf_u32(&b, kind);
	hexo_buf_u32(&b, flags);
	hexo_buf_u64(&b, size);
	hexo_buf_u32(&b, n_files);
	hexo_buf_u32(&b, argc);
	hexo_buf_u32(&b, n_env);
	hexo_buf_u32(&b, 0);
	hexo_buf_u64(&b, ckpt_size);
	hexo_buf_put(&b, "\0", 2); /* --migrate-after, --checkpoint-every: not given */
	hexo_buf_put(&b, strings, slen);
	ret = hexo_msg_run_decode(b.p, b.len, &out, err, sizeof(err));
	if (!ret)
		hexo_msg_run_free(&out);
	hexo_buf_free(&b);
	return ret;
}

static int run_decode_with(uint32_t kind, uint32_t flags, uint64_t size, uint32_t n_files,
                           uint32_t argc, uint32_t n_env, const char *strings, size_t slen)
{
	return run_decode_ckpt(kind, flags, size, 0, n_files, argc, n_env, strings, slen);
}

static void test_run_refused(void **state)
{
	static const char s[] = "\0app\0"; /* mem "", argv[0] "app" */

	(void)state;
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 0, s, sizeof(s) - 1), 0);
	assert_int_equal(run_decode_with(3, 0, 10, 0, 1, 0, s, sizeof(s) - 1), -EPROTO); /* kind */
	assert_int_equal(run_decode_with(1, 0x80, 10, 0, 1, 0, s, sizeof(s) - 1),
	                 -EPROTO); /* flags */
	assert_int_equal(run_decode_with(1, 0x40, 10, 0, 1, 0, s, sizeof(s) - 1), -EPROTO);
	assert_int_equal(run_decode_with(1, 3, 10, 0, 1, 0, s, sizeof(s) - 1), 0);
	assert_int_equal(run_decode_with(1, 0, 0, 0, 1, 0, s, sizeof(s) - 1), -EPROTO);  /* size */
	assert_int_equal(run_decode_with(1, 0, 10, 0, 0, 0, s, sizeof(s) - 1), -EPROTO); /* argc */
	assert_int_equal(
	    run_decode_with(1, 0, 10, HEXO_PROTO_MAX_FILES + 1, 1, 0, s, sizeof(s) - 1), -EPROTO);
	assert_int_equal(run_decode_with(1, 0, 10, 0, HEXO_PROTO_MAX_ARGS + 1, 0, s, sizeof(s) - 1),
	                 -EPROTO);
	/* more strings announced than present: no huge allocation, refused */
	assert_int_equal(run_decode_with(1, 0, 10, 0, 4000, 0, s, sizeof(s) - 1), -EPROTO);
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 3, s, sizeof(s) - 1), -EPROTO);
	/* unterminated string */
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 0, "\0app", 4), -EPROTO);
	/* trailing bytes */
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 0, "\0app\0x", 6), -EPROTO);
}

/* The environment crosses as NAME=VALUE only: a bare NAME would take the
 * node's value, which a local run never sees. */
static void test_run_env(void **state)
{
	static const char ok[] = "\0app\0A=1\0EMPTY=\0X=a=b\0";
	static const char bare[] = "\0app\0A=1\0HOME\0";
	static const char noname[] = "\0app\0=x\0";
	static const char empty[] = "\0app\0\0";

	(void)state;
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 3, ok, sizeof(ok) - 1), 0);
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 2, bare, sizeof(bare) - 1), -EPROTO);
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 1, noname, sizeof(noname) - 1), -EPROTO);
	assert_int_equal(run_decode_with(1, 0, 10, 0, 1, 1, empty, sizeof(empty) - 1), -EPROTO);
}

/* STDIN: client to agent, no stream id, any size up to the limit, empty = end. */
static void test_stdin_frame(void **state)
{
	int sv[2];
	struct hexo_frame_hdr h;
	uint8_t b[16];
	char err[256];

	(void)state;
	assert_string_equal(hexo_frame_type_name(HEXO_F_STDIN), "STDIN");
	assert_int_equal(hdr_check(0, HEXO_F_STDIN, 0, 0), 0);
	assert_int_equal(hdr_check(HEXO_PROTO_MAX_FRAME, HEXO_F_STDIN, 0, 0), 0);
	assert_int_equal(hdr_check(5, HEXO_F_STDIN, 1, 0), -EPROTO); /* no stream id */
	assert_int_equal(hdr_check(5, HEXO_F_STDIN, 0, 1), -EPROTO);
	assert_int_equal(hdr_check(HEXO_PROTO_MAX_FRAME + 1, HEXO_F_STDIN, 0, 0), -EMSGSIZE);
	/* through a socket: data, then the empty end frame */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(hexo_frame_send(sv[0], HEXO_F_STDIN, 0, "line\n", 5, -1), 0);
	assert_int_equal(hexo_frame_send(sv[0], HEXO_F_STDIN, 0, NULL, 0, -1), 0);
	assert_int_equal(hexo_frame_recv(sv[1], &h, b, sizeof(b), -1, err, sizeof(err)), 0);
	assert_int_equal(h.type, HEXO_F_STDIN);
	assert_int_equal(h.len, 5);
	assert_memory_equal(b, "line\n", 5);
	assert_int_equal(hexo_frame_recv(sv[1], &h, b, sizeof(b), -1, err, sizeof(err)), 0);
	assert_int_equal(h.type, HEXO_F_STDIN);
	assert_int_equal(h.len, 0);
	close(sv[0]);
	close(sv[1]);
}

/* CLOSED: client to agent, stream 1 or 2, no payload. */
static void test_closed_frame(void **state)
{
	(void)state;
	assert_string_equal(hexo_frame_type_name(HEXO_F_CLOSED), "CLOSED");

	assert_int_equal(hdr_check(0, HEXO_F_CLOSED, HEXO_STREAM_STDOUT, 0), 0);
	assert_int_equal(hdr_check(0, HEXO_F_CLOSED, HEXO_STREAM_STDERR, 0), 0);
	assert_int_equal(hdr_check(0, HEXO_F_CLOSED, 0, 0), -EPROTO); /* needs a stream */
	assert_int_equal(hdr_check(0, HEXO_F_CLOSED, 3, 0), -EPROTO);
	assert_int_equal(hdr_check(1, HEXO_F_CLOSED, 1, 0), -EPROTO); /* no payload */
	assert_int_equal(hdr_check(0, HEXO_F_MAX_TYPE + 1, 0, 0), -EPROTO);
}

/* RUN flags: the client's closed fds and merged output cross; others not. */
static void test_run_flags(void **state)
{
	static const char s[] = "\0app\0";

	(void)state;
	assert_int_equal(run_decode_with(1, HEXO_RUN_F_ALL, 10, 0, 1, 0, s, sizeof(s) - 1), 0);
	assert_int_equal(run_decode_with(1, HEXO_RUN_F_NO_STDIN | HEXO_RUN_F_NO_STDERR, 10, 0, 1, 0,
	                                 s, sizeof(s) - 1),
	                 0);
	assert_int_equal(run_decode_with(1, HEXO_RUN_F_ALL + 1, 10, 0, 1, 0, s, sizeof(s) - 1),
	                 -EPROTO);
	assert_int_equal(HEXO_RUN_F_ALL, 0x3f);
	assert_int_equal(run_decode_with(1, HEXO_RUN_F_STATUS, 10, 0, 1, 0, s, sizeof(s) - 1), 0);
}

/* RESUME: a checkpoint after the image, one argv entry (the image's name), no env. */
static void test_run_resume(void **state)
{
	const char *argv[] = {"app.hexo", NULL};
	struct hexo_msg_run in = {.kind = HEXO_RUN_RESUME,
	                          .image_size = 100,
	                          .ckpt_size = 8192,
	                          .migrate_after = "2.5",
	                          .checkpoint_every = "60",
	                          .argc = 1,
	                          .mem = "",
	                          .argv = argv},
	                    out;
	static const char s[] = "\0app\0";
	struct hexo_buf b = {0};
	char err[256];

	(void)state;
	assert_int_equal(hexo_msg_run_encode(&b, &in), 0);
	assert_int_equal(hexo_msg_run_decode(b.p, b.len, &out, err, sizeof(err)), 0);
	assert_int_equal(out.kind, HEXO_RUN_RESUME);
	assert_int_equal(out.ckpt_size, 8192);
	assert_string_equal(out.migrate_after, "2.5");
	assert_string_equal(out.checkpoint_every, "60");
	assert_string_equal(out.argv[0], "app.hexo");
	hexo_msg_run_free(&out);
	for (size_t n = 0; n < b.len; n++) {
		assert_int_not_equal(hexo_msg_run_decode(b.p, n, &out, err, sizeof(err)), 0);
		assert_null(out.argv);
	}
	/* a seconds value that is not a plain number (an option, a path) */
	in.migrate_after = "--dir=/etc";
	hexo_msg_run_encode(&b, &in);
	assert_int_equal(hexo_msg_run_decode(b.p, b.len, &out, err, sizeof(err)), -EPROTO);
	assert_null(out.argv);
	in.migrate_after = "";
	in.checkpoint_every = "123456789012345678901234567890123";
	hexo_msg_run_encode(&b, &in);
	assert_int_equal(hexo_msg_run_decode(b.p, b.len, &out, err, sizeof(err)), -EPROTO);
	hexo_buf_free(&b);
	assert_int_equal(run_decode_ckpt(2, 0, 10, 5, 0, 1, 0, s, sizeof(s) - 1), 0);
	assert_int_equal(run_decode_ckpt(2, 0, 10, 0, 0, 1, 0, s, sizeof(s) - 1), -EPROTO);
	assert_int_equal(
	    run_decode_ckpt(2, 0, 10, HEXO_PROTO_MAX_SIZE + 1, 0, 1, 0, s, sizeof(s) - 1), -EPROTO);
	assert_int_equal(run_decode_ckpt(1, 0, 10, 5, 0, 1, 0, s, sizeof(s) - 1), -EPROTO);
	assert_int_equal(run_decode_ckpt(2, 0, 10, 5, 0, 2, 0, "\0app\0x\0", 8), -EPROTO);
	assert_int_equal(run_decode_ckpt(2, 0, 10, 5, 0, 1, 1, "\0app\0A=1\0", 10), -EPROTO);
}

/* CHECKPOINT (agent to client), MIGRATE, STARTED, OK. */
static void test_migration_frames(void **state)
{
	struct hexo_buf b = {0};
	const char *job;
	uint64_t size;
	char err[256];

	(void)state;
	assert_string_equal(hexo_frame_type_name(HEXO_F_CHECKPOINT), "CHECKPOINT");
	assert_string_equal(hexo_frame_type_name(HEXO_F_MIGRATE), "MIGRATE");
	assert_string_equal(hexo_frame_type_name(HEXO_F_STARTED), "STARTED");
	assert_string_equal(hexo_frame_type_name(HEXO_F_OK), "OK");
	assert_string_equal(hexo_frame_type_name(HEXO_F_STATUS), "STATUS");
	assert_int_equal(HEXO_F_MAX_TYPE, HEXO_F_STATUS);
	for (unsigned t = HEXO_F_CHECKPOINT; t <= HEXO_F_STATUS; t++) {
		assert_int_equal(hdr_check(0, t, 0, 0), 0);
		assert_int_equal(hdr_check(0, t, 1, 0), -EPROTO); /* no stream id */
	}
	assert_int_equal(hexo_msg_checkpoint_encode(&b, 123456789), 0);
	assert_int_equal(b.len, 8);
	assert_int_equal(hexo_msg_checkpoint_decode(b.p, b.len, &size, err, sizeof(err)), 0);
	assert_int_equal(size, 123456789);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(hexo_msg_checkpoint_decode(b.p, n, &size, err, sizeof(err)),
		                 -EPROTO);
	hexo_msg_checkpoint_encode(&b, 0);
	assert_int_equal(hexo_msg_checkpoint_decode(b.p, b.len, &size, err, sizeof(err)), -EPROTO);
	hexo_msg_checkpoint_encode(&b, HEXO_PROTO_MAX_SIZE + 1);
	assert_int_equal(hexo_msg_checkpoint_decode(b.p, b.len, &size, err, sizeof(err)), -EPROTO);
	hexo_buf_free(&b);
	/* job ids */
	assert_int_equal(
	    hexo_msg_job_decode((const uint8_t *)"job-Ab12Cd", 11, false, &job, err, sizeof(err)),
	    0);
	assert_string_equal(job, "job-Ab12Cd");
	assert_int_equal(hexo_msg_job_decode(NULL, 0, true, &job, err, sizeof(err)), 0);
	assert_string_equal(job, "");
	assert_int_equal(hexo_msg_job_decode(NULL, 0, false, &job, err, sizeof(err)), -EPROTO);
	assert_int_equal(
	    hexo_msg_job_decode((const uint8_t *)"job-x", 5, false, &job, err, sizeof(err)),
	    -EPROTO); /* no NUL */
	assert_int_equal(
	    hexo_msg_job_decode((const uint8_t *)"a\0b", 4, false, &job, err, sizeof(err)),
	    -EPROTO); /* trailing bytes */
	assert_int_equal(hexo_msg_job_decode((const uint8_t *)"", 1, true, &job, err, sizeof(err)),
	                 -EPROTO); /* "" is not a job: empty means no payload */
	assert_true(hexo_proto_job_valid("job-Ab12Cd"));
	assert_true(hexo_proto_job_valid("a_b.c-d"));
	assert_false(hexo_proto_job_valid("../x"));
	assert_false(hexo_proto_job_valid(".x"));
	assert_false(hexo_proto_job_valid("-x"));
	assert_false(hexo_proto_job_valid("a/b"));
	assert_false(hexo_proto_job_valid(""));
	assert_false(hexo_proto_job_valid(NULL));
	assert_false(hexo_proto_job_valid("a\tb"));
	assert_false(hexo_proto_job_valid(
	    "0123456789012345678901234567890123456789012345678901234567890123"));
}

static int file_decode_kind(uint64_t size, uint32_t kind, struct hexo_msg_file *f)
{
	struct hexo_buf b = {0};
	char err[256];
	int ret;

	hexo_buf_u64(&b, size);
	hexo_buf_u32(&b, 0755);
	hexo_buf_u32(&b, kind);
	hexo_buf_str(&b, "sub/dir");
	ret = hexo_msg_file_decode(b.p, b.len, f, err, sizeof(err));
	hexo_buf_free(&b);
	return ret;
}

/* FILE kinds: regular files, folders (empty ones are sent too), symlinks. */
/* STATUS: the --status JSON as text, NUL-terminated; printable, 1 to 512 bytes. */
static void test_status_frame(void **state)
{
	static const char json[] =
	    "{\"points\": 1001, \"run_s\": 2.125, \"state\": \"stopped\", \"status\": 0}\n";
	char big[HEXO_PROTO_STATUS_MAX + 2], err[256];
	struct hexo_buf b = {0};
	const char *text;

	(void)state;
	assert_int_equal(hexo_msg_status_encode(&b, json), 0);
	assert_int_equal(b.len, sizeof(json));
	assert_int_equal(hexo_msg_status_decode(b.p, b.len, &text, err, sizeof(err)), 0);
	assert_string_equal(text, json);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(hexo_msg_status_decode(b.p, n, &text, err, sizeof(err)), -EPROTO);
	/* trailing bytes, empty, control characters */
	assert_int_equal(hexo_msg_status_decode((const uint8_t *)"{}\0x", 4, &text, err, sizeof(err)),
	                 -EPROTO);
	assert_int_equal(hexo_msg_status_decode((const uint8_t *)"", 1, &text, err, sizeof(err)),
	                 -EPROTO);
	assert_int_equal(hexo_msg_status_decode((const uint8_t *)"a\033b", 4, &text, err, sizeof(err)),
	                 -EPROTO);
	assert_int_equal(hexo_msg_status_encode(&b, "a\033b"), -EINVAL);
	assert_int_equal(hexo_msg_status_encode(&b, ""), -EINVAL);
	assert_int_equal(hexo_msg_status_encode(&b, NULL), -EINVAL);
	/* the size limit */
	memset(big, 'x', sizeof(big) - 1);
	big[HEXO_PROTO_STATUS_MAX] = '\0';
	assert_int_equal(hexo_msg_status_encode(&b, big), 0);
	assert_int_equal(hexo_msg_status_decode(b.p, b.len, &text, err, sizeof(err)), 0);
	big[HEXO_PROTO_STATUS_MAX] = 'x';
	big[HEXO_PROTO_STATUS_MAX + 1] = '\0';
	assert_int_equal(hexo_msg_status_encode(&b, big), -EINVAL);
	assert_int_equal(hexo_msg_status_decode((const uint8_t *)big, sizeof(big), &text, err,
	                                        sizeof(err)),
	                 -EPROTO);
	assert_non_null(strstr(err, "STATUS of 513 bytes"));
	assert_true(hexo_proto_status_valid("tab\tand newline\n"));
	hexo_buf_free(&b);
}

static void test_file_kinds(void **state)
{
	struct hexo_msg_file in = {.size = 0, .mode = 0750, .kind = HEXO_FILE_DIR, .path = "a/b"},
	                     f;
	struct hexo_buf b = {0};
	char err[256];

	(void)state;
	assert_int_equal(hexo_msg_file_encode(&b, &in), 0);
	assert_int_equal(hexo_msg_file_decode(b.p, b.len, &f, err, sizeof(err)), 0);
	assert_int_equal(f.kind, HEXO_FILE_DIR);
	assert_int_equal(f.mode, 0750);
	assert_string_equal(f.path, "a/b");
	hexo_buf_free(&b);

	assert_int_equal(file_decode_kind(0, HEXO_FILE_DIR, &f), 0);
	assert_int_equal(file_decode_kind(7, HEXO_FILE_REG, &f), 0);
	assert_int_equal(f.kind, HEXO_FILE_REG);
	assert_int_equal(f.size, 7);
	assert_int_equal(file_decode_kind(1, HEXO_FILE_DIR, &f), -EPROTO); /* a folder with data */
	assert_int_equal(file_decode_kind(6, HEXO_FILE_SYMLINK, &f), 0);
	assert_int_equal(f.kind, HEXO_FILE_SYMLINK);
	assert_int_equal(file_decode_kind(0, HEXO_FILE_SYMLINK, &f), -EPROTO); /* no target */
	assert_int_equal(file_decode_kind(HEXO_PROTO_PATH_MAX, HEXO_FILE_SYMLINK, &f), -EPROTO);
	assert_int_equal(file_decode_kind(HEXO_PROTO_PATH_MAX - 1, HEXO_FILE_SYMLINK, &f), 0);
	assert_int_equal(file_decode_kind(0, 3, &f), -EPROTO); /* unknown kind */
	assert_int_equal(file_decode_kind(0, UINT32_MAX, &f), -EPROTO);
}

static int file_decode_path(const char *path, uint32_t mode)
{
	struct hexo_msg_file f;
	struct hexo_buf b = {0};
	char err[256];
	int ret;

	hexo_buf_u64(&b, 5);
	hexo_buf_u32(&b, mode);
	hexo_buf_u32(&b, 0);
	hexo_buf_str(&b, path);
	ret = hexo_msg_file_decode(b.p, b.len, &f, err, sizeof(err));
	if (!ret) {
		assert_string_equal(f.path, path);
		assert_int_equal(f.size, 5);
	}
	hexo_buf_free(&b);
	return ret;
}

static void test_file_paths(void **state)
{
	(void)state;
	assert_int_equal(file_decode_path("out.txt", 0644), 0);
	assert_int_equal(file_decode_path("a/b/c.dat", 0755), 0);
	assert_int_equal(file_decode_path("..x/.hidden/x..", 0600), 0);
	assert_int_equal(file_decode_path("../x", 0644), -EPROTO);
	assert_int_equal(file_decode_path("/etc/x", 0644), -EPROTO);
	assert_int_equal(file_decode_path("a/../../b", 0644), -EPROTO);
	assert_int_equal(file_decode_path("a/..", 0644), -EPROTO);
	assert_int_equal(file_decode_path("..", 0644), -EPROTO);
	assert_int_equal(file_decode_path("", 0644), -EPROTO);
	assert_int_equal(file_decode_path("a//b", 0644), -EPROTO);
	assert_int_equal(file_decode_path("a/", 0644), -EPROTO);
	assert_int_equal(file_decode_path("./a", 0644), -EPROTO);
	assert_int_equal(file_decode_path("a\nb", 0644), -EPROTO);
	assert_int_equal(file_decode_path("ok", 01777), -EPROTO); /* sticky: not a mode we send */
}

static void test_path_valid(void **state)
{
	char longname[300], longpath[HEXO_PROTO_PATH_MAX + 10];

	(void)state;
	assert_true(hexo_proto_path_valid("a"));
	assert_true(hexo_proto_path_valid("a b/c-d_e.f"));
	assert_false(hexo_proto_path_valid(NULL));
	assert_false(hexo_proto_path_valid("."));
	assert_false(hexo_proto_path_valid("a/./b"));
	assert_false(hexo_proto_path_valid("a\x7f"));
	memset(longname, 'x', sizeof(longname));
	longname[HEXO_PROTO_NAME_MAX] = '\0';
	assert_true(hexo_proto_path_valid(longname));
	longname[HEXO_PROTO_NAME_MAX] = 'x';
	longname[HEXO_PROTO_NAME_MAX + 1] = '\0';
	assert_false(hexo_proto_path_valid(longname));
	for (size_t i = 0; i < sizeof(longpath); i++)
		longpath[i] = (i % 100 == 99) ? '/' : 'p';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_false(hexo_proto_path_valid(longpath));
	/* HEXO_PROTO_PATH_DEPTH components, not one more */
	for (size_t i = 0; i < 2 * HEXO_PROTO_PATH_DEPTH; i++)
		longpath[i] = i % 2 ? '/' : 'd';
	longpath[2 * HEXO_PROTO_PATH_DEPTH - 1] = '\0';
	assert_int_equal(hexo_proto_path_depth(longpath), HEXO_PROTO_PATH_DEPTH);
	assert_true(hexo_proto_path_valid(longpath));
	longpath[2 * HEXO_PROTO_PATH_DEPTH - 1] = '/';
	longpath[2 * HEXO_PROTO_PATH_DEPTH] = 'd';
	longpath[2 * HEXO_PROTO_PATH_DEPTH + 1] = '\0';
	assert_false(hexo_proto_path_valid(longpath));
}

static void test_small_messages(void **state)
{
	struct hexo_msg_pong pin = {.version = 1,
	                            .isa = 2,
	                            .cpus = 4,
	                            .machine = "aarch64",
	                            .agent = "hexod 9",
	                            .mem_bytes = 3ull << 30},
	                     pout;
	struct hexo_msg_error e;
	struct hexo_buf b = {0};
	const char *path;
	uint32_t st;
	char err[256];

	(void)state;
	assert_int_equal(hexo_msg_pong_encode(&b, &pin), 0);
	assert_int_equal(hexo_msg_pong_decode(b.p, b.len, &pout, err, sizeof(err)), 0);
	assert_string_equal(pout.machine, "aarch64");
	assert_string_equal(pout.agent, "hexod 9");
	assert_int_equal(pout.cpus, 4);
	assert_true(pout.mem_bytes == 3ull << 30);
	assert_int_equal(hexo_msg_pong_decode(b.p, b.len - 1, &pout, err, sizeof(err)), -EPROTO);
	/* an agent that does not send its memory: 0, not an error */
	assert_int_equal(hexo_msg_pong_decode(b.p, b.len - 8, &pout, err, sizeof(err)), 0);
	assert_true(pout.mem_bytes == 0);
	assert_int_equal(pout.cpus, 4);

	assert_int_equal(hexo_msg_exit_encode(&b, 139), 0);
	assert_int_equal(hexo_msg_exit_decode(b.p, b.len, &st, err, sizeof(err)), 0);
	assert_int_equal(st, 139);
	assert_int_equal(hexo_msg_exit_encode(&b, 256), 0);
	assert_int_equal(hexo_msg_exit_decode(b.p, b.len, &st, err, sizeof(err)), -EPROTO);

	assert_int_equal(hexo_msg_path_decode((const uint8_t *)"a/b", 4, &path, err, sizeof(err)),
	                 0);
	assert_int_equal(hexo_msg_path_decode((const uint8_t *)"../b", 5, &path, err, sizeof(err)),
	                 -EPROTO);
	assert_int_equal(hexo_msg_path_decode((const uint8_t *)"ab", 2, &path, err, sizeof(err)),
	                 -EPROTO);

	assert_int_equal(hexo_msg_error_encode(&b, EACCES, "no"), 0);
	hexo_msg_error_decode(b.p, b.len, &e);
	assert_int_equal(e.code, EACCES);
	assert_string_equal(e.msg, "no");
	hexo_msg_error_decode(b.p, 3, &e); /* malformed: a placeholder, no crash */
	assert_int_equal(e.code, EPROTO);
	hexo_msg_error_decode((const uint8_t *)"\1\0\0\0abc", 7, &e); /* unterminated */
	assert_int_equal(e.code, EPROTO);
	hexo_buf_free(&b);
}

static void test_buf_limit(void **state)
{
	struct hexo_buf b = {0};
	static uint8_t big[HEXO_PROTO_MAX_FRAME];

	(void)state;
	hexo_buf_put(&b, big, sizeof(big));
	assert_int_equal(b.err, 0);
	hexo_buf_put(&b, "x", 1);
	assert_int_equal(b.err, -EMSGSIZE);
	hexo_buf_free(&b);
}

/* --- secret and proofs --------------------------------------------------- */

static void test_secret_parse(void **state)
{
	uint8_t key[HEXO_PROTO_KEY];
	char text[100];

	(void)state;
	assert_int_equal(hexo_secret_parse(KEY_HEX, key), 0);
	assert_int_equal(key[0], 0x00);
	assert_int_equal(key[15], 0xff);
	snprintf(text, sizeof(text), "  %s\n", KEY_HEX);
	assert_int_equal(hexo_secret_parse(text, key), 0);
	assert_int_equal(hexo_secret_parse(KEY_HEX + 1, key), -EINVAL); /* 63 chars */
	snprintf(text, sizeof(text), "%s0", KEY_HEX);
	assert_int_equal(hexo_secret_parse(text, key), -EINVAL); /* 65 chars */
	snprintf(text, sizeof(text), "%s", KEY_HEX);
	text[10] = 'g';
	assert_int_equal(hexo_secret_parse(text, key), -EINVAL);
	assert_int_equal(hexo_secret_parse("", key), -EINVAL);
}

static void test_secret_new(void **state)
{
	char a[2 * HEXO_PROTO_KEY + 1], b[2 * HEXO_PROTO_KEY + 1];
	uint8_t key[HEXO_PROTO_KEY];

	(void)state;
	assert_int_equal(hexo_secret_new(a), 0);
	assert_int_equal(hexo_secret_new(b), 0);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	assert_int_equal(hexo_secret_parse(a, key), 0);
}

static void test_proofs(void **state)
{
	uint8_t k1[HEXO_PROTO_KEY], k2[HEXO_PROTO_KEY], nc[HEXO_PROTO_NONCE], ns[HEXO_PROTO_NONCE],
	    ms[HEXO_PROTO_MAC], mc[HEXO_PROTO_MAC], m2[HEXO_PROTO_MAC];

	(void)state;
	key_of(KEY_HEX, k1);
	memcpy(k2, k1, sizeof(k2));
	k2[31] ^= 1;
	memset(nc, 1, sizeof(nc));
	memset(ns, 2, sizeof(ns));
	assert_int_equal(hexo_auth_proof(k1, true, nc, ns, ms), 0);
	assert_int_equal(hexo_auth_proof(k1, false, nc, ns, mc), 0);
	/* roles differ: a server proof cannot be reflected as a client proof */
	assert_memory_not_equal(ms, mc, HEXO_PROTO_MAC);
	assert_int_equal(hexo_auth_check(k1, true, nc, ns, ms), 0);
	assert_int_equal(hexo_auth_check(k1, false, nc, ns, mc), 0);
	assert_int_equal(hexo_auth_check(k1, false, nc, ns, ms), -EACCES);
	/* another key, or other nonces, give another proof */
	assert_int_equal(hexo_auth_check(k2, true, nc, ns, ms), -EACCES);
	ns[0] ^= 1;
	assert_int_equal(hexo_auth_check(k1, true, nc, ns, ms), -EACCES);
	/* deterministic */
	ns[0] ^= 1;
	assert_int_equal(hexo_auth_proof(k1, true, nc, ns, m2), 0);
	assert_memory_equal(ms, m2, HEXO_PROTO_MAC);
}

/* --- I/O on socketpairs -------------------------------------------------- */

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(hexo_sock_setup(sv[0]), 0);
	assert_int_equal(hexo_sock_setup(sv[1]), 0);
}

static void test_frame_io(void **state)
{
	static uint8_t buf[HEXO_PROTO_MAX_FRAME];
	struct hexo_frame_hdr h;
	uint8_t hb[HEXO_PROTO_HDR_SIZE];
	char err[256];
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(hexo_frame_send(sv[0], HEXO_F_DATA, 0, "abc", 3, -1), 0);
	assert_int_equal(
	    hexo_frame_recv(sv[1], &h, buf, sizeof(buf), hexo_deadline(1000), err, sizeof(err)), 0);
	assert_int_equal(h.type, HEXO_F_DATA);
	assert_int_equal(h.len, 3);
	assert_memory_equal(buf, "abc", 3);
	/* nothing sent: times out */
	assert_int_equal(
	    hexo_frame_recv(sv[1], &h, buf, sizeof(buf), hexo_deadline(50), err, sizeof(err)),
	    -ETIMEDOUT);
	/* larger than the reader's buffer */
	assert_int_equal(hexo_frame_send(sv[0], HEXO_F_DATA, 0, "abcdef", 6, -1), 0);
	assert_int_equal(hexo_frame_recv(sv[1], &h, buf, 4, hexo_deadline(1000), err, sizeof(err)),
	                 -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);

	/* a truncated frame, then the peer closes */
	pair(sv);
	hexo_frame_hdr_encode(hb, &(struct hexo_frame_hdr){.len = 10, .type = HEXO_F_DATA});
	assert_int_equal(write(sv[0], hb, sizeof(hb)), sizeof(hb));
	assert_int_equal(write(sv[0], "12345", 5), 5);
	close(sv[0]);
	assert_int_equal(
	    hexo_frame_recv(sv[1], &h, buf, sizeof(buf), hexo_deadline(1000), err, sizeof(err)),
	    -ECONNRESET);
	close(sv[1]);

	/* a truncated header */
	pair(sv);
	assert_int_equal(write(sv[0], hb, 3), 3);
	close(sv[0]);
	assert_int_equal(
	    hexo_frame_recv(sv[1], &h, buf, sizeof(buf), hexo_deadline(1000), err, sizeof(err)),
	    -ECONNRESET);
	close(sv[1]);

	/* a clean close between frames */
	pair(sv);
	close(sv[0]);
	assert_int_equal(
	    hexo_frame_recv(sv[1], &h, buf, sizeof(buf), hexo_deadline(1000), err, sizeof(err)),
	    -EPIPE);
	close(sv[1]);

	/* an oversized header is refused before any payload is read */
	pair(sv);
	hexo_frame_hdr_encode(
	    hb, &(struct hexo_frame_hdr){.len = HEXO_PROTO_MAX_FRAME + 1, .type = HEXO_F_DATA});
	assert_int_equal(write(sv[0], hb, sizeof(hb)), sizeof(hb));
	assert_int_equal(
	    hexo_frame_recv(sv[1], &h, buf, sizeof(buf), hexo_deadline(1000), err, sizeof(err)),
	    -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
}

/* Runs the server side of a handshake in a child; returns its exit code. */
static pid_t server_child(int fd, const char *hex)
{
	uint8_t key[HEXO_PROTO_KEY];
	char err[256];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		hexo_secret_parse(hex, key);
		_exit(-hexo_handshake_server(fd, key, hexo_deadline(5000), err, sizeof(err)));
	}
	return pid;
}

/*
 * A socketpair with an agent doing the handshake (key KEY_HEX) on sv[1] in a
 * child, and the client's key (client_hex) in key: the child's pid.
 */
static pid_t agent_pair(int sv[2], const char *client_hex, uint8_t key[HEXO_PROTO_KEY])
{
	pair(sv);
	key_of(client_hex, key);
	return server_child(sv[1], KEY_HEX);
}

static int child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_handshake_ok(void **state)
{
	uint8_t key[HEXO_PROTO_KEY];
	char err[256];
	pid_t pid;
	int sv[2];

	(void)state;
	pid = agent_pair(sv, KEY_HEX, key);
	assert_int_equal(hexo_handshake_client(sv[0], key, hexo_deadline(5000), err, sizeof(err)),
	                 0);
	assert_int_equal(child_status(pid), 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_handshake_wrong_key(void **state)
{
	static const char other[] =
	    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
	uint8_t key[HEXO_PROTO_KEY];
	char err[256];
	pid_t pid;
	int sv[2];

	(void)state;
	pid = agent_pair(sv, other, key);
	/* the client sees first that the agent's proof is wrong and stops */
	assert_int_equal(hexo_handshake_client(sv[0], key, hexo_deadline(5000), err, sizeof(err)),
	                 -EACCES);
	assert_non_null(strstr(err, "secret"));
	close(sv[0]);
	assert_int_not_equal(child_status(pid), 0);
	close(sv[1]);
}

static void test_handshake_bad_proof(void **state)
{
	static uint8_t buf[HEXO_PROTO_MAX_FRAME];
	struct hexo_msg_hello hello = {.version = HEXO_PROTO_VERSION};
	struct hexo_msg_challenge ch;
	struct hexo_msg_error e;
	struct hexo_frame_hdr h;
	struct hexo_buf b = {0};
	uint8_t key[HEXO_PROTO_KEY], mac[HEXO_PROTO_MAC + HEXO_PROTO_STREAM_HDR] = {0};
	char err[256];
	pid_t pid;
	int sv[2];

	(void)state;
	pid = agent_pair(sv, KEY_HEX, key);
	memset(hello.nonce, 7, sizeof(hello.nonce));
	hexo_msg_hello_encode(&b, &hello);
	assert_int_equal(hexo_frame_send(sv[0], HEXO_F_HELLO, 0, b.p, b.len, -1), 0);
	hexo_buf_free(&b);
	assert_int_equal(
	    hexo_frame_recv(sv[0], &h, buf, sizeof(buf), hexo_deadline(5000), err, sizeof(err)), 0);
	assert_int_equal(h.type, HEXO_F_CHALLENGE);
	assert_int_equal(hexo_msg_challenge_decode(buf, h.len, &ch, err, sizeof(err)), 0);
	/* the agent's proof is right ... */
	assert_int_equal(hexo_auth_check(key, true, hello.nonce, ch.nonce, ch.mac), 0);
	/* ... but replaying it as our own proof is refused */
	memcpy(mac, ch.mac, HEXO_PROTO_MAC);
	assert_int_equal(hexo_frame_send(sv[0], HEXO_F_AUTH, 0, mac, sizeof(mac), -1), 0);
	assert_int_equal(
	    hexo_frame_recv(sv[0], &h, buf, sizeof(buf), hexo_deadline(5000), err, sizeof(err)), 0);
	assert_int_equal(h.type, HEXO_F_ERROR);
	hexo_msg_error_decode(buf, h.len, &e);
	assert_int_equal(e.code, EACCES);
	assert_int_equal(child_status(pid), EACCES);
	close(sv[0]);
	close(sv[1]);
}

static void test_handshake_garbage(void **state)
{
	static uint8_t buf[HEXO_PROTO_MAX_FRAME];
	struct hexo_frame_hdr h;
	char err[256];
	pid_t pid;
	int sv[2];

	(void)state;
	pair(sv);
	pid = server_child(sv[1], KEY_HEX);
	assert_int_equal(write(sv[0], "GET / HTTP/1.0\r\n\r\n", 18), 18);
	assert_int_equal(
	    hexo_frame_recv(sv[0], &h, buf, sizeof(buf), hexo_deadline(5000), err, sizeof(err)), 0);
	assert_int_equal(h.type, HEXO_F_ERROR);
	assert_int_not_equal(child_status(pid), 0);
	close(sv[0]);
	close(sv[1]);
}

/* --- sealed frames -------------------------------------------------------- */

#define F1_TEXT "first frame"  /* DATA */
#define F2_TEXT "second frame" /* OUTPUT, stream 1 */
#define F1_WIRE (HEXO_PROTO_HDR_SIZE + 17 + sizeof(F1_TEXT) - 1 + 17)
#define F2_WIRE (HEXO_PROTO_HDR_SIZE + 17 + sizeof(F2_TEXT) - 1 + 17)

/*
 * A handshake with an agent in a child, which then sends DATA F1_TEXT and
 * OUTPUT F2_TEXT and exits. Returns the client's socket, sealed, with
 * nothing read after the handshake; the bytes the agent sent after it,
 * read raw, are in wire (*len).
 */
static int sealed_capture(uint8_t *wire, size_t cap, size_t *len)
{
	uint8_t key[HEXO_PROTO_KEY];
	char err[256];
	pid_t pid;
	ssize_t r;
	int sv[2];

	pair(sv);
	key_of(KEY_HEX, key);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		if (hexo_handshake_server(sv[1], key, hexo_deadline(5000), err, sizeof(err)) ||
		    hexo_frame_send(sv[1], HEXO_F_DATA, 0, F1_TEXT, strlen(F1_TEXT), -1) ||
		    hexo_frame_send(sv[1], HEXO_F_OUTPUT, 1, F2_TEXT, strlen(F2_TEXT), -1))
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(hexo_handshake_client(sv[0], key, hexo_deadline(5000), err, sizeof(err)),
	                 0);
	assert_true(hexo_io_sealed(sv[0]));
	assert_int_equal(child_status(pid), 0);
	*len = 0;
	while ((r = read(sv[0], wire + *len, cap - *len)) > 0)
		*len += (size_t)r;
	return sv[0];
}

/* Makes fd (its session kept) read these bytes, then the end. */
static void feed(int fd, const uint8_t *p, size_t len)
{
	int q[2];

	pair(q);
	assert_int_equal(write(q[1], p, len), (ssize_t)len);
	close(q[1]);
	assert_int_equal(dup2(q[0], fd), fd);
	close(q[0]);
}

static int recv_on(int fd, struct hexo_frame_hdr *h, uint8_t *buf, char *err)
{
	return hexo_frame_recv(fd, h, buf, HEXO_PROTO_MAX_FRAME, hexo_deadline(1000), err, 256);
}

static void test_sealed_roundtrip(void **state)
{
	static uint8_t buf[HEXO_PROTO_MAX_FRAME];
	uint8_t wire[512];
	struct hexo_frame_hdr h;
	char err[256];
	size_t len;
	int fd;

	(void)state;
	fd = sealed_capture(wire, sizeof(wire), &len);
	assert_int_equal(len, F1_WIRE + F2_WIRE);
	/* no plain text on the wire */
	assert_null(memmem(wire, len, "frame", 5));
	feed(fd, wire, len);
	assert_int_equal(recv_on(fd, &h, buf, err), 0);
	assert_int_equal(h.type, HEXO_F_DATA);
	assert_int_equal(h.len, strlen(F1_TEXT));
	assert_memory_equal(buf, F1_TEXT, h.len);
	assert_int_equal(recv_on(fd, &h, buf, err), 0);
	assert_int_equal(h.type, HEXO_F_OUTPUT);
	assert_int_equal(h.stream, 1);
	assert_memory_equal(buf, F2_TEXT, h.len);
	assert_int_equal(recv_on(fd, &h, buf, err), -EPIPE);
	/* nothing bypasses the seal */
	assert_int_equal(hexo_io_write_all(fd, "x", 1, -1), -EPERM);
	assert_int_equal(hexo_io_read_all(fd, buf, 1, -1), -EPERM);
	hexo_io_close(fd);
	assert_false(hexo_io_sealed(fd));
}

/* What fd says of the bytes: the error of its first refused frame. */
static int first_refusal(int fd, const uint8_t *p, size_t len, char *err)
{
	static uint8_t buf[HEXO_PROTO_MAX_FRAME];
	struct hexo_frame_hdr h;
	int ret;

	feed(fd, p, len);
	while (!(ret = recv_on(fd, &h, buf, err)))
		;
	return ret;
}

static void test_sealed_refused(void **state)
{
	uint8_t wire[512], other[512], bad[1024];
	struct hexo_frame_hdr h = {.len = 0, .type = HEXO_F_EXIT};
	char err[256];
	size_t len, olen;
	int fd, ofd;

	(void)state;
	/* a flipped byte: in a header, in a payload, in the tag */
	for (size_t at = 0; at < F1_WIRE + F2_WIRE; at += 7) {
		fd = sealed_capture(wire, sizeof(wire), &len);
		wire[at] ^= 0x20;
		assert_int_equal(first_refusal(fd, wire, len, err), -EBADMSG);
		assert_non_null(strstr(err, "altered on the way"));
		hexo_io_close(fd);
	}
	/* a replayed frame */
	fd = sealed_capture(wire, sizeof(wire), &len);
	memcpy(bad, wire, F1_WIRE);
	memcpy(bad + F1_WIRE, wire, len);
	assert_int_equal(first_refusal(fd, bad, F1_WIRE + len, err), -EBADMSG);
	hexo_io_close(fd);
	/* a reordered pair */
	fd = sealed_capture(wire, sizeof(wire), &len);
	memcpy(bad, wire + F1_WIRE, F2_WIRE);
	memcpy(bad + F2_WIRE, wire, F1_WIRE);
	assert_int_equal(first_refusal(fd, bad, len, err), -EBADMSG);
	hexo_io_close(fd);
	/* a dropped frame */
	fd = sealed_capture(wire, sizeof(wire), &len);
	assert_int_equal(first_refusal(fd, wire + F1_WIRE, F2_WIRE, err), -EBADMSG);
	hexo_io_close(fd);
	/* frames of another session (same secret, other nonces) */
	fd = sealed_capture(wire, sizeof(wire), &len);
	ofd = sealed_capture(other, sizeof(other), &olen);
	assert_int_equal(first_refusal(fd, other, olen, err), -EBADMSG);
	hexo_io_close(fd);
	hexo_io_close(ofd);
	/* a plain frame injected after the handshake */
	fd = sealed_capture(wire, sizeof(wire), &len);
	hexo_frame_hdr_encode(bad, &h);
	memset(bad + HEXO_PROTO_HDR_SIZE, 0, 17);
	assert_int_equal(first_refusal(fd, bad, HEXO_PROTO_HDR_SIZE + 17, err), -EBADMSG);
	hexo_io_close(fd);
	/* cut inside a sealed frame: lost, not altered */
	fd = sealed_capture(wire, sizeof(wire), &len);
	assert_int_equal(first_refusal(fd, wire, F1_WIRE + 30, err), -ECONNRESET);
	hexo_io_close(fd);
}

/* --- trees --------------------------------------------------------------- */

struct seen {
	char names[16][64];
	int n;
};

static int collect(const char *rel, const struct stat *st, void *arg)
{
	struct seen *s = arg;

	if (S_ISREG(st->st_mode) && s->n < 16)
		snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", rel);
	if (S_ISDIR(st->st_mode) && s->n < 16)
		snprintf(s->names[s->n++], sizeof(s->names[0]), "%s/", rel);
	return 0;
}

static int stop_at_dir(const char *rel, const struct stat *st, void *arg)
{
	(void)rel;
	(void)arg;
	return S_ISDIR(st->st_mode) ? -ECANCELED : 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_tree(void **state)
{
	char root[] = "/tmp/hexo-test-tree-XXXXXX", path[256], err[256];
	struct seen s = {0};
	struct stat st;
	struct hexo_newfile nf;
	int rootfd;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/b", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/b/z.txt", root);
	write_file(path, "z");
	snprintf(path, sizeof(path), "%s/a.txt", root);
	write_file(path, "a");
	snprintf(path, sizeof(path), "%s/out", root);
	assert_int_equal(symlink("/etc", path), 0);

	/* walk: regular files, sorted, symlinks not followed */
	assert_int_equal(hexo_tree_walk(root, 0, collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "a.txt");
	assert_string_equal(s.names[1], "b/z.txt");
	/* with HEXO_TREE_DIRS: folders too, each before what it holds, empty ones too */
	snprintf(path, sizeof(path), "%s/b/empty", root);
	assert_int_equal(mkdir(path, 0700), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(hexo_tree_walk(root, HEXO_TREE_DIRS, collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.names[0], "a.txt");
	assert_string_equal(s.names[1], "b/");
	assert_string_equal(s.names[2], "b/empty/");
	assert_string_equal(s.names[3], "b/z.txt");
	/* the callback stops the walk */
	assert_int_equal(hexo_tree_walk(root, HEXO_TREE_DIRS, stop_at_dir, &s, err, sizeof(err)),
	                 -ECANCELED);

	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	/* writing through a symlinked directory is refused */
	assert_true(hexo_tree_create(rootfd, "out/passwd", 0644, &nf) < 0);
	assert_true(hexo_tree_open_read(rootfd, "out/passwd") < 0);
	assert_int_equal(hexo_tree_create(rootfd, "../x", 0644, &nf), -EINVAL);
	/* atomic write into a new subdirectory */
	assert_int_equal(hexo_tree_create(rootfd, "c/d/new.txt", 0640, &nf), 0);
	assert_int_equal(write(nf.fd, "new", 3), 3);
	assert_int_equal(hexo_tree_commit(&nf, "c/d/new.txt"), 0);
	snprintf(path, sizeof(path), "%s/c/d/new.txt", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* unlink: files only, missing is fine */
	assert_int_equal(hexo_tree_unlink(rootfd, "c/d/new.txt"), 0);
	assert_int_equal(hexo_tree_unlink(rootfd, "c/d/new.txt"), 0);
	assert_int_equal(hexo_tree_unlink(rootfd, "c"), -EISDIR);
	close(rootfd);

	/* rm removes the tree but not what a symlink points at */
	assert_int_equal(hexo_tree_rm(root), 0);
	assert_int_equal(stat(root, &st), -1);
	assert_int_equal(stat("/etc/passwd", &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hdr_roundtrip),
	    cmocka_unit_test(test_hdr_refused),
	    cmocka_unit_test(test_type_names),
	    cmocka_unit_test(test_hello),
	    cmocka_unit_test(test_run_roundtrip),
	    cmocka_unit_test(test_run_refused),
	    cmocka_unit_test(test_run_env),
	    cmocka_unit_test(test_stdin_frame),
	    cmocka_unit_test(test_closed_frame),
	    cmocka_unit_test(test_run_flags),
	    cmocka_unit_test(test_run_resume),
	    cmocka_unit_test(test_migration_frames),
	    cmocka_unit_test(test_status_frame),
	    cmocka_unit_test(test_file_kinds),
	    cmocka_unit_test(test_file_paths),
	    cmocka_unit_test(test_path_valid),
	    cmocka_unit_test(test_small_messages),
	    cmocka_unit_test(test_buf_limit),
	    cmocka_unit_test(test_secret_parse),
	    cmocka_unit_test(test_secret_new),
	    cmocka_unit_test(test_proofs),
	    cmocka_unit_test(test_frame_io),
	    cmocka_unit_test(test_handshake_ok),
	    cmocka_unit_test(test_handshake_wrong_key),
	    cmocka_unit_test(test_handshake_bad_proof),
	    cmocka_unit_test(test_handshake_garbage),
	    cmocka_unit_test(test_sealed_roundtrip),
	    cmocka_unit_test(test_sealed_refused),
	    cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
