// SPDX-License-Identifier: MIT
/*
 * `hexo inspect CHECKPOINT [--json]`: what a checkpoint holds. The header
 * and tables must verify (else it cannot be described: status 125); the
 * sections' checksums are each reported OK or BAD, and a BAD one makes the
 * status 125 after the description.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hexo/abi.h>

#include "checkpoint.h"
#include "image_file.h"
#include "inspect.h"
#include "json_out.h"
#include "monitor.h"

static struct json_object *jint64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static void flags_str(uint32_t f, char *buf, size_t len)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "?"};

	snprintf(buf, len, "%s%s%s%s%s", acc[f & HEXO_O_ACCMODE],
	         f & HEXO_O_CREAT ? "|O_CREAT" : "", f & HEXO_O_EXCL ? "|O_EXCL" : "",
	         f & HEXO_O_TRUNC ? "|O_TRUNC" : "", f & HEXO_O_APPEND ? "|O_APPEND" : "");
}

/* One entry per region: its range, bytes in the file and zero, checksums. */
static struct json_object *regions_json(const struct hexo_ckpt *ck, const bool *ok)
{
	const struct hexo_ckpt_kernel *k = &ck->hdr->kernel;
	const uint64_t lo[] = {0, k->args_start, k->data_start, k->shadow_lo, k->heap_start};
	const uint64_t hi[] = {0, k->args_end, k->data_end, k->shadow_hi, k->brk};
	struct json_object *arr = json_object_new_array();

