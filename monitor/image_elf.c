// SPDX-License-Identifier: MIT
/*
 * The ELFs of an image as `hexo check` and `hexo inspect` see them: app
 * symbols, allocated sections, loadable segments (libelf), and the
 * cross-ISA comparison (docs/layout.md, "What hexo check verifies").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hexo/layout.h>

#include "image_elf.h"

static unsigned machine_of(uint32_t isa)
{
	return isa == HEXO_ISA_X86_64 ? EM_X86_64 : isa == HEXO_ISA_AARCH64 ? EM_AARCH64 : 0;
}

static int cmp_sym(const void *pa, const void *pb)
{
	const struct app_sym *a = pa, *b = pb;
	int c;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	c = strcmp(a->name, b->name);
	if (c)
		return c;
	return strcmp(a->file ? a->file : "", b->file ? b->file : "");
}

static int cmp_sect(const void *pa, const void *pb)
{
	const struct elf_sect *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->size < b->size ? -1 : a->size > b->size;
}

static void *grow(void *p, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 64;
	p = realloc(p, *cap * elem);
	if (!p) {
		perror("hexo");
		exit(125);
	}
	return p;
}

static int read_symtab(struct image_elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	const char *file = NULL;
	size_t cap = 0;

	if (!d || !sh->sh_entsize)
		return -EINVAL;
	for (size_t i = 1; i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym s;
		const char *name;
		unsigned type;

		if (!gelf_getsym(d, (int)i, &s))
			return -EINVAL;
		name = elf_strptr(e->elf, sh->sh_link, s.st_name);
		if (!name)
			return -EINVAL;
		type = GELF_ST_TYPE(s.st_info);
		if (type == STT_FILE) {
			file = name;
			continue;
		}
		if (!strcmp(name, "__hexo_shadow_stack_start"))
			e->shadow_start = s.st_value;
		else if (!strcmp(name, "__hexo_shadow_stack_end"))
			e->shadow_end = s.st_value;
		if ((type != STT_FUNC && type != STT_OBJECT) || !*name ||
		    s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS || s.st_value < HEXO_APP_BASE)
			continue;
		e->syms = grow(e->syms, e->n_syms, &cap, sizeof(*e->syms));
		e->syms[e->n_syms++] = (struct app_sym){
		    .name = name,
		    .local = GELF_ST_BIND(s.st_info) == STB_LOCAL,
		    .file = GELF_ST_BIND(s.st_info) == STB_LOCAL ? file : NULL,
		    .addr = s.st_value,
		    .size = s.st_size,
		    .type = (unsigned char)type,
		};
	}
	return 0;
}

static int read_sections(struct image_elf *e)
{
	size_t shstrndx, cap = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret;

	if (elf_getshdrstrndx(e->elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(e->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type == SHT_SYMTAB) {
			ret = read_symtab(e, scn, &sh);
			if (ret)
				return ret;
		}
		if (!(sh.sh_flags & SHF_ALLOC) || !sh.sh_size)
			continue;
		e->sects = grow(e->sects, e->n_sects, &cap, sizeof(*e->sects));
		e->sects[e->n_sects++] = (struct elf_sect){
		    .name = elf_strptr(e->elf, shstrndx, sh.sh_name),
		    .addr = sh.sh_addr,
		    .size = sh.sh_size,
		    .flags = sh.sh_flags,
		    .type = sh.sh_type,
		};
		if (!e->sects[e->n_sects - 1].name)
			e->sects[e->n_sects - 1].name = "?";
	}
	/* qsort(NULL, 0, ...) is undefined: an ELF may have no app symbol. */
	if (e->n_syms)
		qsort(e->syms, e->n_syms, sizeof(*e->syms), cmp_sym);
	if (e->n_sects)
		qsort(e->sects, e->n_sects, sizeof(*e->sects), cmp_sect);
	return 0;
}

static int read_loads(struct image_elf *e)
{
	size_t phnum, cap = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &phnum))
		return -EINVAL;
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		e->loads = grow(e->loads, e->n_loads, &cap, sizeof(*e->loads));
		e->loads[e->n_loads++] = ph;
	}
	return 0;
}

