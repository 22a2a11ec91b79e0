// SPDX-License-Identifier: MIT
/*
 * hexod wire protocol over a socket: whole-frame send and receive with
 * deadlines, the error frame, and both sides of the handshake. Sockets are
 * non-blocking; every wait goes through hexo_io_wait() so a signal can stop
 * it (hexo_io_stop).
 *
 * Each socket's sealed session (seal.h) is kept here, in a table indexed by
 * the fd: the handshake sets it, hexo_io_close() drops it. So every caller
 * keeps passing the fd, and every frame on a sealed socket is sealed and
 * checked here, whoever sends or reads it; the raw whole writes and reads
 * refuse a sealed socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proto.h"
#include "seal.h"
#include "secret.h"

volatile sig_atomic_t hexo_io_stop;
sigset_t hexo_io_waitmask;
bool hexo_io_use_waitmask;

/* --- sessions, by fd ----------------------------------------------------- */

struct session {
	struct hexo_seal *seal;
	uint8_t *wire; /* HEXO_FRAME_WIRE_MAX(HEXO_PROTO_MAX_FRAME): sealed bytes */
};

static struct session *sessions;
static size_t n_sessions;

static struct session *session_of(int fd)
{
	if (fd < 0 || (size_t)fd >= n_sessions || !sessions[fd].seal)
		return NULL;
	return &sessions[fd];
}

static void session_drop(int fd)
{
	struct session *ss = session_of(fd);

	if (!ss)
		return;
	hexo_seal_free(ss->seal);
	free(ss->wire);
	*ss = (struct session){0};
}

/* fd's frames are sealed with seal from now on (taken over, also on failure). */
static int session_set(int fd, struct hexo_seal *seal)
{
	struct session *n;
	uint8_t *wire;

	session_drop(fd);
	if ((size_t)fd >= n_sessions) {
		n = realloc(sessions, ((size_t)fd + 1) * sizeof(*n));
		if (!n) {
			hexo_seal_free(seal);
			return -ENOMEM;
		}
		memset(n + n_sessions, 0, ((size_t)fd + 1 - n_sessions) * sizeof(*n));
		sessions = n;
		n_sessions = (size_t)fd + 1;
	}
	wire = malloc(HEXO_FRAME_WIRE_MAX(HEXO_PROTO_MAX_FRAME));
	if (!wire) {
		hexo_seal_free(seal);
		return -ENOMEM;
	}
	sessions[fd] = (struct session){.seal = seal, .wire = wire};
	return 0;
}

bool hexo_io_sealed(int fd)
{
	return session_of(fd) != NULL;
}

void hexo_io_close(int fd)
{
	session_drop(fd);
	close(fd);
}

int64_t hexo_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hexo_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : hexo_now_ms() + timeout_ms;
}

