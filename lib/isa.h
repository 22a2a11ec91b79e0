/* SPDX-License-Identifier: MIT */
/*
 * The ISAs hexo runs (enum hexo_isa, include/hexo/image.h) and their names.
 * Pure, no library: also linked by the static aarch64 hexod.
 */
#ifndef HEXO_LIB_ISA_H
#define HEXO_LIB_ISA_H

#include <stdint.h>

#include <hexo/image.h>

const char *hexo_isa_name(uint32_t isa); /* "x86_64", "aarch64", "?" */
/* "x86_64" (or "x86-64", "amd64"), "aarch64" (or "arm64"): HEXO_ISA_NONE if unknown */
uint32_t hexo_isa_from_name(const char *name);
uint32_t hexo_host_isa(void); /* the ISA this program runs on */

#endif