int image_elf_load(const struct hexo_image *img, uint32_t isa, struct image_elf *e, char *err,
                   size_t errlen)
{
	const unsigned char *data;
	const char *why = NULL;
	GElf_Ehdr eh;
	size_t size;

	memset(e, 0, sizeof(*e));
	e->isa = isa;
	data = hexo_image_find(img, HEXO_IMAGE_ELF, isa, &size);
	if (!data) {
		snprintf(err, errlen, "no %s ELF in the image", hexo_isa_name(isa));
		return -ENOENT;
	}
	e->size = size;
	/* As loader.c: libelf would convert a foreign byte order in place, and
	 * the image is mapped read-only. */
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG) || data[EI_CLASS] != ELFCLASS64 ||
	    data[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "the %s entry is not a 64-bit little-endian ELF",
		         hexo_isa_name(isa));
		return -EINVAL;
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e->elf = elf_memory((char *)(uintptr_t)data, size);
	if (!e->elf || !gelf_getehdr(e->elf, &eh))
		why = "no ELF header";
	else if (eh.e_type != ET_EXEC)
		why = "not an executable";
	else if (eh.e_machine != machine_of(isa))
		why = "built for another machine";
	else if (read_sections(e))
		why = "damaged section headers or symbol table";
	else if (read_loads(e))
		why = "damaged program headers";
	if (why) {
		/* elf_errno() clears the error it returns: ask once. */
		int eno = elf_errno();

		snprintf(err, errlen, "the %s entry is not a usable %s static executable: %s%s%s",
		         hexo_isa_name(isa), hexo_isa_name(isa), why, eno ? ": " : "",
		         eno ? elf_errmsg(eno) : "");
		image_elf_free(e);
		return -EINVAL;
	}
	e->entry = eh.e_entry;
	return 0;
}

void image_elf_free(struct image_elf *e)
{
	free(e->syms);
	free(e->sects);
	free(e->loads);
	if (e->elf)
		elf_end(e->elf);
	memset(e, 0, sizeof(*e));
}

int image_elves_load(const struct hexo_image *img, struct image_elf *e, char *err, size_t errlen)
{
	int n = 0, ret;

	for (uint32_t i = 0; i < img->hdr->n_entries; i++) {
		if (img->entries[i].kind != HEXO_IMAGE_ELF || n == IMAGE_MAX_ELVES)
			continue;
		ret = image_elf_load(img, img->entries[i].isa, &e[n], err, errlen);
		if (ret) {
			while (n--)
				image_elf_free(&e[n]);
			return ret;
		}
		n++;
	}
	return n;
}

/* ---- comparing two ISAs ---------------------------------------------- */

/* Symbols are matched by name (and, for local ones, the file that defines
 * them); a key that occurs k times on both ISAs matches in address order. */
static int cmp_key(const struct app_sym *a, const struct app_sym *b)
{
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	if (a->local != b->local)
		return a->local ? 1 : -1;
	c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static int cmp_key_qsort(const void *a, const void *b)
{
	return cmp_key(*(const struct app_sym *const *)a, *(const struct app_sym *const *)b);
}

static bool same_key(const struct app_sym *a, const struct app_sym *b)
{
	return !strcmp(a->name, b->name) && a->local == b->local &&
	       !strcmp(a->file ? a->file : "", b->file ? b->file : "");
}

static const struct app_sym **by_key(const struct image_elf *e)
{
	const struct app_sym **v = malloc((e->n_syms + 1) * sizeof(*v));

	if (!v) {
		perror("hexo");
		exit(125);
	}
	for (size_t i = 0; i < e->n_syms; i++)
		v[i] = &e->syms[i];
	if (e->n_syms)
		qsort(v, e->n_syms, sizeof(*v), cmp_key_qsort);
	return v;
}

static void sym_label(const struct app_sym *s, char *buf, size_t len)
{
	if (s->local && s->file)
		snprintf(buf, len, "'%s' (static, %s)", s->name, s->file);
	else
		snprintf(buf, len, "'%s'", s->name);
}

struct mismatch {
	uint64_t order; /* address on the first ISA: the first one is reported */
	char line[512];
};

static int cmp_mismatch(const void *pa, const void *pb)
{
	const struct mismatch *a = pa, *b = pb;

	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->line, b->line);
}

static void describe(const struct app_sym *x, const struct app_sym *y, const char *na,
                     const char *nb, struct mismatch *m)
{
	char label[300];

	sym_label(x, label, sizeof(label));
	m->order = x->addr;
	if (x->addr != y->addr)
		snprintf(m->line, sizeof(m->line),
		         "symbol %s is at 0x%" PRIx64 " on %s but at 0x%" PRIx64 " on %s", label,
		         x->addr, na, y->addr, nb);
	else if (x->type != y->type)
		snprintf(m->line, sizeof(m->line), "symbol %s is a %s on %s but a %s on %s", label,
		         x->type == STT_FUNC ? "function" : "data object", na,
		         y->type == STT_FUNC ? "function" : "data object", nb);
	else
		snprintf(m->line, sizeof(m->line),
		         "data object %s is %" PRIu64 " bytes on %s but %" PRIu64 " bytes on %s",
		         label, x->size, na, y->size, nb);
}

