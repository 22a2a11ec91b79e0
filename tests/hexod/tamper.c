// SPDX-License-Identifier: MIT
/*
 * Test-only man in the middle for tests/hexod/test_agent_transport.sh:
 *   tamper PORT-FILE AGENT-PORT MODE [RECORD-FILE]
 * listens on 127.0.0.1 (a free port, written to PORT-FILE), and relays
 * each connection it accepts (a child each, until killed) to the agent on
 * 127.0.0.1:AGENT-PORT. It knows the handshake's frames (HELLO, AUTH one
 * way; CHALLENGE, AUTH_OK the other: plain frames), and nothing after
 * them. MODE:
 *   pass      relays bytes as they are
 *   flip      flips one bit of the agent's bytes, the 4th after its
 *             handshake (flip:N: the (N+1)th)
 *   flip-up   the same, on the client's bytes (the agent must refuse)
 *   replay    sends the agent's first bytes after its handshake (its first
 *             frame, as one read gets it) twice
 *   record    relays, and appends every byte of both directions to
 *             RECORD-FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HDR       8 /* a frame header: u32 len, u16 type, u8 stream, u8 flags */
#define HANDSHAKE 2 /* plain frames each way */
#define FLIP_AT   3 /* which byte after the handshake */
#define CHUNK     65536

/* One direction: where the handshake ends in it. */
struct dir {
	int from, to;
	bool up;          /* client to agent */
	unsigned frames;  /* plain frames seen */
	uint8_t hdr[HDR]; /* the header being read */
	size_t hdr_got;
	uint64_t body_left; /* payload bytes of the current plain frame */
	uint64_t after;     /* bytes seen after the handshake */
	bool replayed, open;
};

static const char *mode;
static uint64_t flip_at = FLIP_AT;
static int record_fd = -1;

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* How many of the n bytes at p belong to the handshake's plain frames. */
static size_t handshake_part(struct dir *d, const uint8_t *p, size_t n)
{
	size_t used = 0;

	while (used < n && d->frames < HANDSHAKE) {
		if (d->hdr_got < HDR) {
			d->hdr[d->hdr_got++] = p[used++];
			if (d->hdr_got == HDR)
				d->body_left = (uint64_t)d->hdr[0] | (uint64_t)d->hdr[1] << 8 |
				               (uint64_t)d->hdr[2] << 16 |
				               (uint64_t)d->hdr[3] << 24;
		} else {
			size_t take = n - used < d->body_left ? n - used : (size_t)d->body_left;

			used += take;
			d->body_left -= take;
		}
		if (d->hdr_got == HDR && !d->body_left) {
			d->frames++;
			d->hdr_got = 0;
		}
	}
	return used;
}

/* Relays one read; -1 when this direction is done. */
static int relay(struct dir *d)
{
	static uint8_t buf[CHUNK];
	ssize_t n = read(d->from, buf, sizeof(buf));
	size_t plain, rest;
	bool flip = (!strncmp(mode, "flip", 4) && strcmp(mode, "flip-up") && !d->up) ||
	            (!strcmp(mode, "flip-up") && d->up);

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	plain = handshake_part(d, buf, (size_t)n);
	rest = (size_t)n - plain;
	if (flip && rest && d->after <= flip_at && d->after + rest > flip_at)
		buf[plain + (flip_at - d->after)] ^= 0x04;
	d->after += rest;
	if (record_fd >= 0 && write_all(record_fd, buf, (size_t)n))
		return -1;
	if (write_all(d->to, buf, (size_t)n))
		return -1;
	if (!strcmp(mode, "replay") && !d->up && rest && !d->replayed) {
		d->replayed = true;
		if (write_all(d->to, buf + plain, rest))
			return -1;
	}
	return 0;
}

static int dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

static void serve(int client, int agent_port)
{
	int agent = dial(agent_port);
	struct dir d[2] = {{.from = client, .to = agent, .up = true, .open = true},
	                   {.from = agent, .to = client, .open = true}};
	struct pollfd p[2];

	if (agent < 0) {
		perror("tamper: connect to the agent");
		_exit(1);
	}
	while (d[0].open || d[1].open) {
		for (int i = 0; i < 2; i++)
			p[i] = (struct pollfd){.fd = d[i].open ? d[i].from : -1, .events = POLLIN};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (!d[i].open || !p[i].revents)
				continue;
			if (relay(&d[i])) {
				d[i].open = false;
				shutdown(d[i].to, SHUT_WR);
			}
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	FILE *f;
	int lfd, fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr,
		        "usage: tamper PORT-FILE AGENT-PORT pass|flip|flip-up|replay|record "
		        "[RECORD-FILE]\n");
		return 2;
	}
	mode = argv[3];
	if (!strncmp(mode, "flip:", 5))
		flip_at = strtoull(mode + 5, NULL, 10);
	if (!strcmp(mode, "record")) {
		if (argc != 5)
			return 2;
		record_fd = open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (record_fd < 0) {
			perror("tamper: record file");
			return 2;
		}
	}
	signal(SIGCHLD, SIG_IGN); /* no zombies */
	signal(SIGPIPE, SIG_IGN);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		perror("tamper: listen");
		return 2;
	}
	f = fopen(argv[1], "w");
	if (!f)
		return 2;
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fork() == 0) {
			close(lfd);
			serve(fd, atoi(argv[2]));
		}
		close(fd);
	}
}
