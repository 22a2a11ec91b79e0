/* SPDX-License-Identifier: MIT */
/*
 * The one-line error messages of host-side functions: a function that can
 * fail takes (char *err, size_t errlen) and fills it with one line naming
 * the thing and what to do, no trailing newline.
 */
#ifndef HEXO_LIB_ERR_H
#define HEXO_LIB_ERR_H

#include <stddef.h>

/* Formats into err (when err and errlen are non-zero). */
void hexo_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* hexo_seterr(), then returns ret: `return hexo_fail(err, n, -EINVAL, ...);` */
int hexo_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
