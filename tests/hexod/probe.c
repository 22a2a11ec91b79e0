// SPDX-License-Identifier: MIT
/*
 * Test-only misbehaving client for tests/hexod/test_agent_*.sh:
 *   probe PORT SECRET-FILE SCENARIO [ARG]
 * connects to 127.0.0.1:PORT and plays SCENARIO. For the scenarios that the
 * agent must refuse it prints "refused: MESSAGE" and exits 0 when an ERROR
 * frame came back and the agent then closed the connection; otherwise it
 * prints what happened and exits 1. Scenarios:
 *   garbage            bytes that are not a frame, before authentication
 *   oversize-preauth   a frame header announcing 2 MiB, before authentication
 *   ping-preauth       PING before authentication
 *   bad-version        HELLO with protocol version 99
 *   bad-auth           a wrong AUTH proof
 *   silent             say nothing (the agent times out)
 *   oversize           after authentication, a header announcing 1 MiB + 1
 *   bad-type           after authentication, frame type 99
 *   out-of-order       after authentication, DATA before RUN
 *   bad-path PATH      a job whose directory holds a file named PATH
 *   bad-run            a RUN frame that is truncated
 *   truncated          half a frame, then close (no answer expected)
 *   drop-upload MS     start an 8 MiB upload, send 1 MiB, wait MS, close
 *   bare-env           a RUN whose environment has "HOME" (no value)
 *   stdin-first        after authentication, STDIN before any RUN
 *   old-version        HELLO with the previous protocol version
 *   migrate-first      an empty MIGRATE (this connection's job) before any RUN
 *   migrate JOB        MIGRATE JOB as a request: prints "ok" when OK comes
 *                      back, else expects a refusal
 *   resume-args        a RESUME request with arguments
 * and, without an agent,
 *   probe make-image FILE BYTES
 * writes a valid .hexo image (no ELF: a JSON manifest of BYTES bytes), for
 * the jobs tests/hexod/fake-hexo plays: the client checks images first;
 *   probe make-ckpt FILE IMAGE TEXT [RECORDED-IMAGE-PATH]
 * writes a valid checkpoint (no memory) of IMAGE (its build id; the image
 * path recorded: IMAGE's absolute path, or the one given) whose argv[0] is
 * TEXT: fake-hexo keeps the actions left to play there (make-ckpt-foreign:
 * the same with another build id, as if from another image);
 *   probe ckpt-text FILE
 * verifies a checkpoint and prints its argv[0];
 *   probe old-agent PORT-FILE
 * listens on 127.0.0.1, writes the port to PORT-FILE, and answers one
 * client's HELLO as an agent of the previous protocol version would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checkpoint.h"
#include "image_file.h"
#include "proto.h"
#include "secret.h"

static uint8_t buf[HEXO_PROTO_MAX_FRAME];

static int dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("probe: connect");
		exit(2);
	}
	hexo_sock_setup(fd);
	return fd;
}

/* Expects ERROR then the agent closing: exit 0, else exit 1. */
static int expect_refusal(int fd)
{
	struct hexo_frame_hdr h;
	struct hexo_msg_error e;
	char err[256];
	int ret;

	ret = hexo_frame_recv(fd, &h, buf, sizeof(buf), hexo_deadline(15000), err, sizeof(err));
	if (ret) {
		printf("no ERROR frame: %s\n", err);
		return 1;
	}
	if (h.type != HEXO_F_ERROR) {
		printf("got %s instead of ERROR\n", hexo_frame_type_name(h.type));
		return 1;
	}
	hexo_msg_error_decode(buf, h.len, &e);
	printf("refused: %s\n", e.msg);
	ret = hexo_frame_recv(fd, &h, buf, sizeof(buf), hexo_deadline(15000), err, sizeof(err));
	if (ret != -EPIPE && ret != -ECONNRESET) {
		printf("the agent did not close the connection: %s\n", ret ? err : "a frame");
		return 1;
	}
	return 0;
}

/* Bytes as they are before authentication; one sealed message after it. */
static void send_raw(int fd, const void *p, size_t len)
{
	if (hexo_io_send_msg(fd, p, len, hexo_deadline(5000))) {
		printf("send failed\n");
		exit(1);
	}
}

