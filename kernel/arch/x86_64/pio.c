// SPDX-License-Identifier: MIT
/*
 * x86-64 hypercall transport: `outl` of the argument struct's 32-bit address
 * to port HEXO_X86_PIO_BASE + nr. The monitor handles the exit synchronously,
 * so the OUT fields are filled when the instruction retires. At CPL3 the
 * instruction runs directly where RFLAGS.IOPL = 3 is honoured, and traps to
 * exc.S, which executes it at CPL0, where it is not (PVM hosts).
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"

void arch_hypercall(unsigned int nr, void *arg)
{
	uint32_t addr = (uint32_t)(uintptr_t)arg;
	uint16_t port = (uint16_t)(HEXO_X86_PIO_BASE + nr);

	/* "memory": the monitor reads the struct and writes its OUT fields. */
	__asm__ volatile("outl %0, %1" : : "a"(addr), "Nd"(port) : "memory");
}