int hexo_io_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	struct timespec ts, *tsp = NULL;
	int64_t left;
	int n;

	for (;;) {
		if (hexo_io_stop)
			return -EINTR;
		if (deadline >= 0) {
			left = deadline - hexo_now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			tsp = &ts;
		}
		n = ppoll(&pfd, 1, tsp, hexo_io_use_waitmask ? &hexo_io_waitmask : NULL);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Sends from an iovec array until done; updates it in place. */
static int send_iov(int fd, struct iovec *iov, int n, int64_t deadline)
{
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
	ssize_t w;
	int ret;

	while (mh.msg_iovlen) {
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = writev(fd, mh.msg_iov, (int)mh.msg_iovlen);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			ret = hexo_io_wait(fd, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		while (mh.msg_iovlen && (size_t)w >= mh.msg_iov->iov_len) {
			w -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (uint8_t *)mh.msg_iov->iov_base + w;
			mh.msg_iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int write_raw(int fd, const void *p, size_t len, int64_t deadline)
{
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};

	return send_iov(fd, &iov, 1, deadline);
}

int hexo_io_write_all(int fd, const void *p, size_t len, int64_t deadline)
{
	return hexo_io_sealed(fd) ? -EPERM : write_raw(fd, p, len, deadline);
}

static int read_raw(int fd, void *p, size_t len, int64_t deadline)
{
	size_t got = 0;
	ssize_t r;
	int ret;

	while (got < len) {
		r = read(fd, (uint8_t *)p + got, len - got);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return got ? -ECONNRESET : -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = hexo_io_wait(fd, POLLIN, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

int hexo_io_read_all(int fd, void *p, size_t len, int64_t deadline)
{
	return hexo_io_sealed(fd) ? -EPERM : read_raw(fd, p, len, deadline);
}

/* A sealed frame: its header, then its payload when not empty, one message each. */
static ssize_t seal_frame(struct session *ss, uint8_t *out, const uint8_t hb[HEXO_PROTO_HDR_SIZE],
                          const void *p, size_t len)
{
	int ret;

	ret = hexo_seal_push(ss->seal, out, hb, HEXO_PROTO_HDR_SIZE);
	if (!ret && len)
		ret =
		    hexo_seal_push(ss->seal, out + HEXO_PROTO_HDR_SIZE + HEXO_SEAL_ABYTES, p, len);
	if (ret)
		return ret;
	return (ssize_t)(HEXO_PROTO_HDR_SIZE + HEXO_SEAL_ABYTES +
	                 (len ? len + HEXO_SEAL_ABYTES : 0));
}

ssize_t hexo_frame_encode(int fd, uint8_t *out, unsigned type, unsigned stream, const void *p,
                          size_t len)
{
	struct hexo_frame_hdr h = {
	    .len = (uint32_t)len, .type = (uint16_t)type, .stream = (uint8_t)stream};
	struct session *ss = session_of(fd);
	uint8_t hb[HEXO_PROTO_HDR_SIZE];

	if (len > HEXO_PROTO_MAX_FRAME)
		return -EMSGSIZE;
	hexo_frame_hdr_encode(hb, &h);
	if (ss)
		return seal_frame(ss, out, hb, p, len);
	memcpy(out, hb, sizeof(hb));
	if (len)
		memcpy(out + sizeof(hb), p, len);
	return (ssize_t)(sizeof(hb) + len);
}

int hexo_frame_send(int fd, unsigned type, unsigned stream, const void *p, size_t len,
                    int64_t deadline)
{
	struct hexo_frame_hdr h = {
	    .len = (uint32_t)len, .type = (uint16_t)type, .stream = (uint8_t)stream};
	struct session *ss = session_of(fd);
	uint8_t hb[HEXO_PROTO_HDR_SIZE];
	struct iovec iov[2] = {{hb, sizeof(hb)}, {(void *)p, len}};
	ssize_t n;

	if (len > HEXO_PROTO_MAX_FRAME)
		return -EMSGSIZE;
	if (ss) {
		n = hexo_frame_encode(fd, ss->wire, type, stream, p, len);
		return n < 0 ? (int)n : write_raw(fd, ss->wire, (size_t)n, deadline);
	}
	hexo_frame_hdr_encode(hb, &h);
	return send_iov(fd, iov, len ? 2 : 1, deadline);
}

int hexo_io_send_msg(int fd, const void *p, size_t len, int64_t deadline)
{
	struct session *ss = session_of(fd);
	int ret;

	if (!ss)
		return write_raw(fd, p, len, deadline);
	if (len > HEXO_PROTO_MAX_FRAME)
		return -EMSGSIZE;
	ret = hexo_seal_push(ss->seal, ss->wire, p, len);
	return ret ? ret : write_raw(fd, ss->wire, len + HEXO_SEAL_ABYTES, deadline);
}

static const char *io_what(int ret)
{
	switch (ret) {
	case -EPIPE:
		return "connection closed";
	case -ECONNRESET:
		return "connection lost in the middle of a frame";
	case -ETIMEDOUT:
		return "timed out";
	case -EINTR:
		return "interrupted";
	case -EBADMSG:
		return "the data was altered on the way (or did not come from the peer)";
	default:
		return strerror(-ret);
	}
}

/* Reads one sealed message of len plain bytes into p. */
static int read_sealed(int fd, struct session *ss, void *p, size_t len, int64_t deadline)
{
	int ret = read_raw(fd, ss->wire, len + HEXO_SEAL_ABYTES, deadline);

	return ret ? ret : hexo_seal_pull(ss->seal, p, ss->wire, len + HEXO_SEAL_ABYTES);
}

int hexo_frame_recv(int fd, struct hexo_frame_hdr *h, uint8_t *buf, size_t cap, int64_t deadline,
                    char *err, size_t errlen)
{
	struct session *ss = session_of(fd);
	uint8_t hb[HEXO_PROTO_HDR_SIZE];
	int ret;

	if (ss)
		ret = read_sealed(fd, ss, hb, sizeof(hb), deadline);
	else
		ret = read_raw(fd, hb, sizeof(hb), deadline);
	if (ret)
		return hexo_fail(err, errlen, ret, "%s", io_what(ret));
	ret = hexo_frame_hdr_decode(hb, h, err, errlen);
	if (ret)
		return ret;
	if (h->len > cap)
		return hexo_fail(err, errlen, -EMSGSIZE, "%s frame of %u bytes is too large here",
		                 hexo_frame_type_name(h->type), h->len);
	if (!h->len)
		return 0;
	if (ss)
		ret = read_sealed(fd, ss, buf, h->len, deadline);
	else
		ret = read_raw(fd, buf, h->len, deadline);
	if (ret == -EPIPE)
		ret = -ECONNRESET;
	if (ret)
		return hexo_fail(err, errlen, ret, "%s", io_what(ret));
	return 0;
}

void hexo_send_error(int fd, int code, const char *msg)
{
	struct hexo_buf b = {0};

	if (code < 0)
		code = -code;
	if (!hexo_msg_error_encode(&b, (uint32_t)code, msg))
		hexo_frame_send(fd, HEXO_F_ERROR, 0, b.p, b.len, hexo_deadline(2000));
	hexo_buf_free(&b);
}

void hexo_io_linger_close(int fd, int timeout_ms)
{
	int64_t deadline = hexo_deadline(timeout_ms);
	uint8_t junk[16384];
	size_t total = 0;
	ssize_t r;

	shutdown(fd, SHUT_WR);
	while (total < (64u << 20)) {
		r = read(fd, junk, sizeof(junk));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (r > 0) {
			total += (size_t)r;
			continue;
		}
		if (hexo_io_wait(fd, POLLIN, deadline))
			break;
	}
	hexo_io_close(fd);
}

/* Receives one frame of the expected type; an ERROR frame becomes err. */
static int recv_expect(int fd, unsigned type, uint8_t *buf, size_t cap, size_t *len,
                       int64_t deadline, char *err, size_t errlen)
{
	struct hexo_frame_hdr h;
	struct hexo_msg_error e;
	int ret;

	ret = hexo_frame_recv(fd, &h, buf, cap, deadline, err, errlen);
	if (ret)
		return ret;
	if (h.type == HEXO_F_ERROR) {
		hexo_msg_error_decode(buf, h.len, &e);
		return hexo_fail(err, errlen, e.code ? -(int)e.code : -EPROTO, "%s", e.msg);
	}
	if (h.type != type)
		return hexo_fail(err, errlen, -EPROTO, "expected a %s frame, got %s",
		                 hexo_frame_type_name(type), hexo_frame_type_name(h.type));
	*len = h.len;
	return 0;
}

int hexo_handshake_client(int fd, const uint8_t key[HEXO_PROTO_KEY], int64_t deadline, char *err,
                          size_t errlen)
{
	struct hexo_msg_hello hello = {.version = HEXO_PROTO_VERSION};
	struct hexo_msg_challenge ch;
	uint8_t buf[256], auth[HEXO_PROTO_MAC + HEXO_PROTO_STREAM_HDR], rxh[HEXO_PROTO_STREAM_HDR];
	struct hexo_seal *seal = NULL;
	struct hexo_buf b = {0};
	size_t len;
	int ret;

	session_drop(fd);
	ret = hexo_random(hello.nonce, sizeof(hello.nonce));
	if (ret)
		return hexo_fail(err, errlen, ret, "no random numbers (libsodium failed)");
	ret = hexo_msg_hello_encode(&b, &hello);
	if (!ret)
		ret = hexo_frame_send(fd, HEXO_F_HELLO, 0, b.p, b.len, deadline);
	hexo_buf_free(&b);
	if (ret)
		return hexo_fail(err, errlen, ret, "sending HELLO: %s", io_what(ret));
	ret = recv_expect(fd, HEXO_F_CHALLENGE, buf, sizeof(buf), &len, deadline, err, errlen);
	if (ret)
		return ret;
	ret = hexo_msg_challenge_decode(buf, len, &ch, err, errlen);
	if (ret)
		return ret;
	if (hexo_auth_check(key, true, hello.nonce, ch.nonce, ch.mac))
		return hexo_fail(err, errlen, -EACCES,
		                 "the agent does not know our secret (wrong secret file?)");
	ret = hexo_auth_proof(key, false, hello.nonce, ch.nonce, auth);
	if (!ret)
		ret =
		    hexo_seal_new(&seal, key, false, hello.nonce, ch.nonce, auth + HEXO_PROTO_MAC);
	if (!ret)
		ret = hexo_frame_send(fd, HEXO_F_AUTH, 0, auth, sizeof(auth), deadline);
	if (ret) {
		hexo_seal_free(seal);
		return hexo_fail(err, errlen, ret, "sending AUTH: %s", io_what(ret));
	}
	ret = recv_expect(fd, HEXO_F_AUTH_OK, buf, sizeof(buf), &len, deadline, err, errlen);
	if (!ret)
		ret = hexo_msg_auth_ok_decode(buf, len, rxh, err, errlen);
	if (!ret && hexo_seal_rx_start(seal, rxh))
		ret = hexo_fail(err, errlen, -EBADMSG, "%s", io_what(-EBADMSG));
	if (ret) {
		hexo_seal_free(seal);
		return ret;
	}
	ret = session_set(fd, seal);
	return ret ? hexo_fail(err, errlen, ret, "out of memory") : 0;
}

/* Receives the client's HELLO; refuses anything else with an ERROR frame. */
static int server_hello(int fd, struct hexo_msg_hello *hello, int64_t deadline, char *err,
                        size_t errlen)
{
	struct hexo_frame_hdr h;
	uint8_t buf[64];
	int ret;

	ret = hexo_frame_recv(fd, &h, buf, sizeof(buf), deadline, err, errlen);
	if (ret == -ETIMEDOUT)
		hexo_fail(err, errlen, ret, "handshake timed out: no HELLO from the client");
	if (!ret && h.type != HEXO_F_HELLO)
		ret =
		    hexo_fail(err, errlen, -EPROTO, "expected HELLO, got %s before authentication",
		              hexo_frame_type_name(h.type));
	if (!ret)
		ret = hexo_msg_hello_decode(buf, h.len, hello, err, errlen);
	if (ret && ret != -EPIPE && ret != -ECONNRESET)
		hexo_send_error(fd, ret, err);
	return ret;
}

int hexo_handshake_server(int fd, const uint8_t key[HEXO_PROTO_KEY], int64_t deadline, char *err,
                          size_t errlen)
{
	struct hexo_msg_challenge ch = {.version = HEXO_PROTO_VERSION};
	struct hexo_msg_hello hello;
	struct hexo_frame_hdr h;
	struct hexo_buf b = {0};
	uint8_t buf[128], mac[HEXO_PROTO_MAC], rxh[HEXO_PROTO_STREAM_HDR],
	    txh[HEXO_PROTO_STREAM_HDR];
	struct hexo_seal *seal = NULL;
	int ret;

	session_drop(fd);
	ret = server_hello(fd, &hello, deadline, err, errlen);
	if (ret)
		return ret;
	ret = hexo_random(ch.nonce, sizeof(ch.nonce));
	if (!ret)
		ret = hexo_auth_proof(key, true, hello.nonce, ch.nonce, ch.mac);
	if (!ret)
		ret = hexo_msg_challenge_encode(&b, &ch);
	if (!ret)
		ret = hexo_frame_send(fd, HEXO_F_CHALLENGE, 0, b.p, b.len, deadline);
	hexo_buf_free(&b);
	if (ret)
		return hexo_fail(err, errlen, ret, "sending CHALLENGE: %s", io_what(ret));
	ret = hexo_frame_recv(fd, &h, buf, sizeof(buf), deadline, err, errlen);
	if (ret == -ETIMEDOUT)
		hexo_fail(err, errlen, ret, "handshake timed out: no AUTH from the client");
	if (!ret && h.type != HEXO_F_AUTH)
		ret = hexo_fail(err, errlen, -EPROTO, "expected AUTH, got %s",
		                hexo_frame_type_name(h.type));
	if (!ret)
		ret = hexo_msg_auth_decode(buf, h.len, mac, rxh, err, errlen);
	if (!ret && hexo_auth_check(key, false, hello.nonce, ch.nonce, mac))
		ret = hexo_fail(
		    err, errlen, -EACCES,
		    "authentication failed: the client's secret differs from the agent's");
	if (ret) {
		if (ret != -EPIPE && ret != -ECONNRESET)
			hexo_send_error(fd, ret, err);
		return ret;
	}
	ret = hexo_seal_new(&seal, key, true, hello.nonce, ch.nonce, txh);
	if (!ret)
		ret = hexo_seal_rx_start(seal, rxh);
	if (!ret)
		ret = hexo_frame_send(fd, HEXO_F_AUTH_OK, 0, txh, sizeof(txh), deadline);
	if (ret) {
		hexo_seal_free(seal);
		return hexo_fail(err, errlen, ret, "sending AUTH_OK: %s", io_what(ret));
	}
	ret = session_set(fd, seal);
	return ret ? hexo_fail(err, errlen, ret, "out of memory") : 0;
}

int hexo_sock_setup(int fd)
{
	int one = 1, idle = 60, intvl = 10, cnt = 6, fl;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	/* Not every socket is TCP (unit tests use socketpairs): ignore errors. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	return 0;
}
