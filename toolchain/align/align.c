// SPDX-License-Identifier: MIT
/*
 * The common layout of the app region (docs/layout.md).
 *
 * Input: for each of two ISAs the link map of a first link (ld.lld -Map),
 * which lists every input section that survived --gc-sections with its
 * output section, size, alignment, file (archive member) and the symbols it
 * defines. Sections are matched across the ISAs by (file, section name),
 * files being named the same on both ISAs once the ISA is taken out of
 * their names, else by a symbol both define (x86-64 `.text.memcpy` of the C
 * memcpy and aarch64 `.text` of the assembly one). Matched sections get one
 * address, in the first ISA's order, aligned to the stricter alignment and
 * sized to the larger size; each ISA's other sections go to an ISA-private
 * area after them, as large as the larger of the two. Every output section
 * starts at one address on both ISAs.
 *
 * Output: one linker script per ISA, the runtime's hexo.ld with its app part
 * (between `__app_start = .;` and `__app_end = .;`) replaced by sections at
 * fixed addresses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hexo/layout.h>

#include "align.h"

/* The app output sections of hexo.ld, in order. */
enum { O_TEXT, O_RODATA, O_PREINIT, O_INIT, O_FINI, O_RELRO, O_DATA, O_GOT, O_BSS, N_OUT };
static const char *const out_name[N_OUT] = {
    ".text", ".rodata", ".preinit_array", ".init_array", ".fini_array",
    ".data.rel.ro", ".data", ".got", ".bss",
};
/* Laid out section by section (the others as a whole: their order matters). */
static const bool per_section[N_OUT] = {
    [O_TEXT] = true, [O_RODATA] = true, [O_RELRO] = true, [O_DATA] = true, [O_BSS] = true,
};
/* The catch-all of each per-section output section: the ISA-private area. */
static const char *const catch_all[N_OUT] = {
    [O_TEXT] = "*(.text.unlikely .text.unlikely.*) *(.text.startup .text.startup.*) "
               "*(.text.hot .text.hot.*) *(.text .text.*)",
    [O_RODATA] = "*(.rodata .rodata.*)",
    [O_RELRO] = "*(.data.rel.ro.local .data.rel.ro.local.*) *(.data.rel.ro .data.rel.ro.*)",
    [O_DATA] = "*(.data .data.*)",
    [O_BSS] = "*(.bss .bss.* COMMON)",
};

struct isec {
	char *file;    /* as the map names it: "path" or "archive(member)" */
	char *key;     /* the file with the ISA taken out */
	char *name;    /* section name */
	uint64_t size, align;
	int out;       /* O_* */
	char **syms;
	uint64_t *sym_off; /* offset of each symbol in the section */
	size_t n_syms;
	uint64_t vma;      /* in the first link */
	long match;    /* index of the matching section on the other ISA, or -1 */
	bool dup;      /* (file, name) is not unique: cannot be named in a script */
	uint64_t addr; /* the common address when matched */
	/* aarch64, when its anchor symbol cannot share an address with the
	 * other ISA's: a `b` at thunk_at to the real entry, and the symbol
	 * moved onto it (the section's own copy of it is then unused). */
	const char *thunk_sym;
	uint64_t thunk_at, thunk_to;
};

