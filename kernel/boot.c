// SPDX-License-Identifier: MIT
/*
 * From the arch entry code to main() and exit().
 *
 * .bss (kernel and app) is not cleared here: the monitor loads every PT_LOAD
 * segment including its zero fill (p_memsz > p_filesz) into fresh, zeroed
 * guest memory, so it is already zero when _start runs.
 *
 * newlib needs no explicit start-up call: its reentrancy struct is statically
 * initialised and stdio sets itself up on first use. exit() is the kernel's
 * (below): it runs the atexit handlers, then the .fini_array, flushes stdio
 * and ends in _exit(), which issues HEXO_HC_EXIT.
 */
#include <reent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hexo/abi.h>

#include "arch.h"
#include "hypercall.h"
#include "kernel.h"

typedef void (*init_fn)(void);

/* Defined by the linker script (hexo.ld). */
extern init_fn __preinit_array_start[], __preinit_array_end[];
extern init_fn __init_array_start[], __init_array_end[];
extern init_fn __fini_array_start[], __fini_array_end[];

/* ABI version of this kernel, for tools reading the ELF (kept by --gc-sections). */
__attribute__((used, retain)) const uint32_t hexo_kernel_abi_version = HEXO_ABI_VERSION;

struct hexo_boot_info *kernel_boot_info;

static char *empty_vector[] = {NULL};

static void run_array(init_fn *start, init_fn *end)
{
	for (init_fn *fn = start; fn < end; fn++)
		(*fn)();
}

static void run_fini_array(void)
{
	for (init_fn *fn = __fini_array_end; fn > __fini_array_start; fn--)
		(*(fn - 1))();
}

void __call_exitprocs(int status, void *dso);

/*
 * Replaces newlib's exit() (libhexokernel.a comes first in the link) to run
 * the .fini_array without registering it with atexit(): the atexit list lives
 * in app memory, which a checkpoint carries to the other ISA, where this
 * function's (kernel-region) address is a different one. The order is the
 * one atexit(run_fini_array) before main would give: the app's own atexit
 * handlers, the static destructors, then the stdio flush.
 */
_Noreturn void exit(int status)
{
	__call_exitprocs(status, NULL);
	run_fini_array();
	if (_GLOBAL_REENT->__cleanup)
		(*_GLOBAL_REENT->__cleanup)(_GLOBAL_REENT);
	_exit(status);
}

static _Noreturn void boot_refuse(const char *msg)
{
	hc_write(2, msg, strlen(msg));
	hc_exit(125);
}

static void boot_check(const struct hexo_boot_info *bi)
{
	if (bi->magic != HEXO_BOOT_MAGIC)
		boot_refuse("hexo kernel: bad boot info magic\n");
	if (bi->abi_version != HEXO_ABI_VERSION)
		boot_refuse("hexo kernel: monitor and kernel ABI versions differ\n");
}

static char **boot_vector(hexo_gpa_t v)
{
	return v ? (char **)(uintptr_t)v : empty_vector;
}

_Noreturn void kernel_main(struct hexo_boot_info *bi, uint64_t t_entry)
{
	char **argv, **envp;
	int argc;

	bi->t_entry = t_entry;
	kernel_boot_info = bi;
	boot_check(bi);
	clock_init(bi, t_entry);
	heap_init(bi);
	rt_points_init(bi);

	argv = boot_vector(bi->argv);
	argc = bi->argv ? (int)bi->argc : 0;
	envp = boot_vector(bi->envp);
	/*
	 * A restored job's app memory (newlib's state, environ, the atexit
	 * list, what constructors did) is the checkpoint's: set nothing up again.
	 */
	if (!bi->restore) {
		environ = envp;
		run_array(__preinit_array_start, __preinit_array_end);
		run_array(__init_array_start, __init_array_end);
	}

	bi->t_main = arch_counter_read();
	exit(hexo_root(argc, argv, envp));
}
