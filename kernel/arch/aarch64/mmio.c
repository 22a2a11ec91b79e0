// SPDX-License-Identifier: MIT
/*
 * aarch64 hypercall transport: one 64-bit store of the argument struct's
 * address to HEXO_AARCH64_MMIO_BASE + nr * 8, a device page the monitor
 * mapped but KVM has no memory behind, so the store exits to the monitor
 * (KVM_EXIT_MMIO), which handles it before the vCPU runs on: the OUT fields
 * are filled when the instruction retires.
 *
 * The store must be a plain single-register STR without writeback: only then
 * does the trap carry a valid instruction syndrome (ESR_EL2.ISV) that KVM can
 * decode. Inline assembly pins that form; the compiler could pick another.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "arch.h"

void arch_hypercall(unsigned int nr, void *arg)
{
	uintptr_t port = (uintptr_t)(HEXO_AARCH64_MMIO_BASE + (uint64_t)nr * 8);

	/*
	 * dsb st: the argument struct's stores complete before the device
	 * store, as for any device doorbell. "memory": the monitor reads the
	 * struct and writes its OUT fields.
	 */
	__asm__ volatile("dsb st\n\t"
	                 "str %0, [%1]"
	                 :
	                 : "r"((uint64_t)(uintptr_t)arg), "r"(port)
	                 : "memory");
}