struct imap {
	struct isec *s;
	size_t n, cap;
	uint64_t out_size[N_OUT], out_align[N_OUT];
	bool has_out[N_OUT];
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("hexocc: out of memory\n", stderr);
		exit(125);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

static int out_index(const char *name)
{
	for (int i = 0; i < N_OUT; i++)
		if (!strcmp(name, out_name[i]))
			return i;
	return -1;
}

/* "/x/libc.a(lib_a-foo.o)" -> "libc.a(lib_a-foo.o)"; an object file: its
 * alias, or its name without folder and without ".<isa>" before ".o". */
static char *file_key(const char *file, const struct align_isa *isa)
{
	const char *paren = strchr(file, '('), *base;
	size_t n = strlen(isa->name);
	char *key, *dot;

	for (size_t i = 0; i + 1 < isa->n_aliases; i += 2)
		if (!strcmp(file, isa->aliases[i]))
			return strdup(isa->aliases[i + 1]);
	base = file;
	for (const char *p = file; *p && (!paren || p < paren); p++)
		if (*p == '/')
			base = p + 1;
	key = strdup(base);
	if (paren)
		return key;
	dot = strstr(key, ".o");
	if (dot && !dot[2] && dot - key > (long)n + 1 && dot[-(long)n - 1] == '.' &&
	    !strncmp(dot - n, isa->name, n))
		memmove(dot - n - 1, dot, 3);
	return key;
}

/*
 * One map line: "VMA LMA SIZE ALIGN" then the name, indented by 1 (output
 * section), 9 (input section) or 17 (symbol) spaces.
 */
static int parse_map(const struct align_isa *isa, struct imap *m, char *err, size_t errlen)
{
	FILE *f = fopen(isa->map, "r");
	char line[8192];
	int cur_out = -1;
	struct isec *last = NULL;

	if (!f) {
		snprintf(err, errlen, "%s: %s", isa->map, strerror(errno));
		return -errno;
	}
	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f)) {
		uint64_t vma, lma, size, align;
		int pos = 0, indent = 0;
		char *name;
		size_t len;

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNu64 "%n", &vma, &lma,
		           &size, &align, &pos) != 4)
			continue;
		name = line + pos;
		while (name[indent] == ' ')
			indent++;
		name += indent;
		len = strcspn(name, "\n");
		name[len] = 0;
		if (indent <= 2) {
			last = NULL;
			cur_out = vma >= HEXO_APP_BASE ? out_index(name) : -1;
			if (cur_out >= 0) {
				m->has_out[cur_out] = true;
				m->out_size[cur_out] = size;
				m->out_align[cur_out] = align;
			}
			continue;
		}
		if (cur_out < 0 || !per_section[cur_out])
			continue;
		if (indent <= 10) {
			char *colon = strstr(name, ":(");
			struct isec *s;

			last = NULL;
			if (!colon || name[len - 1] != ')' || !size || !strncmp(name, "<internal>", 10))
				continue; /* synthetic (merged constants): ISA-private */
			if (m->n == m->cap) {
				m->cap = m->cap ? 2 * m->cap : 256;
				m->s = xrealloc(m->s, m->cap * sizeof(*m->s));
			}
			s = &m->s[m->n++];
			memset(s, 0, sizeof(*s));
			s->file = xstrndup(name, (size_t)(colon - name));
			s->name = xstrndup(colon + 2, strlen(colon + 2) - 1);
			s->key = file_key(s->file, isa);
			s->size = size;
			s->vma = vma;
			s->align = align ? align : 1;
			s->out = cur_out;
			s->match = -1;
			last = s;
			continue;
		}
		/* A symbol of the last input section: not mapping symbols ($x, $d). */
		if (last && name[0] != '$' && strncmp(name, ".L", 2)) {
			last->syms = xrealloc(last->syms, (last->n_syms + 1) * sizeof(char *));
			last->sym_off =
			    xrealloc(last->sym_off, (last->n_syms + 1) * sizeof(uint64_t));
			last->sym_off[last->n_syms] = vma - last->vma;
			last->syms[last->n_syms++] = strdup(name);
		}
	}
	fclose(f);
	return 0;
}

static void free_map(struct imap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		for (size_t k = 0; k < m->s[i].n_syms; k++)
			free(m->s[i].syms[k]);
		free(m->s[i].syms);
		free(m->s[i].sym_off);
		free(m->s[i].file);
		free(m->s[i].key);
		free(m->s[i].name);
	}
	free(m->s);
}

/* ---- matching -------------------------------------------------------- */

struct ref {
	const char *a, *b; /* sort keys */
	size_t i;
};

