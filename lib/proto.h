/* SPDX-License-Identifier: MIT */
/*
 * The hexod wire protocol, spoken between the `hexo` CLI (client) and the
 * node agent `hexod` over TCP. See docs/hexod.md.
 *
 * A connection is a sequence of frames. Each frame is an 8-byte header
 *   u32 len     payload bytes, at most HEXO_PROTO_MAX_FRAME
 *   u16 type    enum hexo_frame_type
 *   u8  stream  1 = stdout, 2 = stderr for HEXO_F_OUTPUT and HEXO_F_CLOSED;
 *               0 otherwise
 *   u8  flags   0
 * followed by `len` payload bytes. Every integer is little-endian; strings
 * are NUL-terminated inside the payload.
 *
 * Connection:
 *   C: HELLO(magic, version, client nonce)
 *   S: CHALLENGE(version, server nonce, server proof)   C checks the proof
 *   C: AUTH(client proof, client stream header)         S checks the proof
 *   S: AUTH_OK(agent stream header)
 * then, every frame sealed (below), one or more requests:
 *   C: PING                      S: PONG
 *   C: MIGRATE(job id)           S: OK        (ask a running job to migrate)
 *   C: RUN, DATA* (the image), [DATA* (the checkpoint, RESUME)],
 *      { FILE, DATA* }* (the job directory), END
 *   S: STARTED(job id)
 *   while the job runs:   S: OUTPUT*,      C: STDIN* (the last one empty),
 *                            STATUS*       CLOSED*, MIGRATE (empty)*
 *   S: DELETE* and { FILE, DATA* }* (what the job changed),
 *      [CHECKPOINT, DATA* (the checkpoint the job wrote)], [STATUS (the
 *      last, RUN flag STATUS)], then EXIT(status)
 * Either side may send ERROR(code, message) and close instead.
 *
 * The proofs are HMAC-SHA256 keyed with the 32-byte shared secret over a
 * role label, the protocol version and both nonces; the secret itself never
 * crosses the wire (secret.h: the secret and the proofs).
 *
 * After AUTH_OK every frame is sealed (seal.h): its header and its payload
 * (when not empty) each go as one crypto_secretstream_xchacha20poly1305
 * message, 17 bytes longer than the plain text, of the sender's stream
 * (keys from the secret and both nonces; the stream headers are those of
 * AUTH and AUTH_OK). A message that is not the peer's next one, intact,
 * ends the connection with -EBADMSG. The frame functions below take the fd:
 * lib/proto_io.c keeps each socket's session, set by the handshake and
 * dropped by hexo_io_close() or hexo_io_linger_close().
 *
 * Functions return 0 or a negative errno value; those taking `err` write one
 * line there on failure.
 */
#ifndef HEXO_LIB_PROTO_H
#define HEXO_LIB_PROTO_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HEXO_PROTO_VERSION   5u /* 5: STATUS; 4: sealed frames; 3: checkpoints, RESUME, ... */
#define HEXO_PROTO_MAGIC     0x444f5848u /* "HXOD" read as little-endian u32 */
#define HEXO_PROTO_HDR_SIZE  8u
#define HEXO_PROTO_MAX_FRAME (1u << 20)   /* payload bytes */
#define HEXO_PROTO_CHUNK     (256u << 10) /* DATA frames are cut to this */
#define HEXO_PROTO_NONCE     32u
#define HEXO_PROTO_MAC       32u
#define HEXO_PROTO_KEY       32u /* secret: 64 hex characters */
#define HEXO_PROTO_PATH_MAX  4096u
#define HEXO_PROTO_NAME_MAX  255u /* one path component */
/* Components in a job-directory path: the walks (fsutil.h) go as deep. */
#define HEXO_PROTO_PATH_DEPTH 128u
#define HEXO_PROTO_MAX_FILES 100000u
#define HEXO_PROTO_MAX_ARGS  65536u              /* the monitor's argv block is the real limit */
#define HEXO_PROTO_ERR_MAX   1024u               /* error message bytes */
#define HEXO_PROTO_MAX_SIZE  (UINT64_C(1) << 40) /* image, checkpoint, file bytes */
#define HEXO_PROTO_SECS_MAX  32u                 /* a --migrate-after value, NUL included */
#define HEXO_PROTO_JOB_MAX   64u                 /* a job id, NUL included */
#define HEXO_PROTO_STATUS_MAX 512u               /* a STATUS text, NUL excluded */

