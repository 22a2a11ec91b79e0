// SPDX-License-Identifier: MIT
/*
 * Writes the fuzzers' seed corpora with the library's own writers and
 * encoders: small valid images (image/), checkpoints (checkpoint/) and
 * frames (proto/: an 8-byte frame header, then the payload, as fuzz_proto
 * reads them), under the folder given.
 *
 *   usage: seeds OUTDIR       (OUTDIR/image, OUTDIR/checkpoint, OUTDIR/proto)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hexo/abi.h>

#include "checkpoint.h"
#include "err.h"
#include "fsutil.h"
#include "image_file.h"
#include "proto.h"

static const char *outdir;
static char err[HEXO_ERR_LEN];

static void path_of(char *buf, size_t len, const char *kind, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", outdir, kind, name);
}

static void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "seeds: %s: %s\n", what, *err ? err : strerror(-ret));
		exit(1);
	}
}

/* ---- images ------------------------------------------------------------ */

/* A made-up ELF: a header's first bytes, then a pattern. */
static void fake_elf(uint8_t *p, size_t n, unsigned seed)
{
	static const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
	memcpy(p, ident, n < sizeof(ident) ? n : sizeof(ident));
}

static void image(const char *name, struct hexo_image_part *parts, size_t n, bool manifest_id)
{
	char path[4096], manifest[256], id_hex[33];
	uint8_t id[16];

	if (manifest_id) {
		check(hexo_image_build_id(parts, n, id), "build id");
		hexo_build_id_hex(id, id_hex);
		snprintf(manifest, sizeof(manifest),
		         "{\"hexocc\":\"seed\",\"build_id\":\"%s\",\"heap_start\":16777216}", id_hex);
	} else {
		snprintf(manifest, sizeof(manifest), "{\"hexocc\":\"seed\"}");
	}
	for (size_t i = 0; i < n; i++) {
		if (parts[i].kind == HEXO_IMAGE_MANIFEST) {
			parts[i].data = manifest;
			parts[i].size = strlen(manifest);
		}
	}
	path_of(path, sizeof(path), "image", name);
	check(hexo_image_write(path, parts, n, err, sizeof(err)), path);
}

static void images(void)
{
	static uint8_t x86[200], arm[333];
	struct hexo_image_part p[3];

	fake_elf(x86, sizeof(x86), 1);
	fake_elf(arm, sizeof(arm), 2);
	p[0] = (struct hexo_image_part){HEXO_IMAGE_ELF, HEXO_ISA_X86_64, x86, sizeof(x86)};
	image("one-elf", p, 1, false);
	p[1] = (struct hexo_image_part){HEXO_IMAGE_MANIFEST, HEXO_ISA_NONE, NULL, 0};
	image("elf-manifest", p, 2, true);
	p[1] = (struct hexo_image_part){HEXO_IMAGE_ELF, HEXO_ISA_AARCH64, arm, sizeof(arm)};
	p[2] = (struct hexo_image_part){HEXO_IMAGE_MANIFEST, HEXO_ISA_NONE, NULL, 0};
	image("two-elves-manifest", p, 3, true);
	p[0] = p[2];
	image("manifest-only", p, 1, false);
}

/* ---- checkpoints ------------------------------------------------------- */

#define ARGS_GPA  0x10000u
#define DATA_GPA  0x100000u
#define SHADOW_LO 0x200f80u
#define SHADOW_HI 0x201000u
#define HEAP_GPA  0x300000u