static int cmp_ref(const void *pa, const void *pb)
{
	const struct ref *x = pa, *y = pb;
	int c = strcmp(x->a, y->a);

	if (c)
		return c;
	c = strcmp(x->b, y->b);
	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sorted (key, name) refs; sections whose (file, name) repeats are dup. */
static struct ref *by_file_name(struct imap *m)
{
	struct ref *r = xrealloc(NULL, (m->n + 1) * sizeof(*r));

	for (size_t i = 0; i < m->n; i++)
		r[i] = (struct ref){m->s[i].key, m->s[i].name, i};
	qsort(r, m->n, sizeof(*r), cmp_ref);
	for (size_t i = 1; i < m->n; i++) {
		/* Also two files with one key (archive members of one name). */
		if (!strcmp(r[i].a, r[i - 1].a) && !strcmp(r[i].b, r[i - 1].b))
			m->s[r[i].i].dup = m->s[r[i - 1].i].dup = true;
	}
	return r;
}

static void pair(struct imap *a, size_t i, struct imap *b, size_t j)
{
	a->s[i].match = (long)j;
	b->s[j].match = (long)i;
}

/* Whether r[i]'s key is r's only one of its value. */
static bool unique_at(const struct ref *r, size_t n, size_t i)
{
	return (i == 0 || strcmp(r[i - 1].a, r[i].a)) && (i + 1 == n || strcmp(r[i + 1].a, r[i].a));
}

/*
 * Walks the sorted refs of both ISAs in step (by a, then b: "" for symbol
 * refs); the sections of two refs with one key are paired when they go to
 * one output section and, by symbol, the symbol is unique on both sides and
 * neither section is matched yet, else (by file and name) neither is a dup.
 */
static void join(struct imap *a, const struct ref *ra, size_t na, struct imap *b,
                 const struct ref *rb, size_t nb, bool by_symbol)
{
	size_t i = 0, j = 0;

	while (i < na && j < nb) {
		int c = strcmp(ra[i].a, rb[j].a);

		if (!c)
			c = strcmp(ra[i].b, rb[j].b);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			const struct isec *x = &a->s[ra[i].i], *y = &b->s[rb[j].i];
			bool ok = by_symbol ? unique_at(ra, na, i) && unique_at(rb, nb, j) &&
			                          x->match < 0 && y->match < 0
			                    : !x->dup && !y->dup;

			if (ok && x->out == y->out)
				pair(a, ra[i].i, b, rb[j].i);
			i++;
			j++;
		}
	}
}

static void match_by_file(struct imap *a, struct imap *b)
{
	struct ref *ra = by_file_name(a), *rb = by_file_name(b);

	join(a, ra, a->n, b, rb, b->n, false);
	free(ra);
	free(rb);
}

/* (symbol, section) refs of the unmatched sections with symbols. */
static struct ref *by_symbol(const struct imap *m, size_t *n)
{
	struct ref *r = NULL;

	*n = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (m->s[i].match >= 0 || m->s[i].dup)
			continue;
		for (size_t k = 0; k < m->s[i].n_syms; k++) {
			r = xrealloc(r, (*n + 1) * sizeof(*r));
			r[(*n)++] = (struct ref){m->s[i].syms[k], "", i};
		}
	}
	qsort(r, *n, sizeof(*r), cmp_ref);
	return r;
}

static void match_by_symbol(struct imap *a, struct imap *b)
{
	size_t na, nb;
	struct ref *ra = by_symbol(a, &na), *rb = by_symbol(b, &nb);

	join(a, ra, na, b, rb, nb, true);
	free(ra);
	free(rb);
}

/* ---- layout and scripts --------------------------------------------- */

/*
 * The offsets of the first symbol both sections define (0, 0 if none):
 * an assembly function may start after some bytes of its section on one
 * ISA only, and it is the symbol that must be at one address.
 */