#define HEXO_PROTO_STREAM_HDR 24u /* a sealed stream's header (AUTH, AUTH_OK) */
/* Bytes a frame of len payload bytes takes on the wire at most (sealed: two
 * messages, 17 bytes of overhead each). */
#define HEXO_FRAME_WIRE_MAX(len) (HEXO_PROTO_HDR_SIZE + (len) + 2 * 17u)

enum hexo_frame_type {
	HEXO_F_HELLO = 1,       /* C: u32 magic, u32 version, nonce[32] */
	HEXO_F_CHALLENGE = 2,   /* S: u32 version, nonce[32], mac[32] */
	HEXO_F_AUTH = 3,        /* C: mac[32], stream header[24] */
	HEXO_F_AUTH_OK = 4,     /* S: stream header[24] */
	HEXO_F_PING = 5,        /* C: empty */
	HEXO_F_PONG = 6,        /* S: u32 version, u32 isa, u32 cpus, machine, agent,
	                           u64 mem_bytes (absent from older agents: 0) */
	HEXO_F_RUN = 7,         /* C: struct hexo_msg_run */
	HEXO_F_FILE = 8,        /* both: u64 size, u32 mode, u32 kind, path; DATA follows */
	HEXO_F_DATA = 9,        /* both: 1..HEXO_PROTO_MAX_FRAME bytes */
	HEXO_F_END = 10,        /* C: empty: the request is complete */
	HEXO_F_OUTPUT = 11,     /* S: bytes of the job's stdout (stream 1) or stderr (2) */
	HEXO_F_DELETE = 12,     /* S: path: the job removed this file */
	HEXO_F_EXIT = 13,       /* S: u32 status, u32 0: the job's last frame */
	HEXO_F_ERROR = 14,      /* both: u32 errno, message; the sender closes */
	HEXO_F_STDIN = 15,      /* C: bytes for the job's stdin; empty: end of stdin */
	HEXO_F_CLOSED = 16,     /* C: empty: the client's stdout (stream 1) or stderr (2)
	                           is closed (EPIPE): so is the job's, from now on */
	HEXO_F_CHECKPOINT = 17, /* S: u64 size: the checkpoint the job wrote; DATA follows */
	HEXO_F_MIGRATE = 18,    /* C: job id: a request (S: OK); empty while this
	                           connection's job runs: that job (no answer) */
	HEXO_F_STARTED = 19,    /* S: job id: the job is running */
	HEXO_F_OK = 20,         /* S: empty: the request (MIGRATE) was carried out */
	HEXO_F_STATUS = 21,     /* S: text: the job's --status JSON (RUN flag STATUS) */
	HEXO_F_MAX_TYPE = HEXO_F_STATUS,
};

enum hexo_stream {
	HEXO_STREAM_NONE = 0,
	HEXO_STREAM_STDOUT = 1,
	HEXO_STREAM_STDERR = 2,
};

enum hexo_run_kind {
	HEXO_RUN_IMAGE = 1,  /* hexo run IMAGE ARGS... */
	HEXO_RUN_RESUME = 2, /* hexo resume --image IMAGE CHECKPOINT: argc 1 (argv[0]
	                        names the image), no env, ckpt_size > 0 */
};

/*
 * RUN flags. MERGED: the client's stdout and stderr are one file (2>&1): the
 * job gets one pipe for both, sent as stream 1, so their order holds.
 * NO_STDIN, NO_STDOUT, NO_STDERR: the client was started without fd 0, 1 or
 * 2: the job is too (EBADF for the guest, as in a local run).
 */
#define HEXO_RUN_F_STATS     0x1u /* hexo run --stats */
#define HEXO_RUN_F_MERGED    0x2u
#define HEXO_RUN_F_NO_STDIN  0x4u
#define HEXO_RUN_F_NO_STDOUT 0x8u
#define HEXO_RUN_F_NO_STDERR 0x10u
/* --status FILE: the agent sends the job's status (the JSON of `hexo run
 * --status`, docs/migration.md) as STATUS frames while it runs, when it
 * changed (every few seconds at most), and once more after it ended. */