static void checkpoint(const char *name, size_t data_size, size_t heap_size, size_t n_files)
{
	static uint8_t args[256], data[3 * 4096], shadow[SHADOW_HI - SHADOW_LO], heap[2 * 4096];
	static const struct hexo_ckpt_open_file files[] = {
	    {.fd = 3, .flags = HEXO_O_WRONLY | HEXO_O_CREAT | HEXO_O_TRUNC, .offset = 42,
	     .path = "out/result.txt"},
	    {.fd = 4, .flags = HEXO_O_RDONLY, .offset = 0, .path = "input.dat"},
	};
	struct hexo_ckpt_region r[4];
	size_t n = 0;
	char path[4096];

	strcpy((char *)args + 32, "prog.hexo");
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < 100; i++) /* page 0 and the last: bytes; between: zero */
		data[i] = data[sizeof(data) - 1 - i] = (uint8_t)(i + 1);
	for (size_t i = 0; i < sizeof(shadow); i++)
		shadow[i] = (uint8_t)(i * 3);
	for (size_t i = 0; i < 64; i++)
		heap[4096 + i] = (uint8_t)i;
	r[n++] = (struct hexo_ckpt_region){HEXO_CKPT_ARGS, ARGS_GPA, sizeof(args), args};
	if (data_size)
		r[n++] = (struct hexo_ckpt_region){HEXO_CKPT_DATA, DATA_GPA, data_size, data};
	r[n++] = (struct hexo_ckpt_region){HEXO_CKPT_SHADOW, SHADOW_LO, sizeof(shadow), shadow};
	if (heap_size)
		r[n++] = (struct hexo_ckpt_region){HEXO_CKPT_HEAP, HEAP_GPA, heap_size, heap};
	struct hexo_ckpt_desc d = {
	    .build_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	    .source_isa = heap_size ? HEXO_ISA_X86_64 : HEXO_ISA_AARCH64,
	    .image_path = "/home/u/prog.hexo",
	    .image_name = "prog.hexo",
	    .argv0 = "prog.hexo",
	    .mem_size = 64u << 20,
	    .time_ns = 1700000000123456789,
	    .restore_count = 1,
	    .kernel = {.args_start = ARGS_GPA,
	               .args_end = ARGS_GPA + sizeof(args),
	               .data_start = DATA_GPA,
	               .data_end = DATA_GPA + data_size,
	               .shadow_lo = SHADOW_LO,
	               .shadow_hi = SHADOW_HI,
	               .heap_start = HEAP_GPA,
	               .brk = HEAP_GPA + heap_size,
	               .watermark = SHADOW_HI - 0x40,
	               .records = SHADOW_LO,
	               .mono_ns = 987654321,
	               .depth = 2,
	               .argc = 1,
	               .argv = ARGS_GPA,
	               .envp = ARGS_GPA + 16},
	    .regions = r,
	    .n_regions = n,
	    .files = files,
	    .n_files = n_files,
	};
	path_of(path, sizeof(path), "checkpoint", name);
	check(hexo_ckpt_write(path, &d, NULL, err, sizeof(err)), path);
}

static void checkpoints(void)
{
	checkpoint("full", 3 * 4096, 2 * 4096, 2);
	checkpoint("no-heap-no-files", 3 * 4096 - 100, 0, 0);
	checkpoint("no-data-one-file", 0, 4096 + 10, 1);
}

/* ---- frames ------------------------------------------------------------ */

static void frame(const char *name, unsigned type, unsigned stream, const void *p, size_t len)
{
	struct hexo_frame_hdr h = {.len = (uint32_t)len, .type = (uint16_t)type,
	                           .stream = (uint8_t)stream};
	uint8_t hdr[HEXO_PROTO_HDR_SIZE];
	char path[4096];
	FILE *f;

	hexo_frame_hdr_encode(hdr, &h);
	path_of(path, sizeof(path), "proto", name);
	f = fopen(path, "wb");
	if (!f || fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) ||
	    (len && fwrite(p, 1, len, f) != len) || fclose(f)) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void msg(const char *name, unsigned type, struct hexo_buf *b, int ret)
{
	check(ret, name);
	frame(name, type, 0, b->p, b->len);
	hexo_buf_free(b);
}

