/* SPDX-License-Identifier: MIT */
/*
 * x86-64 per-VM state, embedded in struct hexo_vm (monitor.h) as `arch`.
 * Each arch folder has its own arch_vm.h; the Makefile puts it on the
 * include path.
 */
#ifndef HEXO_MONITOR_ARCH_VM_H
#define HEXO_MONITOR_ARCH_VM_H

#include <stdbool.h>

struct kvm_cpuid2;

struct arch_vm {
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, given to the vCPU */
	bool gbpages;             /* 1 GiB pages available to the guest */
};

#endif