#define HEXO_RUN_F_STATUS 0x20u
#define HEXO_RUN_F_ALL                                                                             \
	(HEXO_RUN_F_STATS | HEXO_RUN_F_MERGED | HEXO_RUN_F_NO_STDIN | HEXO_RUN_F_NO_STDOUT |       \
	 HEXO_RUN_F_NO_STDERR | HEXO_RUN_F_STATUS)

/*
 * FILE kinds. Folders and symlinks go from the client only (a guest cannot
 * make either): a folder has size 0 and no DATA (empty ones matter); a
 * symlink's DATA is its target, 1 to HEXO_PROTO_PATH_MAX - 1 bytes, no NUL,
 * created as is (the node's monitor resolves it inside the job directory,
 * as a local run does), its mode ignored.
 */
enum hexo_file_kind {
	HEXO_FILE_REG = 0,
	HEXO_FILE_DIR = 1,
	HEXO_FILE_SYMLINK = 2,
};

struct hexo_frame_hdr {
	uint32_t len;
	uint16_t type;
	uint8_t stream;
	uint8_t flags;
};

/* A growable output buffer; errors are sticky (checked once at the end). */
struct hexo_buf {
	uint8_t *p;
	size_t len, cap;
	int err; /* 0 or -ENOMEM / -EMSGSIZE */
};

struct hexo_msg_hello {
	uint32_t version;
	uint8_t nonce[HEXO_PROTO_NONCE];
};

struct hexo_msg_challenge {
	uint32_t version;
	uint8_t nonce[HEXO_PROTO_NONCE];
	uint8_t mac[HEXO_PROTO_MAC];
};

struct hexo_msg_pong {
	uint32_t version;
	uint32_t isa; /* enum hexo_isa */
	uint32_t cpus;
	const char *machine; /* uname -m */
	uint64_t mem_bytes;  /* memory the node gives jobs; 0: not said */
	const char *agent;   /* "hexod 0.1.0" */
};

/*
 * Strings point into the decoded payload; argv and env are allocated.
 * Payload: u32 kind, u32 flags, u64 image_size, u32 n_files, u32 argc,
 * u32 n_env, u32 0, u64 ckpt_size, migrate_after, checkpoint_every, mem,
 * argv..., env...
 */
struct hexo_msg_run {
	uint32_t kind;  /* enum hexo_run_kind */
	uint32_t flags; /* HEXO_RUN_F_* */
	uint64_t image_size;
	uint64_t ckpt_size; /* RESUME: the checkpoint's bytes (DATA after the image's); else 0 */
	const char *migrate_after;    /* --migrate-after SECONDS as text, "" when not given */
	const char *checkpoint_every; /* --checkpoint-every SECONDS as text, "" when not given */
	uint32_t n_files;
	uint32_t argc; /* >= 1; argv[0] is the guest's argv[0], verbatim (the image
	                  name as the user gave it, or --argv0) */
	uint32_t n_env;
	const char *mem;   /* --mem value, "" for the default */
	const char **argv; /* argc entries + NULL */
	const char **env;  /* n_env entries + NULL, each NAME=VALUE (the client
	                      resolves a bare --env NAME itself) */
};

struct hexo_msg_file {
	uint64_t size;
	uint32_t mode; /* permission bits (0777) */
	uint32_t kind; /* enum hexo_file_kind */
	const char *path;
};

struct hexo_msg_error {
	uint32_t code; /* positive errno */
	const char *msg;
};

/* --- frames and messages (pure, no I/O) -------------------------------- */

const char *hexo_frame_type_name(unsigned type);

void hexo_frame_hdr_encode(uint8_t out[HEXO_PROTO_HDR_SIZE], const struct hexo_frame_hdr *h);
/* Decodes and validates a header: known type, size limit, stream, flags. */
int hexo_frame_hdr_decode(const uint8_t in[HEXO_PROTO_HDR_SIZE], struct hexo_frame_hdr *h,
                          char *err, size_t errlen);

