/* SPDX-License-Identifier: MIT */
/*
 * The one-line error messages of host-side programs. A function that can
 * fail takes (char *err, size_t errlen) and fills it with one line naming
 * the thing and what to do, no trailing newline.
 */
#ifndef HEXO_LIB_ERR_H
#define HEXO_LIB_ERR_H

#include <stdnoreturn.h>
#include <stddef.h>

/*
 * The exit status of a hexo program's own error, reported as one line on
 * stderr (a guest program's own status passes through unchanged).
 */
#define HEXO_EXIT_ERROR 125

/* What hexo_error() and hexo_die() print first: "hexo" unless main() sets it. */
extern const char *hexo_progname;

/* Prints "PROG: message" as one line on stderr, returns status. */
int hexo_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* hexo_error(HEXO_EXIT_ERROR, ...), then exits with that status. */
noreturn void hexo_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Formats into err (when err and errlen are non-zero). */
void hexo_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* hexo_seterr(), then returns ret: `return hexo_fail(err, n, -EINVAL, ...);` */
int hexo_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