	for (uint32_t t = 1; t < HEXO_CKPT_NTYPES; t++) {
		struct json_object *o = json_object_new_object();
		uint64_t file = 0, zero = 0, n = 0, bad = 0;

		for (uint32_t i = 0; i < ck->hdr->n_sections; i++) {
			const struct hexo_ckpt_section *s = &ck->sections[i];

			if (s->type != t)
				continue;
			n++;
			if (s->flags & HEXO_CKPT_SEC_ZERO)
				zero += s->size;
			else
				file += s->size;
			bad += !ok[i];
		}
		json_object_object_add(o, "region", json_object_new_string(hexo_ckpt_type_name(t)));
		json_object_object_add(o, "start", json_out__hex(lo[t]));
		json_object_object_add(o, "end", json_out__hex(hi[t]));
		json_object_object_add(o, "size", jint64(hi[t] - lo[t]));
		json_object_object_add(o, "file_bytes", jint64(file));
		json_object_object_add(o, "zero_bytes", jint64(zero));
		json_object_object_add(o, "sections", jint64(n));
		json_object_object_add(o, "checksums", json_object_new_string(bad ? "BAD" : "OK"));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *sections_json(const struct hexo_ckpt *ck, const bool *ok)
{
	struct json_object *arr = json_object_new_array();

	for (uint32_t i = 0; i < ck->hdr->n_sections; i++) {
		const struct hexo_ckpt_section *s = &ck->sections[i];
		struct json_object *o = json_object_new_object();
		bool zero = s->flags & HEXO_CKPT_SEC_ZERO;

		json_object_object_add(o, "region",
		                       json_object_new_string(hexo_ckpt_type_name(s->type)));
		json_object_object_add(o, "start", json_out__hex(s->gpa));
		json_object_object_add(o, "size", jint64(s->size));
		json_object_object_add(o, "zero", json_object_new_boolean(zero));
		if (!zero) {
			json_object_object_add(o, "offset", jint64(s->offset));
			json_object_object_add(o, "checksum", json_out__hex(s->checksum));
		}
		json_object_object_add(o, "ok", json_object_new_boolean(ok[i]));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *files_json(const struct hexo_ckpt *ck)
{
	struct json_object *arr = json_object_new_array();
	char fl[64];

	for (uint32_t i = 0; i < ck->hdr->n_files; i++) {
		const struct hexo_ckpt_file *f = &ck->files[i];
		struct json_object *o = json_object_new_object();

		flags_str(f->flags, fl, sizeof(fl));
		json_object_object_add(o, "fd", json_object_new_int(f->fd));
		json_object_object_add(o, "path",
		                       json_object_new_string(hexo_ckpt_string(ck, f->path)));
		json_object_object_add(o, "flags", json_object_new_string(fl));
		json_object_object_add(o, "offset",
		                       f->state & HEXO_CKPT_FILE_NOSEEK ? NULL : jint64(f->offset));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *kernel_json(const struct hexo_ckpt_kernel *k)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mono_ns", jint64(k->mono_ns));
	json_object_object_add(o, "depth", jint64(k->depth));
	json_object_object_add(o, "brk", json_out__hex(k->brk));
	json_object_object_add(o, "watermark", json_out__hex(k->watermark));
	json_object_object_add(o, "records", json_out__hex(k->records));
	json_object_object_add(o, "argc", jint64(k->argc));
	json_object_object_add(o, "std_closed", jint64(k->std_closed));
	return o;
}

static struct json_object *ckpt_json(const struct hexo_ckpt *ck, const bool *ok, bool all_ok)
{
	const struct hexo_ckpt_header *h = ck->hdr;
	struct json_object *root = json_object_new_object(), *img = json_object_new_object();
	char id[33], when[40];
	time_t t = (time_t)(h->time_ns / 1000000000);
	struct tm tm;

	hexo_build_id_hex(h->build_id, id);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	json_object_object_add(root, "file", json_object_new_string(ck->name));
	json_object_object_add(root, "kind", json_object_new_string("checkpoint"));
	json_object_object_add(root, "bytes", jint64(ck->size));
	json_object_object_add(root, "format_version", json_object_new_int((int)h->version));
	json_object_object_add(img, "name",
	                       json_object_new_string(hexo_ckpt_string(ck, h->image_name)));
	json_object_object_add(img, "path",
	                       json_object_new_string(hexo_ckpt_string(ck, h->image_path)));
	json_object_object_add(img, "build_id", json_object_new_string(id));
	json_object_object_add(root, "image", img);
	json_object_object_add(root, "source_isa",
	                       json_object_new_string(hexo_isa_name(h->source_isa)));
	json_object_object_add(root, "time", json_object_new_string(when));
	json_object_object_add(root, "time_ns", json_object_new_int64(h->time_ns));
	json_object_object_add(root, "restore_count", jint64(h->restore_count));
	json_object_object_add(root, "points", jint64(h->kernel.points));
	json_object_object_add(root, "argv0",
	                       json_object_new_string(hexo_ckpt_string(ck, h->argv0)));
	json_object_object_add(root, "mem_size", jint64(h->mem_size));
	json_object_object_add(root, "kernel", kernel_json(&h->kernel));
	json_object_object_add(root, "regions", regions_json(ck, ok));
	json_object_object_add(root, "sections", sections_json(ck, ok));
	json_object_object_add(root, "files", files_json(ck));
	json_object_object_add(root, "ok", json_object_new_boolean(all_ok));
	return root;
}

static void print_text(struct json_object *root)
{
	struct json_object *img, *k, *regs, *files;

	json_object_object_get_ex(root, "image", &img);
	json_object_object_get_ex(root, "kernel", &k);
	json_object_object_get_ex(root, "regions", &regs);
	json_object_object_get_ex(root, "files", &files);
	printf("checkpoint: %s (%" PRId64 " bytes, format %" PRId64 ")\n",
	       json_out__str(root, "file"), json_out__int(root, "bytes"),
	       json_out__int(root, "format_version"));
	printf("image:      %s (%s)\n", json_out__str(img, "name"), json_out__str(img, "path"));
	printf("build id:   %s\n", json_out__str(img, "build_id"));
	printf("taken:      %s on %s, after %" PRId64 " restore(s)\n", json_out__str(root, "time"),
	       json_out__str(root, "source_isa"), json_out__int(root, "restore_count"));
	printf("job:        argv[0] %s, %" PRId64 " argument(s), %" PRId64 " MiB of memory\n",
	       json_out__str(root, "argv0"), json_out__int(k, "argc"),
	       json_out__int(root, "mem_size") >> 20);
	printf("progress:   %" PRId64 " migration point(s) passed\n", json_out__int(root, "points"));
	printf("clock:      %.9f s (CLOCK_MONOTONIC of the job)\n",
	       (double)json_out__int(k, "mono_ns") / 1e9);
	printf("depth:      %" PRId64 " frame record(s); records at %s, watermark %s; break %s\n",
	       json_out__int(k, "depth"), json_out__str(k, "records"),
	       json_out__str(k, "watermark"), json_out__str(k, "brk"));
	printf("memory:     %-13s %10s %10s %12s %12s %12s %8s  checksums\n", "region", "start",
	       "end", "bytes", "in file", "zero", "sections");
	for (size_t i = 0; i < json_object_array_length(regs); i++) {
		struct json_object *r = json_object_array_get_idx(regs, i);

		printf("            %-13s %10s %10s %12" PRId64 " %12" PRId64 " %12" PRId64
		       " %8" PRId64 "  %s\n",
		       json_out__str(r, "region"), json_out__str(r, "start"),
		       json_out__str(r, "end"), json_out__int(r, "size"),
		       json_out__int(r, "file_bytes"), json_out__int(r, "zero_bytes"),
		       json_out__int(r, "sections"), json_out__str(r, "checksums"));
	}
	if (!json_object_array_length(files))
		printf("files:      none open (besides 0, 1, 2)\n");
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i), *off;

		printf("%s fd %" PRId64 " %s (%s)",
		       i ? "           " : "files:     ", json_out__int(f, "fd"),
		       json_out__str(f, "path"), json_out__str(f, "flags"));
		if (json_object_object_get_ex(f, "offset", &off) && off)
			printf(" at offset %" PRId64, json_object_get_int64(off));
		putchar('\n');
	}
}

int inspect__checkpoint(const char *path, bool json)
{
	struct json_object *root;
	struct hexo_ckpt ck;
	char err[HEXO_ERR_LEN], desc[96];
	uint32_t bad_first = 0;
	size_t n_bad = 0;
	bool *ok;

	if (hexo_ckpt_open(path, HEXO_CKPT_NO_DATA_CHECK, &ck, err, sizeof(err)))
		hexo_die("%s", err);
	ok = calloc(ck.hdr->n_sections + 1, sizeof(*ok));
	if (!ok)
		hexo_die("out of memory");
	for (uint32_t i = 0; i < ck.hdr->n_sections; i++) {
		ok[i] = hexo_ckpt_section_ok(&ck, i);
		if (!ok[i] && !n_bad++)
			bad_first = i;
	}
	root = ckpt_json(&ck, ok, n_bad == 0);
	free(ok);
	if (json)
		json_out__print(root);
	else
		print_text(root);
	json_object_put(root);
	if (n_bad) {
		fflush(stdout);
		hexo_ckpt_section_desc(&ck.sections[bad_first], bad_first, desc, sizeof(desc));
		hexo_die("%s: damaged checkpoint: %s: checksum mismatch%s", path, desc,
		    n_bad > 1 ? " (and more: see above)" : "");
	}
	hexo_ckpt_close(&ck);
	return 0;
}