static const char *anchor(const struct isec *x, const struct isec *y, uint64_t *ox,
                          uint64_t *oy)
{
	*ox = *oy = 0;
	for (size_t i = 0; i < x->n_syms; i++) {
		for (size_t j = 0; j < y->n_syms; j++) {
			if (!strcmp(x->syms[i], y->syms[j])) {
				*ox = x->sym_off[i];
				*oy = y->sym_off[j];
				return x->syms[i];
			}
		}
	}
	return NULL;
}

/* Places x and y from *cur so that their anchor symbols share an address
 * and each section keeps its alignment; *cur moves past both. */
static void place_pair(struct isec *x, struct isec *y, bool y_aarch64, uint64_t *cur)
{
	uint64_t ox, oy, d, t;
	const char *sym = anchor(x, y, &ox, &oy);

	d = ox > oy ? ox : oy;
	/* The anchor at t + d: x at t + d - ox, y at t + d - oy. */
	for (int tries = 0; tries < 2; tries++) {
		uint64_t limit = x->align * y->align;

		t = *cur;
		for (uint64_t step = 0; step < limit; step++, t++)
			if ((t + d - ox) % x->align == 0 && (t + d - oy) % y->align == 0)
				goto found;
		/*
		 * No address suits both alignments (newlib's aarch64 strnlen
		 * starts 0x24 bytes into a 64-byte-aligned section, the x86-64 C
		 * one at the start of a 16-byte-aligned one). aarch64 code:
		 * a branch at the common address stands for the symbol.
		 */
		if (sym && y_aarch64 && x->out == O_TEXT && ox == 0 && oy % 4 == 0) {
			t = align_up(*cur, x->align > 4 ? x->align : 4);
			x->addr = t;
			y->addr = align_up(t + 4, y->align);
			y->thunk_sym = sym;
			y->thunk_at = t;
			y->thunk_to = y->addr + oy;
			*cur = x->addr + x->size > y->addr + y->size ? x->addr + x->size
			                                               : y->addr + y->size;
			return;
		}
		/* Else the sections align, the symbols will not (hexo check
		 * names them). */
		ox = oy = d = 0;
	}
found:
	x->addr = t + d - ox;
	y->addr = t + d - oy;
	*cur = x->addr + x->size > y->addr + y->size ? x->addr + x->size : y->addr + y->size;
}

struct out_place {
	uint64_t start, private_start, end;
};

static void layout(struct imap m[2], bool y_aarch64, struct out_place *op,
                   struct align_stats *st)
{
	uint64_t cur = HEXO_APP_BASE;

	for (int o = 0; o < N_OUT; o++) {
		uint64_t priv[2] = {0, 0}, al = 1;

		if (o == O_RODATA || o == O_DATA)
			cur = align_up(cur, HEXO_PAGE_SIZE);
		for (int k = 0; k < 2; k++)
			if (m[k].has_out[o] && m[k].out_align[o] > al)
				al = m[k].out_align[o];
		cur = align_up(cur, al);
		op[o].start = cur;
		if (!per_section[o]) {
			uint64_t size = 0;

			for (int k = 0; k < 2; k++) {
				if (m[k].out_size[o] > size)
					size = m[k].out_size[o];
			}
			for (int k = 0; k < 2; k++)
				st->padding[k] += size - m[k].out_size[o];
			cur += size;
			op[o].private_start = op[o].end = cur;
			continue;
		}
		for (size_t i = 0; i < m[0].n; i++) {
			struct isec *x = &m[0].s[i], *y;
			uint64_t size, a0 = cur;

			if (x->out != o || x->match < 0)
				continue;
			y = &m[1].s[x->match];
			place_pair(x, y, y_aarch64, &cur);
			size = (x->addr + x->size > y->addr + y->size ? x->addr + x->size
			                                                : y->addr + y->size) - a0;
			st->padding[0] += size - x->size;
			st->padding[1] += size - y->size;
			st->shared++;
		}
		op[o].private_start = cur;
		/* Each ISA's private sections, at worst each on its own alignment. */
		for (int k = 0; k < 2; k++) {
			for (size_t i = 0; i < m[k].n; i++) {
				struct isec *s = &m[k].s[i];

				if (s->out != o || s->match >= 0)
					continue;
				priv[k] += s->size + s->align - 1;
				st->private_secs[k]++;
			}
		}
		/* What lld puts there besides the listed sections (merged
		 * constants) is in the output size but in no listed section. */
		for (int k = 0; k < 2; k++) {
			uint64_t listed = 0;

			for (size_t i = 0; i < m[k].n; i++)
				if (m[k].s[i].out == o)
					listed += m[k].s[i].size;
			if (m[k].out_size[o] > listed)
				priv[k] += m[k].out_size[o] - listed + 64;
		}
		{
			uint64_t p = priv[0] > priv[1] ? priv[0] : priv[1];

			for (int k = 0; k < 2; k++)
				st->padding[k] += p - priv[k];
			cur += p;
		}
		op[o].end = cur;
	}
	st->app_end = align_up(cur, HEXO_PAGE_SIZE);
}