void hexo_buf_free(struct hexo_buf *b);
void hexo_buf_put(struct hexo_buf *b, const void *p, size_t len);
void hexo_buf_u32(struct hexo_buf *b, uint32_t v);
void hexo_buf_u64(struct hexo_buf *b, uint64_t v);
void hexo_buf_str(struct hexo_buf *b, const char *s);

/* Encoders fill `b` with a payload (b is reset first). */
int hexo_msg_hello_encode(struct hexo_buf *b, const struct hexo_msg_hello *m);
int hexo_msg_challenge_encode(struct hexo_buf *b, const struct hexo_msg_challenge *m);
int hexo_msg_pong_encode(struct hexo_buf *b, const struct hexo_msg_pong *m);
int hexo_msg_run_encode(struct hexo_buf *b, const struct hexo_msg_run *m);
int hexo_msg_file_encode(struct hexo_buf *b, const struct hexo_msg_file *m);
int hexo_msg_exit_encode(struct hexo_buf *b, uint32_t status);
int hexo_msg_checkpoint_encode(struct hexo_buf *b, uint64_t size);
int hexo_msg_error_encode(struct hexo_buf *b, uint32_t code, const char *msg);
/* STATUS: text, then a NUL; -EINVAL when it is not a valid status text. */
int hexo_msg_status_encode(struct hexo_buf *b, const char *text);

/* Decoders check the whole payload; strings point into `p`. */
int hexo_msg_hello_decode(const uint8_t *p, size_t len, struct hexo_msg_hello *m, char *err,
                          size_t errlen);
int hexo_msg_challenge_decode(const uint8_t *p, size_t len, struct hexo_msg_challenge *m, char *err,
                              size_t errlen);
int hexo_msg_auth_decode(const uint8_t *p, size_t len, uint8_t mac[HEXO_PROTO_MAC],
                         uint8_t header[HEXO_PROTO_STREAM_HDR], char *err, size_t errlen);
int hexo_msg_auth_ok_decode(const uint8_t *p, size_t len, uint8_t header[HEXO_PROTO_STREAM_HDR],
                            char *err, size_t errlen);
int hexo_msg_pong_decode(const uint8_t *p, size_t len, struct hexo_msg_pong *m, char *err,
                         size_t errlen);
int hexo_msg_run_decode(const uint8_t *p, size_t len, struct hexo_msg_run *m, char *err,
                        size_t errlen);
void hexo_msg_run_free(struct hexo_msg_run *m);
int hexo_msg_file_decode(const uint8_t *p, size_t len, struct hexo_msg_file *m, char *err,
                         size_t errlen);
int hexo_msg_path_decode(const uint8_t *p, size_t len, const char **path, char *err, size_t errlen);
int hexo_msg_exit_decode(const uint8_t *p, size_t len, uint32_t *status, char *err, size_t errlen);
/* CHECKPOINT: 1 to HEXO_PROTO_MAX_SIZE bytes. */
int hexo_msg_checkpoint_decode(const uint8_t *p, size_t len, uint64_t *size, char *err,
                               size_t errlen);
/*
 * MIGRATE and STARTED: a job id, or (MIGRATE only, allow_empty) an empty
 * payload, decoded to "". A job id is 1 to HEXO_PROTO_JOB_MAX - 1 of
 * [A-Za-z0-9_.-], not starting with '.' or '-'.
 */
int hexo_msg_job_decode(const uint8_t *p, size_t len, bool allow_empty, const char **job, char *err,
                        size_t errlen);
bool hexo_proto_job_valid(const char *job);
/*
 * STATUS: 1 to HEXO_PROTO_STATUS_MAX bytes of printable ASCII (tab and
 * newline too), then a NUL ending the payload. *text points into p.
 */
int hexo_msg_status_decode(const uint8_t *p, size_t len, const char **text, char *err,
                           size_t errlen);
bool hexo_proto_status_valid(const char *text);
/* Never fails: a malformed message decodes to a placeholder text. */
void hexo_msg_error_decode(const uint8_t *p, size_t len, struct hexo_msg_error *m);

