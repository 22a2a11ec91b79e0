// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: hexod's frame and message decoders (lib/proto.c) and
 * the sealed stream's receiving side (lib/seal.c), none of which needs a
 * socket.
 *
 * Input: an 8-byte frame header, then the payload. The header goes to
 * hexo_frame_hdr_decode(); the payload to every message decoder (what a
 * peer may send is whatever it likes, whatever the header's type). A
 * decoded RUN, FILE or PONG is encoded again and must decode to the same
 * message. Then the input, as a sealed message, goes to hexo_seal_pull()
 * of a fresh receiving stream (it refuses it: no forged message passes),
 * and the payload, sealed by a peer, must come back intact.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERRLEN 512

static void same(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proto: %s does not decode to what was encoded\n", what);
		abort();
	}
}

static bool str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static void run_roundtrip(const struct hexo_msg_run *m)
{
	struct hexo_buf b = {0};
	struct hexo_msg_run r;
	char err[ERRLEN];

	if (hexo_msg_run_encode(&b, m) == 0 &&
	    hexo_msg_run_decode(b.p, b.len, &r, err, sizeof(err)) == 0) {
		bool ok = r.kind == m->kind && r.flags == m->flags && r.image_size == m->image_size &&
		          r.ckpt_size == m->ckpt_size && r.n_files == m->n_files &&
		          r.argc == m->argc && r.n_env == m->n_env &&
		          str_eq(r.migrate_after, m->migrate_after) &&
		          str_eq(r.checkpoint_every, m->checkpoint_every) && str_eq(r.mem, m->mem);
		for (uint32_t i = 0; ok && i < m->argc; i++)
			ok = str_eq(r.argv[i], m->argv[i]);
		for (uint32_t i = 0; ok && i < m->n_env; i++)
			ok = str_eq(r.env[i], m->env[i]);
		same(ok, "RUN");
		hexo_msg_run_free(&r);
	} else {
		same(false, "RUN");
	}
	hexo_buf_free(&b);
}

static void decode_all(const struct hexo_frame_hdr *h, const uint8_t *p, size_t len)
{
	char err[ERRLEN];
	struct hexo_msg_hello hello;
	struct hexo_msg_challenge ch;
	struct hexo_msg_pong pong;
	struct hexo_msg_run run;
	struct hexo_msg_file file;
	struct hexo_msg_error e;
	uint8_t mac[HEXO_PROTO_MAC], hdr[HEXO_PROTO_STREAM_HDR];
	const char *s;
	uint32_t u32;
	uint64_t u64;
	struct hexo_buf b = {0};

	(void)h;
	(void)hexo_msg_hello_decode(p, len, &hello, err, sizeof(err));
	(void)hexo_msg_challenge_decode(p, len, &ch, err, sizeof(err));
	(void)hexo_msg_auth_decode(p, len, mac, hdr, err, sizeof(err));
	(void)hexo_msg_auth_ok_decode(p, len, hdr, err, sizeof(err));
	if (!hexo_msg_pong_decode(p, len, &pong, err, sizeof(err))) {
		struct hexo_msg_pong r;

		(void)strlen(pong.machine);
		(void)strlen(pong.agent);
		same(!hexo_msg_pong_encode(&b, &pong) &&
		         !hexo_msg_pong_decode(b.p, b.len, &r, err, sizeof(err)) &&
		         r.version == pong.version && r.isa == pong.isa && r.cpus == pong.cpus &&
		         str_eq(r.machine, pong.machine) && str_eq(r.agent, pong.agent),
		     "PONG");
	}
	if (!hexo_msg_run_decode(p, len, &run, err, sizeof(err))) {
		run_roundtrip(&run);
		hexo_msg_run_free(&run);
	}
	if (!hexo_msg_file_decode(p, len, &file, err, sizeof(err))) {
		struct hexo_msg_file r;

		same(hexo_proto_path_valid(file.path), "FILE's path check");
		same(!hexo_msg_file_encode(&b, &file) &&
		         !hexo_msg_file_decode(b.p, b.len, &r, err, sizeof(err)) &&
		         r.size == file.size && r.mode == file.mode && r.kind == file.kind &&
		         str_eq(r.path, file.path),
		     "FILE");
	}
	if (!hexo_msg_path_decode(p, len, &s, err, sizeof(err)))
		(void)hexo_proto_path_depth(s);
	(void)hexo_msg_exit_decode(p, len, &u32, err, sizeof(err));
	(void)hexo_msg_checkpoint_decode(p, len, &u64, err, sizeof(err));
	if (!hexo_msg_job_decode(p, len, true, &s, err, sizeof(err)))
		same(!*s || hexo_proto_job_valid(s), "job id check");
	(void)hexo_msg_job_decode(p, len, false, &s, err, sizeof(err));
	if (!hexo_msg_status_decode(p, len, &s, err, sizeof(err))) {
		const char *r;

		same(!hexo_msg_status_encode(&b, s) &&
		         !hexo_msg_status_decode(b.p, b.len, &r, err, sizeof(err)) && str_eq(r, s),
		     "STATUS");
	}
	hexo_msg_error_decode(p, len, &e);
	(void)strlen(e.msg);
	hexo_buf_free(&b);
}

/* The receiving side of a sealed stream, on bytes not from the peer, then
 * on the payload as the peer sealed it. */
static void seal(const uint8_t *data, size_t size, const uint8_t *p, size_t len)
{
	static const uint8_t key[HEXO_PROTO_KEY] = {1, 2, 3};
	static const uint8_t nc[HEXO_PROTO_NONCE] = {4}, ns[HEXO_PROTO_NONCE] = {5};
	uint8_t txh_c[HEXO_PROTO_STREAM_HDR], txh_s[HEXO_PROTO_STREAM_HDR];
	struct hexo_seal *client, *server;
	uint8_t *m, *c;

	if (hexo_seal_new(&client, key, false, nc, ns, txh_c))
		return;
	if (hexo_seal_new(&server, key, true, nc, ns, txh_s)) {
		hexo_seal_free(client);
		return;
	}
	m = malloc(size + 1);
	c = malloc(len + HEXO_SEAL_ABYTES);
	if (m && c && !hexo_seal_rx_start(server, txh_c)) {
		same(hexo_seal_pull(server, m, data, size) != 0, "a forged sealed message");
		same(!hexo_seal_push(client, c, p, len) &&
		         !hexo_seal_pull(server, m, c, len + HEXO_SEAL_ABYTES) &&
		         !memcmp(m, p, len),
		     "a sealed message");
	}
	free(m);
	free(c);
	hexo_seal_free(client);
	hexo_seal_free(server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[HEXO_PROTO_HDR_SIZE] = {0}, out[HEXO_PROTO_HDR_SIZE];
	struct hexo_frame_hdr h = {0};
	char err[ERRLEN];
	size_t hl = size < HEXO_PROTO_HDR_SIZE ? size : HEXO_PROTO_HDR_SIZE;
	uint8_t *p;
	size_t len = size - hl;

	memcpy(in, data, hl);
	if (!hexo_frame_hdr_decode(in, &h, err, sizeof(err))) {
		(void)strlen(hexo_frame_type_name(h.type));
		hexo_frame_hdr_encode(out, &h);
		same(!memcmp(in, out, sizeof(in)), "a frame header");
	}
	/* The payload in an exact-size buffer, so that ASan sees any read past it. */
	p = malloc(len ? len : 1);
	if (!p)
		return 0;
	memcpy(p, data + hl, len);
	decode_all(&h, p, len);
	seal(data, size, p, len);
	free(p);
	return 0;
}
