/* SPDX-License-Identifier: MIT */
/*
 * The common layout (docs/layout.md): from the link maps of a first link of
 * each ISA, give every app input section one address valid on both ISAs and
 * write one linker script per ISA that puts it there.
 */
#ifndef HEXO_ALIGN_H
#define HEXO_ALIGN_H

#include <stddef.h>
#include <stdint.h>

struct align_isa {
	const char *name;        /* "x86_64" */
	const char *base_script; /* the runtime's hexo.ld */
	const char *map;         /* ld.lld -Map= output of the first link */
	const char *out_script;  /* written: the script of the final link */
	/* Input files that are the same input on every ISA under another path:
	 * aliases[2k] is a path as the linker names it, aliases[2k+1] its key. */
	char *const *aliases;
	size_t n_aliases; /* strings, 2 per alias */
};

struct align_stats {
	size_t sections[2];     /* app input sections per ISA */
	size_t shared;          /* placed at one address on both */
	size_t private_secs[2]; /* placed in the ISA-private area */
	uint64_t padding[2];    /* bytes added to each ISA by the layout */
	uint64_t app_end;       /* common end of the app image (page-aligned) */
};

/* Exactly two ISAs. 0, or -errno with one line in err. */
int align_layout(const struct align_isa isa[2], struct align_stats *st, char *err, size_t errlen);

#endif