/* A file pattern naming exactly one file: "archive:member" or the path. */
static void put_file_pattern(FILE *f, const char *file)
{
	const char *paren = strchr(file, '(');

	fputc('"', f);
	if (paren && file[strlen(file) - 1] == ')') {
		fwrite(file, 1, (size_t)(paren - file), f);
		fputc(':', f);
		fwrite(paren + 1, 1, strlen(paren + 1) - 1, f);
	} else {
		fputs(file, f);
	}
	fputc('"', f);
}

static const char *const phdr_of[N_OUT] = {
    "text", "rodata", "rodata", "rodata", "rodata", "rodata", "data", "data", "data",
};

static void put_whole(FILE *f, int o)
{
	switch (o) {
	case O_PREINIT:
		fputs("\t\t__preinit_array_start = .;\n\t\tKEEP(*(.preinit_array))\n"
		      "\t\t__preinit_array_end = .;\n",
		      f);
		break;
	case O_INIT:
		fputs("\t\t__init_array_start = .;\n"
		      "\t\tKEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*)))\n"
		      "\t\tKEEP(*(.init_array))\n\t\t__init_array_end = .;\n",
		      f);
		break;
	case O_FINI:
		fputs("\t\t__fini_array_start = .;\n"
		      "\t\tKEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*)))\n"
		      "\t\tKEEP(*(.fini_array))\n\t\t__fini_array_end = .;\n",
		      f);
		break;
	case O_GOT:
		fputs("\t\t*(.got .got.plt)\n", f);
		break;
	}
}

