/* SPDX-License-Identifier: MIT */
/*
 * aarch64 per-VM state, embedded in struct hexo_vm (monitor.h) as `arch`.
 * Each arch folder has its own arch_vm.h; the Makefile puts it on the
 * include path.
 */
#ifndef HEXO_MONITOR_ARCH_VM_H
#define HEXO_MONITOR_ARCH_VM_H

#include <stdbool.h>

struct arch_vm {
	unsigned ipa_bits; /* guest-physical address bits of the VM */
	bool nisv_exits;   /* undecodable MMIO stores exit as KVM_EXIT_ARM_NISV */
};

#endif
