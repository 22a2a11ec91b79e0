// SPDX-License-Identifier: MIT
/*
 * Multi-ISA objects: what `hexocc -c` writes, so that objects and archives
 * of them link into images that hold an ELF for every ISA.
 *
 * An object made by hexocc -c is the primary ISA's relocatable ELF (x86-64),
 * unchanged, plus one section per other ISA, named HEXO_OBJ_SECTION + ISA
 * name (".hexo.obj.aarch64"), holding that ISA's whole relocatable ELF. The
 * sections are SHF_EXCLUDE, so the linker drops them from the x86-64 link;
 * every ELF tool still reads the file as a plain x86-64 object, and `ar`
 * archives of such objects work as usual.
 *
 * When linking for another ISA, hexocc extracts that ISA's object from each
 * object input into its temporary folder, and from each member of an archive
 * (passed to ld.lld between --start-lib and --end-lib, which gives archive
 * semantics without an archive index).
 *
 * The object also carries each ISA's LLVM bitcode, as the IR pipeline
 * compiles a source (unoptimized), in HEXO_BC_SECTION + ISA name
 * (".hexo.bc.x86_64", ".hexo.bc.aarch64"), and the -O option of the compile
 * in HEXO_OPT_SECTION (".hexo.opt", "-O2" NUL-terminated), all SHF_EXCLUDE.
 * When linking with the IR pipeline, an object input that carries bitcode
 * for every ISA joins it (multiobj_bitcode): its bitcode is linked with the
 * program's, its native code is not used. Archive members stay native.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "hexocc.h"

/* ---- whole files ---- */

int read_file(const char *path, void **data, size_t *size)
{
	struct stat st;
	size_t done = 0;
	ssize_t n = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail_close;
	*size = (size_t)st.st_size;
	*data = xmalloc(*size ? *size : 1);
	while (done < *size && (n = read(fd, (char *)*data + done, *size - done)) > 0)
		done += (size_t)n;
	if (n < 0) {
		free(*data);
		goto fail_close;
	}
	close(fd);
	if (done != *size) {
		fprintf(stderr, "hexocc: %s: file shrank while reading it\n", path);
		free(*data);
		return -EIO;
	}
	return 0;
fail_close:
	err = errno;
	close(fd);
	errno = err;
fail:
	err = errno;
	fprintf(stderr, "hexocc: %s: %s\n", path, strerror(err));
	return -err;
}

static int write_file(const char *path, const void *data, size_t size)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || hexo_write_all(fd, data, size) < 0)
		err = errno;
	if (fd >= 0 && close(fd) < 0 && !err)
		err = errno;
	if (err) {
		fprintf(stderr, "hexocc: %s: %s\n", path, strerror(err));
		return -err;
	}
	return 0;
}

/* ---- ELF relocatable objects ---- */

/* A checked view of an ELF64 little-endian file's section headers. */
struct elf_view {
	const uint8_t *d;
	size_t size;
	Elf64_Ehdr eh;
	const Elf64_Shdr *sh; /* may be unaligned in memory: read with memcpy */
	size_t shnum;
	size_t shstrndx;
};

static Elf64_Shdr shdr_at(const struct elf_view *v, size_t i)
{
	Elf64_Shdr s;

	memcpy(&s, (const uint8_t *)v->sh + i * sizeof(s), sizeof(s));
	return s;
}