static void frames(void)
{
	struct hexo_buf b = {0};
	struct hexo_msg_hello hello = {.version = HEXO_PROTO_VERSION, .nonce = {1, 2, 3}};
	struct hexo_msg_challenge ch = {.version = HEXO_PROTO_VERSION, .nonce = {4}, .mac = {5}};
	struct hexo_msg_pong pong = {.version = HEXO_PROTO_VERSION, .isa = HEXO_ISA_AARCH64,
	                             .cpus = 4, .machine = "aarch64", .agent = "hexod 0.1.0"};
	const char *argv[] = {"prog.hexo", "-n", "10", NULL}, *env[] = {"A=1", "LANG=C", NULL};
	const char *rargv[] = {"prog.hexo", NULL}, *renv[] = {NULL};
	struct hexo_msg_run run = {.kind = HEXO_RUN_IMAGE, .flags = HEXO_RUN_F_STATS,
	                           .image_size = 123456, .migrate_after = "2.5",
	                           .checkpoint_every = "", .n_files = 2, .argc = 3, .n_env = 2,
	                           .mem = "256M", .argv = argv, .env = env};
	struct hexo_msg_run resume = {.kind = HEXO_RUN_RESUME, .image_size = 4096,
	                              .ckpt_size = 8192, .migrate_after = "",
	                              .checkpoint_every = "10", .argc = 1, .mem = "",
	                              .argv = rargv, .env = renv};
	struct hexo_msg_file file = {.size = 99, .mode = 0644, .kind = HEXO_FILE_REG,
	                             .path = "out/result.txt"};
	struct hexo_msg_file dir = {.mode = 0755, .kind = HEXO_FILE_DIR, .path = "out"};
	uint8_t auth[HEXO_PROTO_MAC + HEXO_PROTO_STREAM_HDR] = {7, 8, 9};

	msg("hello", HEXO_F_HELLO, &b, hexo_msg_hello_encode(&b, &hello));
	msg("challenge", HEXO_F_CHALLENGE, &b, hexo_msg_challenge_encode(&b, &ch));
	frame("auth", HEXO_F_AUTH, 0, auth, sizeof(auth));
	frame("auth-ok", HEXO_F_AUTH_OK, 0, auth, HEXO_PROTO_STREAM_HDR);
	frame("ping", HEXO_F_PING, 0, NULL, 0);
	msg("pong", HEXO_F_PONG, &b, hexo_msg_pong_encode(&b, &pong));
	msg("run", HEXO_F_RUN, &b, hexo_msg_run_encode(&b, &run));
	msg("run-resume", HEXO_F_RUN, &b, hexo_msg_run_encode(&b, &resume));
	msg("file", HEXO_F_FILE, &b, hexo_msg_file_encode(&b, &file));
	msg("file-dir", HEXO_F_FILE, &b, hexo_msg_file_encode(&b, &dir));
	frame("data", HEXO_F_DATA, 0, "hello, world\n", 13);
	frame("end", HEXO_F_END, 0, NULL, 0);
	frame("output", HEXO_F_OUTPUT, HEXO_STREAM_STDOUT, "result: 42\n", 11);
	frame("delete", HEXO_F_DELETE, 0, "tmp/scratch.bin", 16);
	msg("exit", HEXO_F_EXIT, &b, hexo_msg_exit_encode(&b, 3));
	msg("error", HEXO_F_ERROR, &b, hexo_msg_error_encode(&b, EINVAL, "bad request"));
	frame("stdin", HEXO_F_STDIN, 0, "input\n", 6);
	frame("closed", HEXO_F_CLOSED, HEXO_STREAM_STDERR, NULL, 0);
	msg("checkpoint", HEXO_F_CHECKPOINT, &b, hexo_msg_checkpoint_encode(&b, 8192));
	frame("migrate", HEXO_F_MIGRATE, 0, "job-1.a_B", 10);
	frame("migrate-empty", HEXO_F_MIGRATE, 0, NULL, 0);
	frame("started", HEXO_F_STARTED, 0, "job-1.a_B", 10);
	frame("ok", HEXO_F_OK, 0, NULL, 0);
	msg("status", HEXO_F_STATUS, &b,
	    hexo_msg_status_encode(
	        &b, "{\"points\": 1000, \"run_s\": 1.250, \"state\": \"running\", \"status\": null}\n"));
}

int main(int argc, char **argv)
{
	static const char *kinds[] = {"image", "checkpoint", "proto"};
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: seeds OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	for (size_t i = 0; i < 3; i++) {
		path_of(path, sizeof(path), kinds[i], "");
		check(hexo_mkdir_p(path, 0755), path);
	}
	images();
	checkpoints();
	frames();
	return 0;
}