static int cmp_addr(const void *pa, const void *pb)
{
	const struct isec *a = *(const struct isec *const *)pa, *b = *(const struct isec *const *)pb;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void put_app_part(FILE *f, const struct imap *m, const struct out_place *op)
{
	const struct isec **order = xrealloc(NULL, (m->n + 1) * sizeof(*order));
	size_t n_order = 0;

	/* The matched sections in address order: the first ISA's order. */
	for (size_t i = 0; i < m->n; i++)
		if (m->s[i].match >= 0)
			order[n_order++] = &m->s[i];
	qsort(order, n_order, sizeof(*order), cmp_addr);
	fputs("\t/* The common app layout, written by hexocc (toolchain/align). */\n", f);
	for (int o = 0; o < N_OUT; o++) {
		if (o == O_DATA)
			fprintf(f, "\t__app_data_start = 0x%" PRIx64 ";\n", op[o].start);
		fprintf(f, "\t%s 0x%" PRIx64 " %s: {\n", out_name[o], op[o].start,
		        o == O_BSS ? "(NOLOAD) " : "");
		if (o == O_BSS)
			fputs("\t\t__bss_start = .;\n", f);
		if (!per_section[o]) {
			put_whole(f, o);
		} else {
			for (size_t k = 0; k < n_order; k++) {
				const struct isec *s = order[k];

				if (s->out != o)
					continue;
				if (s->thunk_sym) {
					/* b thunk_to; the section is only reached
					 * through it, so KEEP it from --gc-sections. */
					uint32_t imm = (uint32_t)((s->thunk_to - s->thunk_at) >> 2);

					fprintf(f,
					        "\t\t. = 0x%" PRIx64 "; %s = .; LONG(0x%08x)\n"
					        "\t\t. = 0x%" PRIx64 "; KEEP(",
					        s->thunk_at, s->thunk_sym,
					        0x14000000u | (imm & 0x3ffffffu), s->addr);
					put_file_pattern(f, s->file);
					fprintf(f, "(%s))\n", s->name);
					continue;
				}
				fprintf(f, "\t\t. = 0x%" PRIx64 "; ", s->addr);
				put_file_pattern(f, s->file);
				fprintf(f, "(%s)\n", s->name);
			}
			fprintf(f, "\t\t. = 0x%" PRIx64 ";\n\t\t%s\n", op[o].private_start,
			        catch_all[o]);
		}
		if (op[o].end > op[o].start)
			fprintf(f, "\t\t. = 0x%" PRIx64 ";\n", op[o].end);
		if (o == O_BSS)
			fputs("\t\t__bss_end = .;\n", f);
		fprintf(f, "\t} :%s\n", phdr_of[o]);
		if (o == O_TEXT)
			fputs("\t__app_text_end = .;\n", f);
		if (o == O_GOT)
			fputs("\t_edata = .;\n", f);
	}
	fprintf(f, "\t. = ALIGN(0x%x);\n", HEXO_PAGE_SIZE);
	free(order);
}

static int write_script(const struct align_isa *isa, const struct imap *m,
                        const struct out_place *op, char *err, size_t errlen)
{
	FILE *in = fopen(isa->base_script, "r"), *out;
	char line[4096];
	int state = 0; /* 0 before the app part, 1 in it, 2 after */

	if (!in) {
		snprintf(err, errlen, "%s: %s", isa->base_script, strerror(errno));
		return -errno;
	}
	out = fopen(isa->out_script, "w");
	if (!out) {
		snprintf(err, errlen, "%s: %s", isa->out_script, strerror(errno));
		fclose(in);
		return -errno;
	}
	while (fgets(line, sizeof(line), in)) {
		if (state == 0) {
			fputs(line, out);
			if (strstr(line, "__app_start = .;")) {
				put_app_part(out, m, op);
				state = 1;
			}
		} else if (state == 1) {
			if (strstr(line, "__app_end = .;")) {
				state = 2;
				fputs("\t_end = .;\n", out);
				fputs(line, out);
			}
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	if (fclose(out) || state != 2) {
		snprintf(err, errlen, "%s: no app part (__app_start ... __app_end) found",
		         isa->base_script);
		return -EINVAL;
	}
	return 0;
}

int align_layout(const struct align_isa isa[2], struct align_stats *st, char *err, size_t errlen)
{
	struct out_place op[N_OUT];
	struct imap m[2];
	int ret;

	memset(st, 0, sizeof(*st));
	ret = parse_map(&isa[0], &m[0], err, errlen);
	if (ret)
		return ret;
	ret = parse_map(&isa[1], &m[1], err, errlen);
	if (ret) {
		free_map(&m[0]);
		return ret;
	}
	match_by_file(&m[0], &m[1]);
	match_by_symbol(&m[0], &m[1]);
	st->sections[0] = m[0].n;
	st->sections[1] = m[1].n;
	layout(m, !strcmp(isa[1].name, "aarch64"), op, st);
	for (int k = 0; k < 2 && !ret; k++)
		ret = write_script(&isa[k], &m[k], op, err, errlen);
	free_map(&m[0]);
	free_map(&m[1]);
	return ret;
}