/*
 * A job-directory path as it may cross the wire: relative, '/'-separated,
 * no empty, "." or ".." component, no control character, components of at
 * most HEXO_PROTO_NAME_MAX bytes, at most HEXO_PROTO_PATH_MAX - 1 bytes
 * and HEXO_PROTO_PATH_DEPTH components. Returns true when `path` is
 * acceptable.
 */
bool hexo_proto_path_valid(const char *path);
/* The number of '/'-separated components of path. */
unsigned hexo_proto_path_depth(const char *path);

/* --- I/O on a socket (lib/proto_io.c) ----------------------------------- */

/*
 * When set (by a signal handler), every wait below returns -EINTR. While
 * waiting, the signal mask is hexo_io_waitmask if hexo_io_use_waitmask is
 * set (ppoll), so a process can keep signals blocked outside its waits.
 */
extern volatile sig_atomic_t hexo_io_stop;
extern sigset_t hexo_io_waitmask;
extern bool hexo_io_use_waitmask;

int64_t hexo_now_ms(void); /* CLOCK_MONOTONIC */
/* Deadline helpers: timeout_ms < 0 means none. */
int64_t hexo_deadline(int timeout_ms);
/* Waits for `events` on fd until the deadline (-1: none): 0, -ETIMEDOUT, -EINTR. */
int hexo_io_wait(int fd, short events, int64_t deadline);

/*
 * Whole writes and reads, for files, pipes and sockets that are not sealed:
 * on a sealed socket they refuse (-EPERM) so that no byte can bypass the
 * seal.
 */
int hexo_io_write_all(int fd, const void *p, size_t len, int64_t deadline);
/* Reads exactly len bytes: -EPIPE if the peer closed before the first byte,
 * -ECONNRESET if it closed after some. */
int hexo_io_read_all(int fd, void *p, size_t len, int64_t deadline);

/* True when fd's frames are sealed (after a handshake on it). */
bool hexo_io_sealed(int fd);
/* Drops fd's session (if any), then closes fd. */
void hexo_io_close(int fd);

int hexo_frame_send(int fd, unsigned type, unsigned stream, const void *p, size_t len,
                    int64_t deadline);
/*
 * Encodes a frame as hexo_frame_send() would send it on fd (sealed when fd
 * is) into out, which has HEXO_FRAME_WIRE_MAX(len) bytes; returns the bytes
 * written or -errno. The frame must then be sent, whole and before any
 * other, by the caller (a non-blocking queue).
 */
ssize_t hexo_frame_encode(int fd, uint8_t *out, unsigned type, unsigned stream, const void *p,
                          size_t len);
/* Sends len bytes as one message of fd: as is, or sealed when fd is. For
 * test tools that make a frame header by hand. */
int hexo_io_send_msg(int fd, const void *p, size_t len, int64_t deadline);
/*
 * Receives one frame into buf (capacity cap, at least HEXO_PROTO_MAX_FRAME
 * for a general reader). -EPIPE: peer closed between frames; -ECONNRESET:
 * connection lost inside a frame; -EPROTO: bad header; -EMSGSIZE: too
 * large; -ETIMEDOUT; -EINTR (hexo_io_stop); -EBADMSG: on a sealed socket,
 * what came is not the peer's next frame, intact (altered, injected,
 * replayed, reordered, or not from the peer).
 */
int hexo_frame_recv(int fd, struct hexo_frame_hdr *h, uint8_t *buf, size_t cap, int64_t deadline,
                    char *err, size_t errlen);
/* Sends ERROR(code, msg) (best effort, short deadline). */
void hexo_send_error(int fd, int code, const char *msg);
/* Half-closes and discards what the peer still sends, briefly, so it can
 * read our last frame before the connection is reset; then closes fd
 * (hexo_io_close()). */
void hexo_io_linger_close(int fd, int timeout_ms);

/* Handshakes; on success the connection is authenticated and fd sealed. */
int hexo_handshake_client(int fd, const uint8_t key[HEXO_PROTO_KEY], int64_t deadline, char *err,
                          size_t errlen);
int hexo_handshake_server(int fd, const uint8_t key[HEXO_PROTO_KEY], int64_t deadline, char *err,
                          size_t errlen);

/* TCP socket options both sides use (keepalive, nodelay, non-blocking). */
int hexo_sock_setup(int fd);

#endif