void layout_compare(const struct image_elf *a, const struct image_elf *b,
                    struct layout_report *r, void (*each)(const char *line, void *ctx), void *ctx)
{
	const struct app_sym **ka = by_key(a), **kb = by_key(b);
	const char *na = hexo_isa_name(a->isa), *nb = hexo_isa_name(b->isa);
	struct mismatch *mm = NULL;
	size_t i = 0, j = 0, nm = 0, cap = 0;

	memset(r, 0, sizeof(*r));
	while (i < a->n_syms || j < b->n_syms) {
		int c;

		if (i == a->n_syms)
			c = 1;
		else if (j == b->n_syms)
			c = -1;
		else if (same_key(ka[i], kb[j]))
			c = 0;
		else
			c = cmp_key(ka[i], kb[j]);
		if (c < 0) {
			r->only_a++;
			i++;
			continue;
		}
		if (c > 0) {
			r->only_b++;
			j++;
			continue;
		}
		r->shared++;
		/* Same address and type; a data object also the same size (a
		 * function's code differs in size between ISAs by nature). */
		if (ka[i]->addr != kb[j]->addr || ka[i]->type != kb[j]->type ||
		    (ka[i]->type == STT_OBJECT && ka[i]->size != kb[j]->size)) {
			mm = grow(mm, nm, &cap, sizeof(*mm));
			describe(ka[i], kb[j], na, nb, &mm[nm++]);
		}
		i++;
		j++;
	}
	if (nm) /* mm is NULL when nothing differs: qsort(NULL, 0) is undefined */
		qsort(mm, nm, sizeof(*mm), cmp_mismatch);
	r->mismatched = nm;
	if (nm)
		snprintf(r->first, sizeof(r->first), "%s", mm[0].line);
	for (size_t k = 0; each && k < nm; k++)
		each(mm[k].line, ctx);
	free(mm);
	free(ka);
	free(kb);
}

int layout_regions(const struct image_elf *e, char *err, size_t errlen)
{
	const char *isa = hexo_isa_name(e->isa);

	for (size_t i = 0; i < e->n_loads; i++) {
		const GElf_Phdr *p = &e->loads[i];
		uint64_t end = p->p_vaddr + p->p_memsz;
		bool kernel = p->p_vaddr < HEXO_APP_BASE;

		if (end < p->p_vaddr || p->p_vaddr < HEXO_KERNEL_BASE ||
		    (kernel && end > HEXO_KERNEL_LIMIT)) {
			snprintf(err, errlen,
			         "%s: segment 0x%" PRIx64 "-0x%" PRIx64 " is %s (kernel region "
			         "0x%x-0x%x, app region from 0x%x)",
			         isa, (uint64_t)p->p_vaddr, end,
			         kernel ? "outside the kernel region" : "not in a region",
			         HEXO_KERNEL_BASE, HEXO_KERNEL_LIMIT, HEXO_APP_BASE);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			const GElf_Phdr *q = &e->loads[j];

			if (p->p_vaddr < q->p_vaddr + q->p_memsz && q->p_vaddr < end) {
				snprintf(err, errlen,
				         "%s: segments 0x%" PRIx64 "-0x%" PRIx64 " and 0x%" PRIx64
				         "-0x%" PRIx64 " overlap",
				         isa, (uint64_t)q->p_vaddr, (uint64_t)(q->p_vaddr + q->p_memsz),
				         (uint64_t)p->p_vaddr, end);
				return -EINVAL;
			}
		}
	}
	/* The kernel's own symbols must not sit in the app region either. */
	for (size_t i = 0; i < e->n_sects; i++) {
		const struct elf_sect *s = &e->sects[i];

		if (s->addr < HEXO_APP_BASE && s->addr + s->size > HEXO_APP_BASE) {
			snprintf(err, errlen, "%s: section %s (0x%" PRIx64 "-0x%" PRIx64
			         ") crosses from the kernel region into the app region",
			         isa, s->name, s->addr, s->addr + s->size);
			return -EINVAL;
		}
	}
	return 0;
}
