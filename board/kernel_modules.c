// SPDX-License-Identifier: MIT
/*
 * The kernel modules a board needs (kernel.c): the list of modules wanted
 * from the kernel package (the required ones, then whatever their
 * .modinfo "depends=" names), each one saved under modules/ as it is
 * unpacked (kernel_deb.c), which are built into the kernel
 * (modules.builtin), and modules.order, the load order with dependencies
 * first, that hexo-init follows.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>

#include "board_int.h"

struct board_mod *board_mod_find(struct board_unpack *u, const char *name)
{
	int i;

	for (i = 0; i < u->nmods; i++) {
		if (!strcmp(u->mods[i].name, name))
			return &u->mods[i];
	}
	return NULL;
}

struct board_mod *board_mod_want(struct board_unpack *u, const char *name, int required)
{
	struct board_mod *m = board_mod_find(u, name);

	if (m || u->nmods == BOARD_MAX_MODS)
		return m;
	m = &u->mods[u->nmods++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->required = required;
	u->added++;
	return m;
}

/* Module names are compared with '-' folded to '_'. */
static void fold_dashes(char *name)
{
	for (size_t i = 0; name[i]; i++) {
		if (name[i] == '-')
			name[i] = '_';
	}
}

int board_mod_name(const char *path, char *name, size_t len, const char **comp)
{
	const char *base = strrchr(path, '/'), *ko;

	base = base ? base + 1 : path;
	for (ko = strstr(base, ".ko"); ko && ko[3] && ko[3] != '.'; ko = strstr(ko + 1, ".ko"))
		;
	if (!ko)
		return -EINVAL;
	*comp = ko[3] ? ko + 4 : "";
	snprintf(name, len, "%.*s", (int)(ko - base), base);
	fold_dashes(name);
	return 0;
}

/*
 * The next module of a "depends=" list ("a,b-c") into name, folded; the
 * rest of the list, or NULL at its end.
 */
static const char *next_dep(const char *p, char *name, size_t len)
{
	size_t n;

	if (!*p)
		return NULL;
	n = strcspn(p, ",");
	snprintf(name, len, "%.*s", (int)n, p);
	fold_dashes(name);
	p += n;
	if (*p)
		p++;
	return p;
}

/* Copies the "depends=" field of a module's .modinfo section. */
static int modinfo_depends(void *ko, size_t len, char *deps, size_t dlen)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, off;
	Elf_Data *d;
	GElf_Shdr sh;
	const char *nm, *s;
	Elf *e;

	deps[0] = '\0';
	elf_version(EV_CURRENT);
	e = elf_memory(ko, len);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto bad;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(nm = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(nm, ".modinfo") || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		for (off = 0; off < d->d_size; off += strlen(s) + 1) {
			s = (const char *)d->d_buf + off;
			if (strnlen(s, d->d_size - off) == d->d_size - off)
				break;
			if (!strncmp(s, "depends=", 8))
				snprintf(deps, dlen, "%s", s + 8);
		}
		elf_end(e);
		return 0;
	}
bad:
	if (e)
		elf_end(e);
	return -ENOEXEC;
}

static void want_deps(struct board_unpack *u, const char *deps)
{
	char name[64];
	const char *p = deps;

	while ((p = next_dep(p, name, sizeof(name)))) {
		if (name[0])
			board_mod_want(u, name, 1);
	}
}

int board_mod_save(struct board_unpack *u, struct board_mod *m, void *ko, size_t len)
{
	char p[PATH_MAX], file[96];
	int ret;

	ret = modinfo_depends(ko, len, m->deps, sizeof(m->deps));
	if (ret)
		return ret;
	snprintf(file, sizeof(file), "modules/%s.ko", m->name);
	ret = board_path(p, sizeof(p), u->dir, file);
	if (!ret)
		ret = hexo_write_file_atomic(p, ko, len, 0644);
	if (ret)
		return ret;
	m->done = 1;
	want_deps(u, m->deps);
	return 0;
}

static int builtin_has(const struct board_unpack *u, const char *name)
{
	char pat[80];
	const char *p = u->builtin;
	size_t n;

	if (!p)
		return 0;
	n = (size_t)snprintf(pat, sizeof(pat), "/%s.ko", name);
	while ((p = strstr(p, pat))) {
		if (p[n] == '\n' || p[n] == '\0' || p[n] == '.')
			return 1;
		p += n;
	}
	return 0;
}

int board_mods_missing(const struct board_unpack *u, char *first, size_t len)
{
	int i, n = 0;

	for (i = 0; i < u->nmods; i++) {
		const struct board_mod *m = &u->mods[i];

		if (m->done || !m->required || builtin_has(u, m->name))
			continue;
		if (!n++)
			snprintf(first, len, "%s", m->name);
	}
	return n;
}

static int deps_ordered(const struct board_unpack *u, const struct board_mod *m)
{
	char name[64];
	const char *p = m->deps;
	const struct board_mod *d;

	while ((p = next_dep(p, name, sizeof(name)))) {
		d = board_mod_find((struct board_unpack *)u, name);
		if (name[0] && !builtin_has(u, name) && (!d || !d->ordered))
			return 0;
	}
	return 1;
}

int board_mods_write_order(struct board_unpack *u, char *err, size_t errlen)
{
	char text[BOARD_MAX_MODS * 72] = "", p[PATH_MAX];
	int i, progress = 1, ret;

	while (progress) {
		progress = 0;
		for (i = 0; i < u->nmods; i++) {
			struct board_mod *m = &u->mods[i];

			if (!m->done || m->ordered || !deps_ordered(u, m))
				continue;
			m->ordered = progress = 1;
			strcat(text, m->name);
			strcat(text, ".ko\n");
		}
	}
	for (i = 0; i < u->nmods; i++) {
		if (u->mods[i].done && !u->mods[i].ordered) {
			hexo_seterr(err, errlen, "kernel module %s has a dependency loop",
			            u->mods[i].name);
			return -ELOOP;
		}
	}
	ret = board_path(p, sizeof(p), u->dir, "modules.order");
	if (!ret)
		ret = hexo_write_file_atomic(p, text, strlen(text), 0644);
	return ret;
}
