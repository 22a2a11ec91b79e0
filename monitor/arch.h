/* SPDX-License-Identifier: MIT */
/*
 * What each architecture implements, in monitor/arch/<arch>/ (the Makefile
 * picks the folder). Everything else in monitor/ is arch-neutral. The arch's
 * private per-VM state is struct arch_vm in monitor/arch/<arch>/arch_vm.h.
 */
#ifndef HEXO_MONITOR_ARCH_H
#define HEXO_MONITOR_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>

struct hexo_vm;

struct arch_info {
	const char *name;     /* "x86_64": image ISA name, for messages */
	uint32_t isa;         /* enum hexo_isa of the ELF to run */
	unsigned elf_machine; /* EM_* */
	const char *pc_name;  /* register names in crash reports */
	const char *sp_name;
	const char *flags_name;
};

extern const struct arch_info arch__info;

/*
 * The machine type to pass to KVM_CREATE_VM, once vm->kvm_fd is open and
 * vm->mem.size known (x86-64: 0; aarch64: the guest-physical address size,
 * checked against what the host's KVM offers). Returns 0 or -errno with
 * vm->error set.
 */
int arch__vm_type(struct hexo_vm *vm, unsigned long *type);

/*
 * After the VM exists and guest memory holds the image: writes the page
 * tables for vm->map (and descriptor tables) into guest memory and sets
 * vm->boot->page_table.
 */
int arch__setup_memory(struct hexo_vm *vm);

/* The vCPU's registers: start at entry with the boot info as argument. */
int arch__vcpu_init(struct hexo_vm *vm, uint64_t entry);

/* Frequency of the guest's clock counter (x86-64: TSC). */
int arch__clock_hz(struct hexo_vm *vm, uint64_t *hz);

/*
 * Decodes the exit in vm->run: 1 = a hypercall (*nr, *arg set), 0 = not a
 * hypercall exit, < 0 = a malformed hypercall (vm->error says why).
 */
int arch__decode_hypercall(struct hexo_vm *vm, uint64_t *nr, hexo_gpa_t *arg);

/* Program counter and stack pointer of the stopped vCPU. */
int arch__vcpu_regs(struct hexo_vm *vm, uint64_t *pc, uint64_t *sp);

/* Crash report text for a HEXO_HC_FAULT. */
struct arch_fault_text {
	char name[96];   /* "#PF (page fault)" */
	char error[160]; /* "0x6 (write, page not present)"; "" when none */
	bool has_addr;   /* the fault has an address (f->addr is meaningful) */
};

void arch__describe_fault(const struct hexo_hc_fault *f, struct arch_fault_text *text);

#endif
