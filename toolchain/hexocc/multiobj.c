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
 * These objects are native code and skip the IR pipeline (build.c); issue
 * #5 will want them to carry LLVM bitcode too (docs/hexocc.md).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hexocc.h"

#define HEXO_OBJ_SECTION ".hexo.obj."

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

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static int write_file(const char *path, const void *data, size_t size)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write_all(fd, data, size) < 0)
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
 * Returns a new file: `obj` with a section `name` holding `payload` appended.
 * Appended after the original bytes: the payload, a copy of the section-name
 * table with `name` added, and a new section header table with one more
 * entry. Section indices do not change, so symbols and relocations stay valid.
 */
static uint8_t *elf_add_section(const struct elf_view *v, const char *name, const void *payload,
                                size_t payload_size, size_t *out_size)
{
	Elf64_Shdr strs = shdr_at(v, v->shstrndx), s0 = shdr_at(v, 0), added = {0};
	size_t name_len = strlen(name) + 1;
	size_t payload_off = align8(v->size);
	size_t strs_off = payload_off + payload_size;
	size_t sh_off = align8(strs_off + strs.sh_size + name_len);
	size_t shnum = v->shnum + 1;
	size_t size = sh_off + shnum * sizeof(Elf64_Shdr);
	uint8_t *out = xmalloc(size);
	Elf64_Ehdr eh = v->eh;

	memset(out, 0, size);
	memcpy(out, v->d, v->size);
	memcpy(out + payload_off, payload, payload_size);
	memcpy(out + strs_off, v->d + strs.sh_offset, strs.sh_size);
	memcpy(out + strs_off + strs.sh_size, name, name_len);
	memcpy(out + sh_off, v->sh, v->shnum * sizeof(Elf64_Shdr));

	added.sh_name = (Elf64_Word)strs.sh_size;
	added.sh_type = SHT_PROGBITS;
	added.sh_flags = SHF_EXCLUDE;
	added.sh_offset = payload_off;
	added.sh_size = payload_size;
	added.sh_addralign = 8;
	memcpy(out + sh_off + v->shnum * sizeof(Elf64_Shdr), &added, sizeof(added));

	strs.sh_offset = strs_off;
	strs.sh_size += name_len;
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

int multiobj_add(const char *obj, const struct isa_target *t, const char *isa_obj)
{
	void *d = NULL, *p = NULL;
	size_t size, psize, out_size;
	struct elf_view v;
	uint8_t *out;
	char *name;
	int ret;

	ret = read_file(obj, &d, &size);
	if (!ret)
		ret = read_file(isa_obj, &p, &psize);
	if (!ret)
		ret = check_object(isa_obj, p, psize, t);
	if (!ret && elf_open(&v, d, size)) {
		fprintf(stderr, "hexocc: %s: not an ELF relocatable object\n", obj);
		ret = -EINVAL;
	}
	if (ret)
		goto out_free;
	name = section_name(t);
	out = elf_add_section(&v, name, p, psize, &out_size);
	ret = write_file(obj, out, out_size);
	free(out);
	free(name);
out_free:
	free(p);
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
