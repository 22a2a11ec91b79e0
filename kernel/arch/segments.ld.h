/* SPDX-License-Identifier: MIT */
/*
 * The segments of every guest image, the same on each ISA, included by
 * kernel/arch/<isa>/hexo.ld.S before its SECTIONS: the kernel's text,
 * read-only data and data, then the app's text, rodata and data (one
 * PT_LOAD each, at HEXO_APP_BASE, the same address on every ISA), then the
 * shadow stack. Also KERNEL_INPUT(), the kernel's own input sections, which
 * common.ld.h uses.
 */
ENTRY(_start)

PHDRS
{
	ktext PT_LOAD FLAGS(5);		/* R X */
	krodata PT_LOAD FLAGS(4);	/* R */
	kdata PT_LOAD FLAGS(6);		/* R W */
	text PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data PT_LOAD FLAGS(6);
	shadow PT_LOAD FLAGS(6);	/* R W, no file bytes */
}

/* Input sections `sects` of the kernel's own objects. */
#define KERNEL_INPUT(sects) *crt0.o(sects) *libhexokernel.a:*(sects)
