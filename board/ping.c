// SPDX-License-Identifier: MIT
/*
 * Asking a board's agent whether it is up: an authenticated PING over the
 * hexod protocol (lib/proto.h), answered by PONG. QEMU accepts on the
 * forwarded port before anything listens inside the board, so only a PONG
 * counts. (When the hexod client library offers a ping, this can call it.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board_int.h"
#include "proto.h"
#include "secret.h"

#define PING_TIMEOUT_MS 5000

static int ping_connect(uint16_t port, int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int s, ret;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		ret = -errno;
		close(s);
		return ret;
	}
	ret = hexo_sock_setup(s);
	if (ret) {
		close(s);
		return ret;
	}
	*fd = s;
	return 0;
}

static int ping_exchange(int fd, const uint8_t *key, char *agent, size_t alen, char *err,
                         size_t errlen)
{
	int64_t deadline = hexo_deadline(PING_TIMEOUT_MS);
	struct hexo_msg_error e;
	struct hexo_msg_pong pong;
	struct hexo_frame_hdr h;
	uint8_t buf[4096];
	int ret;

	ret = hexo_handshake_client(fd, key, deadline, err, errlen);
	if (!ret)
		ret = hexo_frame_send(fd, HEXO_F_PING, 0, NULL, 0, deadline);
	if (!ret)
		ret = hexo_frame_recv(fd, &h, buf, sizeof(buf), deadline, err, errlen);
	if (ret)
		return ret;
	if (h.type == HEXO_F_ERROR) {
		hexo_msg_error_decode(buf, h.len, &e);
		hexo_seterr(err, errlen, "the agent refused PING: %s", e.msg);
		return -EPROTO;
	}
	if (h.type != HEXO_F_PONG) {
		hexo_seterr(err, errlen, "the agent answered PING with %s",
		          hexo_frame_type_name(h.type));
		return -EPROTO;
	}
	ret = hexo_msg_pong_decode(buf, h.len, &pong, err, errlen);
	if (!ret)
		snprintf(agent, alen, "%s on %s", pong.agent, pong.machine);
	return ret;
}

int board_agent_ping(uint16_t port, const char *secret, char *agent, size_t alen, char *err,
                     size_t errlen)
{
	uint8_t key[HEXO_PROTO_KEY];
	int fd, ret;

	if (hexo_secret_parse(secret, key)) {
		hexo_seterr(err, errlen, "the board's secret is not 64 hex characters");
		return -EINVAL;
	}
	ret = ping_connect(port, &fd);
	if (ret) {
		hexo_seterr(err, errlen, "cannot connect to 127.0.0.1:%u: %s", (unsigned)port,
		          strerror(-ret));
		return ret;
	}
	ret = ping_exchange(fd, key, agent, alen, err, errlen);
	hexo_io_close(fd);
	memset(key, 0, sizeof(key));
	return ret;
}
