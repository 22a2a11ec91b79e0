// SPDX-License-Identifier: MIT
/*
 * newlib's reentrant wrappers (_write_r, ...) clear and test a global
 * `errno` around each system call and copy it into the reentrant errno when
 * set. The kernel's calls set the reentrant errno (the `errno` macro of
 * <errno.h>) directly, so this global only has to exist; it stays 0.
 * <errno.h> is deliberately not included: it makes `errno` a macro.
 */
int errno;
