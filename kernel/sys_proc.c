// SPDX-License-Identifier: MIT
/*
 * newlib process calls. A job is one process (pid 1) with no children.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "hypercall.h"
#include "newlib_syscalls.h"

#define HEXO_PID 1

_Noreturn void _exit(int status)
{
	hc_exit(status);
}

/*
 * newlib's raise() ends here for a signal left at SIG_DFL (abort() does).
 * The default action ends the job with status 128 + sig, as a shell reports
 * a process killed by that signal; signals ignored by default are ignored.
 */
int _kill(int pid, int sig)
{
	if (pid != HEXO_PID && pid != 0 && pid != -1) {
		errno = ESRCH;
		return -1;
	}
	if (sig < 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	switch (sig) {
	case 0:
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return 0;
	default:
		_exit(128 + sig);
	}
}

int _getpid(void)
{
	return HEXO_PID;
}

int _fork(void)
{
	errno = ENOSYS;
	return -1;
}

int _execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	errno = ENOSYS;
	return -1;
}

int _wait(int *status)
{
	(void)status;
	errno = ECHILD;
	return -1;
}