static void send_hdr(int fd, uint32_t len, uint16_t type)
{
	uint8_t hb[HEXO_PROTO_HDR_SIZE];
	struct hexo_frame_hdr h = {.len = len, .type = type};

	hexo_frame_hdr_encode(hb, &h);
	send_raw(fd, hb, sizeof(hb));
}

static void send_frame(int fd, unsigned type, const void *p, size_t len)
{
	if (hexo_frame_send(fd, type, 0, p, len, hexo_deadline(5000))) {
		printf("send failed\n");
		exit(1);
	}
}

static void auth(int fd, const uint8_t *key)
{
	char err[256];

	if (hexo_handshake_client(fd, key, hexo_deadline(5000), err, sizeof(err))) {
		printf("handshake failed: %s\n", err);
		exit(1);
	}
}

static void send_run(int fd, uint64_t image_size, uint32_t n_files)
{
	const char *argv[] = {"app.hexo", NULL};
	struct hexo_msg_run m = {.kind = HEXO_RUN_IMAGE,
	                         .image_size = image_size,
	                         .n_files = n_files,
	                         .argc = 1,
	                         .argv = argv};
	struct hexo_buf b = {0};

	hexo_msg_run_encode(&b, &m);
	send_frame(fd, HEXO_F_RUN, b.p, b.len);
	hexo_buf_free(&b);
}

static int bad_auth(int fd)
{
	struct hexo_msg_hello hello = {.version = HEXO_PROTO_VERSION};
	struct hexo_frame_hdr h;
	uint8_t mac[HEXO_PROTO_MAC + HEXO_PROTO_STREAM_HDR] = {0}; /* proof, stream header */
	struct hexo_buf b = {0};
	char err[256];

	hexo_random(hello.nonce, sizeof(hello.nonce));
	hexo_msg_hello_encode(&b, &hello);
	send_frame(fd, HEXO_F_HELLO, b.p, b.len);
	hexo_buf_free(&b);
	if (hexo_frame_recv(fd, &h, buf, sizeof(buf), hexo_deadline(5000), err, sizeof(err)) ||
	    h.type != HEXO_F_CHALLENGE) {
		printf("no CHALLENGE\n");
		return 1;
	}
	send_frame(fd, HEXO_F_AUTH, mac, sizeof(mac));
	return expect_refusal(fd);
}

static int bad_version(int fd)
{
	struct hexo_msg_hello hello = {.version = 99};
	struct hexo_buf b = {0};

	hexo_msg_hello_encode(&b, &hello);
	send_frame(fd, HEXO_F_HELLO, b.p, b.len);
	hexo_buf_free(&b);
	return expect_refusal(fd);
}

static int bad_path(int fd, const char *path)
{
	struct hexo_buf b = {0};

	send_run(fd, 4, 1);
	send_frame(fd, HEXO_F_DATA, "IMG!", 4);
	/* Encoded by hand: the encoder is not the thing under test. */
	hexo_buf_u64(&b, 2);
	hexo_buf_u32(&b, 0644);
	hexo_buf_u32(&b, 0);
	hexo_buf_str(&b, path);
	send_frame(fd, HEXO_F_FILE, b.p, b.len);
	send_frame(fd, HEXO_F_DATA, "x\n", 2);
	send_frame(fd, HEXO_F_END, NULL, 0);
	hexo_buf_free(&b);
	return expect_refusal(fd);
}

static int bare_env(int fd)
{
	const char *argv[] = {"app.hexo", NULL}, *env[] = {"HOME", NULL};
	struct hexo_msg_run m = {.kind = HEXO_RUN_IMAGE,
	                         .image_size = 4,
	                         .argc = 1,
	                         .n_env = 1,
	                         .argv = argv,
	                         .env = env};
	struct hexo_buf b = {0};

	hexo_msg_run_encode(&b, &m);
	send_frame(fd, HEXO_F_RUN, b.p, b.len);
	hexo_buf_free(&b);
	return expect_refusal(fd);
}

