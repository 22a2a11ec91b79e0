/* SPDX-License-Identifier: MIT */
/*
 * Prototypes of what the kernel provides to newlib (configured with
 * --disable-newlib-supplied-syscalls). newlib declares most of the _<name>
 * system calls only while compiling itself, and the POSIX clock calls only
 * when _POSIX_TIMERS is set, so they are declared here, with newlib's types.
 */
#ifndef HEXO_KERNEL_NEWLIB_SYSCALLS_H
#define HEXO_KERNEL_NEWLIB_SYSCALLS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/types.h>
#include <time.h>

int _open(const char *path, int flags, ...);
int _close(int fd);
_READ_WRITE_RETURN_TYPE _read(int fd, void *buf, size_t len);
_READ_WRITE_RETURN_TYPE _write(int fd, const void *buf, size_t len);
_off_t _lseek(int fd, _off_t offset, int whence);
int _fstat(int fd, struct stat *st);
int _stat(const char *path, struct stat *st);
int _isatty(int fd);
int _unlink(const char *path);
int _link(const char *old, const char *new);
int _mkdir(const char *path, mode_t mode);
int _fcntl(int fd, int cmd, ...);

void *_sbrk(ptrdiff_t incr);
int _kill(int pid, int sig);
int _getpid(void);
int _fork(void);
int _execve(const char *path, char *const argv[], char *const envp[]);
int _wait(int *status);

int _gettimeofday(struct timeval *tv, void *tz);
clock_t _times(struct tms *buf);
int clock_gettime(clockid_t id, struct timespec *ts);
int clock_getres(clockid_t id, struct timespec *res);
int nanosleep(const struct timespec *req, struct timespec *rem);

#endif /* HEXO_KERNEL_NEWLIB_SYSCALLS_H */