static bool range_ok(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* 0 when `d` is an ELF64 LE relocatable object with sane section headers. */
static int elf_open(struct elf_view *v, const void *d, size_t size)
{
	Elf64_Shdr s0;

	memset(v, 0, sizeof(*v));
	v->d = d;
	v->size = size;
	if (size < sizeof(v->eh) || memcmp(d, ELFMAG, SELFMAG) != 0 ||
	    v->d[EI_CLASS] != ELFCLASS64 || v->d[EI_DATA] != ELFDATA2LSB)
		return -EINVAL;
	memcpy(&v->eh, d, sizeof(v->eh));
	if (v->eh.e_type != ET_REL || v->eh.e_shentsize != sizeof(Elf64_Shdr) || !v->eh.e_shoff ||
	    !range_ok(size, v->eh.e_shoff, sizeof(Elf64_Shdr)))
		return -EINVAL;
	v->sh = (const void *)(v->d + v->eh.e_shoff);
	s0 = shdr_at(v, 0);
	/* Extended numbering: counts that do not fit the header live in entry 0. */
	v->shnum = v->eh.e_shnum ? v->eh.e_shnum : s0.sh_size;
	v->shstrndx = v->eh.e_shstrndx == SHN_XINDEX ? s0.sh_link : v->eh.e_shstrndx;
	if (!v->shnum || v->shnum > (size - v->eh.e_shoff) / sizeof(Elf64_Shdr) ||
	    v->shstrndx >= v->shnum)
		return -EINVAL;
	return 0;
}

/* Section `name`'s contents, or -ENOENT. */
static int elf_find(const struct elf_view *v, const char *name, const uint8_t **data, size_t *size)
{
	Elf64_Shdr strs = shdr_at(v, v->shstrndx);
	size_t len = strlen(name);

	if (!range_ok(v->size, strs.sh_offset, strs.sh_size))
		return -EINVAL;
	for (size_t i = 1; i < v->shnum; i++) {
		Elf64_Shdr s = shdr_at(v, i);

		if (s.sh_name >= strs.sh_size || strs.sh_size - s.sh_name <= len ||
		    memcmp(v->d + strs.sh_offset + s.sh_name, name, len + 1) != 0)
			continue;
		if (s.sh_type == SHT_NOBITS || !range_ok(v->size, s.sh_offset, s.sh_size))
			return -EINVAL;
		*data = v->d + s.sh_offset;
		*size = s.sh_size;
		return 0;
	}
	return -ENOENT;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/*
 * Returns a new file: `obj` with the `n` sections `parts` appended, in order.
 * Appended after the original bytes: each payload (8-aligned), a copy of the
 * section-name table with the new names added, and a new section header
 * table with `n` more entries. Section indices do not change, so symbols and
 * relocations stay valid.
 */
struct new_section {
	char *name;
	void *data;
	size_t size;
};

static uint8_t *elf_add_sections(const struct elf_view *v, const struct new_section *parts,
                                 size_t n, size_t *out_size)
{
	Elf64_Shdr strs = shdr_at(v, v->shstrndx), s0 = shdr_at(v, 0);
	size_t payload_off = align8(v->size), names_len = 0, strs_off, sh_off, shnum, size, off;
	uint8_t *out;
	Elf64_Ehdr eh = v->eh;

	off = payload_off;
	for (size_t i = 0; i < n; i++) {
		off = align8(off) + parts[i].size;
		names_len += strlen(parts[i].name) + 1;
	}
	strs_off = off;
	sh_off = align8(strs_off + strs.sh_size + names_len);
	shnum = v->shnum + n;
	size = sh_off + shnum * sizeof(Elf64_Shdr);
	out = xmalloc(size);
	memset(out, 0, size);
	memcpy(out, v->d, v->size);
	memcpy(out + strs_off, v->d + strs.sh_offset, strs.sh_size);
	memcpy(out + sh_off, v->sh, v->shnum * sizeof(Elf64_Shdr));

	off = payload_off;
	names_len = strs.sh_size;
	for (size_t i = 0; i < n; i++) {
		size_t name_len = strlen(parts[i].name) + 1;
		Elf64_Shdr added = {0};

		off = align8(off);
		memcpy(out + off, parts[i].data, parts[i].size);
		memcpy(out + strs_off + names_len, parts[i].name, name_len);
		added.sh_name = (Elf64_Word)names_len;
		added.sh_type = SHT_PROGBITS;
		added.sh_flags = SHF_EXCLUDE;
		added.sh_offset = off;
		added.sh_size = parts[i].size;
		added.sh_addralign = 8;
		memcpy(out + sh_off + (v->shnum + i) * sizeof(Elf64_Shdr), &added, sizeof(added));
		off += parts[i].size;
		names_len += name_len;
	}

	strs.sh_offset = strs_off;
	strs.sh_size = names_len;
	memcpy(out + sh_off + v->shstrndx * sizeof(Elf64_Shdr), &strs, sizeof(strs));

	eh.e_shoff = sh_off;
	if (shnum < SHN_LORESERVE) {
		eh.e_shnum = (Elf64_Half)shnum;
	} else {
		eh.e_shnum = 0;
		s0.sh_size = shnum;
		memcpy(out + sh_off, &s0, sizeof(s0));
	}
	memcpy(out, &eh, sizeof(eh));
	*out_size = size;
	return out;
}

static char *section_name(const struct isa_target *t)
{
	return xasprintf("%s%s", HEXO_OBJ_SECTION, t->name);
}

static int check_object(const char *what, const uint8_t *d, size_t size, const struct isa_target *t)
{
	struct elf_view v;

	if (elf_open(&v, d, size) || v.eh.e_machine != t->elf_machine) {
		fprintf(stderr, "hexocc: %s: not a %s ELF relocatable object\n", what, t->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * `ld -r` of hexocc objects concatenates their sections of one name: the
 * result's .hexo.obj.<isa> holds several objects, of which only the first
 * would be used. True when another ELF file follows the one at `d`.
 */
static bool several_objects(const uint8_t *d, size_t size)
{
	struct elf_view v;
	uint64_t end;

	if (elf_open(&v, d, size))
		return false;
	end = v.eh.e_shoff + v.shnum * sizeof(Elf64_Shdr);
	for (size_t i = 1; i < v.shnum; i++) {
		Elf64_Shdr s = shdr_at(&v, i);

		if (s.sh_type != SHT_NOBITS && range_ok(size, s.sh_offset, s.sh_size) &&
		    s.sh_offset + s.sh_size > end)
			end = s.sh_offset + s.sh_size;
	}
	end = align8((size_t)end);
	return end < size && size - end >= SELFMAG && !memcmp(d + end, ELFMAG, SELFMAG);
}

static int merged_error(const char *what)
{
	fprintf(stderr,
	        "hexocc: %s: holds several hexocc objects merged into one (ld -r): link the "
	        "objects themselves\n",
	        what);
	return -EINVAL;
}

/* LLVM bitcode: raw ("BC" 0xC0DE) or in the wrapper header (0x0B17C0DE). */
static bool is_bitcode(const uint8_t *d, size_t size)
{
	return size >= 4 && (!memcmp(d, "BC\xc0\xde", 4) || !memcmp(d, "\xde\xc0\x17\x0b", 4));
}

/* The section `p` stands for, its payload read or copied. */
static int load_part(const struct multiobj_part *p, struct new_section *s)
{
	int ret = 0;

	if (p->kind == MO_OPT) {
		s->name = xstrdup(HEXO_OPT_SECTION);
		s->size = strlen(p->arg) + 1;
		s->data = xstrdup(p->arg);
		return 0;
	}
	s->name = xasprintf("%s%s", p->kind == MO_OBJECT ? HEXO_OBJ_SECTION : HEXO_BC_SECTION,
	                    p->t->name);
	ret = read_file(p->arg, &s->data, &s->size);
	if (ret)
		return ret;
	if (p->kind == MO_OBJECT)
		return check_object(p->arg, s->data, s->size, p->t);
	if (!is_bitcode(s->data, s->size)) {
		fprintf(stderr, "hexocc: %s: not LLVM bitcode\n", p->arg);
		return -EINVAL;
	}
	return 0;
}

int multiobj_add(const char *obj, const struct multiobj_part *parts, size_t n)
{
	struct new_section *secs = xmalloc((n ? n : 1) * sizeof(*secs));
	void *d = NULL;
	size_t size, out_size, loaded = 0;
	struct elf_view v;
	uint8_t *out;
	int ret;

	memset(secs, 0, (n ? n : 1) * sizeof(*secs));
	ret = read_file(obj, &d, &size);
	while (!ret && loaded < n)
		ret = load_part(&parts[loaded], &secs[loaded]), loaded++;
	if (!ret && elf_open(&v, d, size)) {
		fprintf(stderr, "hexocc: %s: not an ELF relocatable object\n", obj);
		ret = -EINVAL;
	}
	if (!ret) {
		out = elf_add_sections(&v, secs, n, &out_size);
		ret = write_file(obj, out, out_size);
		free(out);
	}
	for (size_t i = 0; i < loaded; i++) {
		free(secs[i].name);
		free(secs[i].data);
	}
	free(secs);
	free(d);
	return ret;
}

int multiobj_bitcode(const char *path, const struct isa_target *t, const char *out, char **opt)
{
	const uint8_t *p = NULL, *q;
	size_t psize = 0, qsize;
	struct elf_view v;
	void *d;
	size_t size;
	int ret;

	if (opt)
		*opt = NULL;
	ret = read_file(path, &d, &size);
	if (ret)
		return ret;
	/* Not an ELF object: the native path says so. */
	if (elf_open(&v, d, size))
		goto out;
	/* Bitcode for every ISA, or the object links natively on every ISA:
	 * the ISAs' programs must be built alike. */
	for (size_t i = 0; i < hexo_n_targets && !ret; i++) {
		char *name = xasprintf("%s%s", HEXO_BC_SECTION, hexo_targets[i].name);

		ret = elf_find(&v, name, &q, &qsize);
		if (!ret && !is_bitcode(q, qsize))
			ret = -EINVAL;
		if (ret && ret != -ENOENT)
			fprintf(stderr, "hexocc: %s: damaged %s section\n", path, name);
		if (!ret && &hexo_targets[i] == t)
			p = q, psize = qsize;
		free(name);
	}
	if (ret == -ENOENT) /* one ISA has none */
		ret = 0, p = NULL;
	if (ret || !p)
		goto out;
	/* ld -r output: several objects' sections concatenated, of which the
	 * bitcode would only give the first. */
	for (size_t i = 1; i < hexo_n_targets; i++) {
		char *name = section_name(&hexo_targets[i]);

		ret = elf_find(&v, name, &q, &qsize) == 0 && several_objects(q, qsize);
		free(name);
		if (ret) {
			ret = merged_error(path);
			goto out;
		}
	}
	/* One NUL-terminated option; more after it: several objects merged. */
	if (elf_find(&v, HEXO_OPT_SECTION, &q, &qsize) == 0) {
		const uint8_t *nul = memchr(q, 0, qsize);

		for (const uint8_t *c = nul ? nul : q + qsize; c < q + qsize; c++)
			if (*c) {
				ret = merged_error(path);
				goto out;
			}
		if (opt && nul && q[0] == '-')
			*opt = xstrdup((const char *)q);
	}
	ret = write_file(out, p, psize);
	if (!ret)
		ret = 1;
out:
	free(d);
	return ret;
}

/*
 * Writes the `t` object inside the object `d` (named `what` in messages) to
 * `out`. Objects not made by hexocc -c have none: an error naming the fix.
 */
static int extract(const char *what, const uint8_t *d, size_t size, const struct isa_target *t,
                   const char *out)
{
	struct elf_view v;
	const uint8_t *p;
	size_t psize;
	char *name = section_name(t);
	int ret;

	if (elf_open(&v, d, size)) {
		fprintf(stderr, "hexocc: %s: not an ELF relocatable object\n", what);
		ret = -EINVAL;
		goto out;
	}
	ret = elf_find(&v, name, &p, &psize);
	if (ret == -ENOENT)
		fprintf(stderr,
		        "hexocc: %s: holds no %s code: every object must be made by hexocc -c "
		        "(of this version) so that the image can run on every ISA\n",
		        what, t->name);
	else if (ret)
		fprintf(stderr, "hexocc: %s: damaged %s section\n", what, name);
	if (!ret)
		ret = check_object(what, p, psize, t);
	if (!ret && several_objects(p, psize))
		ret = merged_error(what);
	if (!ret)
		ret = write_file(out, p, psize);
out:
	free(name);
	return ret;
}

/* ---- ar archives ---- */

#define AR_MAGIC    "!<arch>\n"
#define AR_THIN     "!<thin>\n"
#define AR_HDR_SIZE 60

struct ar_member {
	char name[256];
	const uint8_t *data;
	size_t size;
};

static uint64_t ar_number(const uint8_t *field, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len && field[i] >= '0' && field[i] <= '9'; i++)
		n = n * 10 + (uint64_t)(field[i] - '0');
	return n;
}

/* A GNU long name "/123" from the "//" table, or a short "name/". */
static void ar_name(const uint8_t *hdr, const uint8_t *longnames, size_t longnames_size, char *out,
                    size_t out_size)
{
	const uint8_t *src = hdr;
	size_t max = 16, n = 0;

	if (hdr[0] == '/' && hdr[1] >= '0' && hdr[1] <= '9' && longnames) {
		uint64_t off = ar_number(hdr + 1, 15);

		if (off < longnames_size) {
			src = longnames + off;
			max = longnames_size - off;
		}
	}
	while (n < max && n + 1 < out_size && src[n] != '/' && src[n] != '\n' &&
	       (src != hdr || src[n] != ' '))
		n++;
	memcpy(out, src, n);
	out[n] = 0;
}

/*
 * Calls `fn` for each member of the archive `d` (GNU or BSD format). Index
 * members ("/", "/SYM64/", "__.SYMDEF...") and the long-name table ("//") are
 * skipped.
 */
static int ar_each(const char *path, const uint8_t *d, size_t size,
                   int (*fn)(const struct ar_member *m, void *ctx), void *ctx)
{
	const uint8_t *longnames = NULL;
	size_t longnames_size = 0, off = 8;
	int ret;

	if (size >= 8 && !memcmp(d, AR_THIN, 8)) {
		fprintf(stderr, "hexocc: %s: thin archives are not supported: make a normal one\n",
		        path);
		return -EINVAL;
	}
	if (size < 8 || memcmp(d, AR_MAGIC, 8) != 0) {
		fprintf(stderr, "hexocc: %s: not an ar archive\n", path);
		return -EINVAL;
	}
	while (off < size) {
		const uint8_t *hdr = d + off;
		struct ar_member m;
		uint64_t msize;

		if (size - off < AR_HDR_SIZE || hdr[58] != '`' || hdr[59] != '\n')
			goto damaged;
		msize = ar_number(hdr + 48, 10);
		if (msize > size - off - AR_HDR_SIZE)
			goto damaged;
		m.data = hdr + AR_HDR_SIZE;
		m.size = msize;
		off += AR_HDR_SIZE + msize + (msize & 1);
		if (!memcmp(hdr, "// ", 3)) {
			longnames = m.data;
			longnames_size = m.size;
			continue;
		}
		if (!memcmp(hdr, "/ ", 2) || !memcmp(hdr, "/SYM64/ ", 8))
			continue;
		if (!memcmp(hdr, "#1/", 3)) {
			/* BSD: the name's length is in the header, the name starts the data. */
			uint64_t len = ar_number(hdr + 3, 13);

			if (len > m.size)
				goto damaged;
			snprintf(m.name, sizeof(m.name), "%.*s", (int)len, (const char *)m.data);
			m.data += len;
			m.size -= len;
		} else {
			ar_name(hdr, longnames, longnames_size, m.name, sizeof(m.name));
		}
		if (!strncmp(m.name, "__.SYMDEF", 9))
			continue;
		ret = fn(&m, ctx);
		if (ret)
			return ret;
	}
	return 0;
damaged:
	fprintf(stderr, "hexocc: %s: damaged archive\n", path);
	return -EINVAL;
}

struct archive_ctx {
	const char *path;
	const struct isa_target *t;
	size_t index; /* of the input, for unique file names */
	size_t member;
	struct strvec *out;
	struct strvec *aliases; /* (extracted path, "archive(member)") pairs, or NULL */
};

/* Members that are not ELF files (notes, ...) are left out, as ld.lld never
 * loads them: they define no symbols. */
static int extract_member(const struct ar_member *m, void *ctx)
{
	struct archive_ctx *a = ctx;
	char *what, *out;
	int ret;

	if (m->size < SELFMAG || memcmp(m->data, ELFMAG, SELFMAG) != 0)
		return 0;
	what = xasprintf("%s(%s)", a->path, m->name);
	out = xasprintf("%s/%zu-%zu.%s.o", tmpdir_path(), a->index, a->member++, a->t->name);
	ret = extract(what, m->data, m->size, a->t, out);
	if (!ret)
		sv_push(a->out, out);
	/* The member as toolchain/align names it on the primary ISA. */
	if (!ret && a->aliases) {
		const char *base = strrchr(a->path, '/');

		sv_push(a->aliases, out);
		sv_pushf(a->aliases, "%s(%s)", base ? base + 1 : a->path, m->name);
	}
	free(out);
	free(what);
	return ret;
}

int multiobj_inputs(const struct isa_target *t, const char *path, enum input_kind kind,
                    size_t index, struct strvec *out, struct strvec *aliases)
{
	struct archive_ctx a = {path, t, index, 0, out, aliases};
	void *d;
	size_t size;
	char *obj;
	int ret;

	if (t == PRIMARY_TARGET) {
		sv_push(out, path);
		return 0;
	}
	ret = read_file(path, &d, &size);
	if (ret)
		return ret;
	if (kind == IN_OBJECT) {
		obj = xasprintf("%s/%zu.%s.o", tmpdir_path(), index, t->name);
		ret = extract(path, d, size, t, obj);
		if (!ret)
			sv_push(out, obj);
		free(obj);
	} else {
		sv_push(out, "--start-lib");
		ret = ar_each(path, d, size, extract_member, &a);
		sv_push(out, "--end-lib");
	}
	free(d);
	return ret;
}