static int make_image(const char *path, size_t size)
{
	struct hexo_image_part part = {.kind = HEXO_IMAGE_MANIFEST};
	static const char hex[] = "0123456789abcdef";
	char err[HEXO_ERR_LEN], *text;
	uint8_t rnd;

	if (size < 16)
		size = 16;
	/* {"pad":"<random hex>"} */
	text = malloc(size);
	if (!text)
		return 2;
	memcpy(text, "{\"pad\":\"", 8);
	for (size_t i = 8; i < size - 2; i++) {
		hexo_random(&rnd, 1);
		text[i] = hex[rnd & 15];
	}
	memcpy(text + size - 2, "\"}", 2);
	part.data = text;
	part.size = size;
	if (hexo_image_write(path, &part, 1, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 2;
	}
	free(text);
	return 0;
}

static int make_ckpt(const char *path, const char *image, const char *text, const char *recorded,
                     bool foreign)
{
	struct hexo_ckpt_desc d = {.source_isa = 1, .argv0 = text, .mem_size = 64u << 20};
	char err[HEXO_ERR_LEN], abs[PATH_MAX];
	struct hexo_image img;
	const char *base = strrchr(image, '/');

	if (hexo_image_open(image, &img, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 2;
	}
	memcpy(d.build_id, img.hdr->build_id, sizeof(d.build_id));
	d.build_id[0] ^= foreign ? 0xff : 0;
	hexo_image_close(&img);
	if (!realpath(image, abs))
		snprintf(abs, sizeof(abs), "%s", image);
	d.image_path = recorded ? recorded : abs;
	d.image_name = base ? base + 1 : image;
	if (hexo_ckpt_write(path, &d, NULL, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 2;
	}
	return 0;
}

static int ckpt_text(const char *path)
{
	char err[HEXO_ERR_LEN];
	struct hexo_ckpt ck;

	if (hexo_ckpt_open(path, 0, &ck, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 1;
	}
	printf("%s\n", hexo_ckpt_string(&ck, ck.hdr->argv0));
	hexo_ckpt_close(&ck);
	return 0;
}

/* An agent of the protocol version before ours: CHALLENGE with it. */
static int old_agent(const char *port_file)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct hexo_msg_challenge ch = {.version = HEXO_PROTO_VERSION - 1};
	socklen_t len = sizeof(sa);
	struct hexo_frame_hdr h;
	struct hexo_buf b = {0};
	char err[256];
	FILE *f;
	int lfd, fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		perror("probe: listen");
		return 2;
	}
	f = fopen(port_file, "w");
	if (!f)
		return 2;
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 2;
	hexo_sock_setup(fd);
	if (hexo_frame_recv(fd, &h, buf, sizeof(buf), hexo_deadline(10000), err, sizeof(err)) ||
	    h.type != HEXO_F_HELLO) {
		printf("no HELLO\n");
		return 1;
	}
	hexo_random(ch.nonce, sizeof(ch.nonce));
	hexo_msg_challenge_encode(&b, &ch);
	send_frame(fd, HEXO_F_CHALLENGE, b.p, b.len);
	hexo_buf_free(&b);
	/* the client gives up: it closes */
	hexo_frame_recv(fd, &h, buf, sizeof(buf), hexo_deadline(10000), err, sizeof(err));
	printf("client closed\n");
	return 0;
}

static int migrate(int fd, const char *job)
{
	struct hexo_frame_hdr h = {0};
	char err[256];

	send_frame(fd, HEXO_F_MIGRATE, job, strlen(job) + 1);
	if (hexo_frame_recv(fd, &h, buf, sizeof(buf), hexo_deadline(5000), err, sizeof(err)) == 0 &&
	    h.type == HEXO_F_OK) {
		printf("ok\n");
		return 0;
	}
	if (h.type != HEXO_F_ERROR) {
		printf("neither OK nor ERROR\n");
		return 1;
	}
	struct hexo_msg_error e;

	hexo_msg_error_decode(buf, h.len, &e);
	printf("refused: %s\n", e.msg);
	return 0;
}

static int resume_args(int fd)
{
	const char *argv[] = {"app.hexo", "x", NULL};
	struct hexo_msg_run m = {
	    .kind = HEXO_RUN_RESUME, .image_size = 4, .ckpt_size = 4, .argc = 2, .argv = argv};
	struct hexo_buf b = {0};

	hexo_msg_run_encode(&b, &m);
	send_frame(fd, HEXO_F_RUN, b.p, b.len);
	hexo_buf_free(&b);
	return expect_refusal(fd);
}

static int old_version(int fd)
{
	struct hexo_msg_hello hello = {.version = HEXO_PROTO_VERSION - 1};
	struct hexo_buf b = {0};

	hexo_random(hello.nonce, sizeof(hello.nonce));
	hexo_msg_hello_encode(&b, &hello);
	send_frame(fd, HEXO_F_HELLO, b.p, b.len);
	hexo_buf_free(&b);
	return expect_refusal(fd);
}

static int drop_upload(int fd, int ms)
{
	send_run(fd, 8u << 20, 0);
	memset(buf, 'x', HEXO_PROTO_CHUNK);
	for (int i = 0; i < 4; i++)
		send_frame(fd, HEXO_F_DATA, buf, HEXO_PROTO_CHUNK);
	printf("uploading\n");
	fflush(stdout);
	usleep((useconds_t)ms * 1000);
	close(fd);
	return 0;
}

static int scenario(int fd, const uint8_t *key, const char *s, const char *arg)
{
	static const char garbage[] = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";

	if (!strcmp(s, "garbage"))
		return send_raw(fd, garbage, sizeof(garbage) - 1), expect_refusal(fd);
	if (!strcmp(s, "oversize-preauth"))
		return send_hdr(fd, 2u << 20, HEXO_F_HELLO), expect_refusal(fd);
	if (!strcmp(s, "ping-preauth"))
		return send_frame(fd, HEXO_F_PING, NULL, 0), expect_refusal(fd);
	if (!strcmp(s, "bad-version"))
		return bad_version(fd);
	if (!strcmp(s, "old-version"))
		return old_version(fd);
	if (!strcmp(s, "bad-auth"))
		return bad_auth(fd);
	if (!strcmp(s, "silent"))
		return expect_refusal(fd);
	if (!strcmp(s, "truncated")) {
		send_hdr(fd, 40, HEXO_F_HELLO);
		send_raw(fd, "HXOD", 4);
		close(fd);
		return 0;
	}
	auth(fd, key);
	if (!strcmp(s, "oversize"))
		return send_hdr(fd, HEXO_PROTO_MAX_FRAME + 1, HEXO_F_DATA), expect_refusal(fd);
	if (!strcmp(s, "bad-type"))
		return send_hdr(fd, 0, 99), expect_refusal(fd);
	if (!strcmp(s, "out-of-order"))
		return send_frame(fd, HEXO_F_DATA, "abc", 3), expect_refusal(fd);
	if (!strcmp(s, "bad-run"))
		return send_frame(fd, HEXO_F_RUN, "\1\0\0\0\0", 5), expect_refusal(fd);
	if (!strcmp(s, "bad-path") && arg)
		return bad_path(fd, arg);
	if (!strcmp(s, "drop-upload") && arg)
		return drop_upload(fd, atoi(arg));
	if (!strcmp(s, "bare-env"))
		return bare_env(fd);
	if (!strcmp(s, "stdin-first"))
		return send_frame(fd, HEXO_F_STDIN, "abc", 3), expect_refusal(fd);
	if (!strcmp(s, "migrate-first"))
		return send_frame(fd, HEXO_F_MIGRATE, NULL, 0), expect_refusal(fd);
	if (!strcmp(s, "migrate") && arg)
		return migrate(fd, arg);
	if (!strcmp(s, "resume-args"))
		return resume_args(fd);
	fprintf(stderr, "probe: unknown scenario '%s'\n", s);
	return 2;
}

int main(int argc, char **argv)
{
	uint8_t key[HEXO_PROTO_KEY];
	char err[512];

	if (argc == 4 && !strcmp(argv[1], "make-image"))
		return make_image(argv[2], (size_t)atol(argv[3]));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "make-ckpt"))
		return make_ckpt(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL, false);
	if (argc == 5 && !strcmp(argv[1], "make-ckpt-foreign"))
		return make_ckpt(argv[2], argv[3], argv[4], NULL, true);
	if (argc == 3 && !strcmp(argv[1], "ckpt-text"))
		return ckpt_text(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "old-agent"))
		return old_agent(argv[2]);
	if (argc < 4) {
		fprintf(stderr, "usage: probe PORT SECRET-FILE SCENARIO [ARG]\n"
		                "       probe make-image FILE BYTES\n");
		return 2;
	}
	if (hexo_secret_read(argv[2], key, NULL, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 2;
	}
	return scenario(dial(atoi(argv[1])), key, argv[3], argc > 4 ? argv[4] : NULL);
}
