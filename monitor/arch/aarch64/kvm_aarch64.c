// SPDX-License-Identifier: MIT
/*
 * aarch64 on KVM: the vCPU starts at EL1h with the MMU and caches on
 * (docs/design.md, "Boot (aarch64)").
 *
 *  - VM: KVM_CREATE_VM with a 40-bit guest-physical address space, enough
 *    for RAM (at most 256 GiB) and the hypercall page at 512 GiB
 *    (HEXO_AARCH64_MMIO_BASE), which is not a memory slot: the guest's
 *    stores there exit as KVM_EXIT_MMIO. Stores KVM cannot decode (no valid
 *    syndrome: store pairs, pre/post-index) exit as KVM_EXIT_ARM_NISV where
 *    the host offers it, and are reported as malformed hypercalls.
 *  - Translation tables: a64_pagetable__build() from the arch-neutral
 *    memory map, at HEXO_PAGETABLE_GPA; the last page of that area holds
 *    fallback exception vectors (vectors_aarch64.c) for VBAR_EL1.
 *  - vCPU: KVM_ARM_PREFERRED_TARGET, KVM_ARM_VCPU_INIT with no optional
 *    features (no PSCI, PMU, SVE or pointer authentication for the guest),
 *    then the registers below with KVM_SET_ONE_REG.
 *  - Clock: the generic timer; CNTFRQ_EL0 is the same register for host
 *    and guest, so the monitor reads its own.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <hexo/image.h>
#include <hexo/layout.h>

#include "aarch64.h"
#include "arch.h"
#include "monitor.h"

const struct arch_info arch__info = {
    .name = "aarch64",
    .isa = HEXO_ISA_AARCH64,
    .elf_machine = EM_AARCH64,
    .pc_name = "PC",
    .sp_name = "SP",
    .flags_name = "PSTATE",
};

/* KVM_{GET,SET}_ONE_REG ids. */
#define CORE_REG(field)                                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(field))
#define REG_PC     CORE_REG(regs.pc)
#define REG_X0     CORE_REG(regs.regs[0])
#define REG_SP_EL0 CORE_REG(regs.sp)
#define REG_PSTATE CORE_REG(regs.pstate)
#define REG_SP_EL1 CORE_REG(sp_el1)

#define REG_SCTLR_EL1        ARM64_SYS_REG(3, 0, 1, 0, 0)
#define REG_CPACR_EL1        ARM64_SYS_REG(3, 0, 1, 0, 2)
#define REG_TTBR0_EL1        ARM64_SYS_REG(3, 0, 2, 0, 0)
#define REG_TCR_EL1          ARM64_SYS_REG(3, 0, 2, 0, 2)
#define REG_MAIR_EL1         ARM64_SYS_REG(3, 0, 10, 2, 0)
#define REG_VBAR_EL1         ARM64_SYS_REG(3, 0, 12, 0, 0)
#define REG_ID_AA64MMFR0_EL1 ARM64_SYS_REG(3, 0, 0, 7, 0)

/* PSTATE: EL1 with SP_EL1 (EL1h), debug, SError, IRQ and FIQ masked. */
#define PSTATE_EL1H      0x5u
#define PSTATE_MODE_MASK 0xfu
#define PSTATE_DAIF      (0xfu << 6)

/* SCTLR_EL1: MMU, data and instruction caches on; RES1 bits of ARMv8.0
 * (11, 20, 22, 23, 28, 29: the v8.0 behaviour of later features). */
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_I (1ull << 12)
#define SCTLR_RES1                                                                                 \
	((1ull << 11) | (1ull << 20) | (1ull << 22) | (1ull << 23) | (1ull << 28) | (1ull << 29))

/* TCR_EL1: TTBR0 walks of a 48-bit VA space, 4 KiB granule, write-back
 * inner shareable walks; TTBR1 walks disabled. */
#define TCR_T0SZ(n)    ((uint64_t)(n) << 0)
#define TCR_IRGN0_WBWA (1ull << 8)
#define TCR_ORGN0_WBWA (1ull << 10)
#define TCR_SH0_INNER  (3ull << 12)
#define TCR_TG0_4K     (0ull << 14)
#define TCR_T1SZ(n)    ((uint64_t)(n) << 16)
#define TCR_EPD1       (1ull << 23)
#define TCR_TG1_4K     (2ull << 30)
#define TCR_IPS(n)     ((uint64_t)(n) << 32)
#define TCR_IPS_48BIT  5u /* largest IPS a 4 KiB granule can use (without LPA2) */

#define CPACR_FPEN_ALL (3ull << 20) /* no FP/SIMD traps at EL1 or EL0 */

#define KVM_DEFAULT_IPA_BITS 40 /* KVM_CREATE_VM type 0 */
#define MIN_IPA_BITS         32

_Static_assert(HEXO_MEM_MAX <= HEXO_AARCH64_MMIO_BASE, "RAM below the hypercall page");
_Static_assert(HEXO_HC_MAX <= A64_MMIO_SLOTS, "every hypercall has a slot");

int arch__vm_type(struct hexo_vm *vm, unsigned long *type)
{
	uint64_t top = A64_MMIO_PAGE + HEXO_PAGE_SIZE;
	unsigned need = MIN_IPA_BITS;
	int max;

	if (vm->mem.size > top)
		top = vm->mem.size;
	while (need < 64 && (1ull << need) < top)
		need++;
	max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	if (max <= 0) {
		/* Before Linux 4.20 every VM has 40-bit guest-physical addresses. */
		max = KVM_DEFAULT_IPA_BITS;
		*type = 0;
	} else {
		*type = KVM_VM_TYPE_ARM_IPA_SIZE(need);
	}
	if ((unsigned)max < need)
		return vm__error(vm, -EINVAL,
		                 "this host's KVM gives guests %d-bit physical addresses; hexo's "
		                 "hypercall page at 0x%llx needs %u bits",
		                 max, HEXO_AARCH64_MMIO_BASE, need);
	vm->arch.ipa_bits = need;
	return 0;
}

/* Store pairs and pre/post-indexed stores to the hypercall page exit as
 * KVM_EXIT_ARM_NISV instead of failing KVM_RUN with ENOSYS. */
static void enable_nisv_exits(struct hexo_vm *vm)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_ARM_NISV_TO_USER};

	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER) > 0 &&
	    ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) == 0)
		vm->arch.nisv_exits = true;
}

int arch__setup_memory(struct hexo_vm *vm)
{
	size_t vec_size = (size_t)(a64_early_vectors_end - a64_early_vectors);
	void *area = guest_mem__ptr(&vm->mem, HEXO_PAGETABLE_GPA, A64_TABLES_SIZE);
	void *vec = guest_mem__ptr(&vm->mem, A64_VECTORS_GPA, HEXO_PAGE_SIZE);
	size_t used;
	char size[32];
	int ret;

	if (!area || !vec || vec_size > HEXO_PAGE_SIZE)
		return vm__error(vm, -EINVAL, "guest memory too small for the page tables");
	ret = a64_pagetable__build(area, HEXO_PAGETABLE_GPA, A64_TABLES_SIZE, &vm->map,
	                           A64_MMIO_PAGE, A64_VECTORS_GPA, &used);
	if (ret)
		return vm__error(vm, ret,
		                 "translation tables for %s of guest memory need more than %u KiB: "
		                 "use a smaller --mem",
		                 guest_mem__size_str(vm->mem.size, size, sizeof(size)),
		                 A64_TABLES_SIZE / 1024);
	memcpy(vec, a64_early_vectors, vec_size);
	vm->boot->page_table = HEXO_PAGETABLE_GPA;
	enable_nisv_exits(vm);
	return 0;
}

static int get_reg(struct hexo_vm *vm, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)value};

	return ioctl(vm->vcpu_fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int set_reg(struct hexo_vm *vm, uint64_t id, uint64_t value, const char *name)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)&value};

	if (ioctl(vm->vcpu_fd, KVM_SET_ONE_REG, &reg) < 0)
		return vm__error(vm, -errno, "KVM_SET_ONE_REG %s: %s", name, strerror(errno));
	return 0;
}

static int vcpu_arm_init(struct hexo_vm *vm)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return vm__error(vm, -errno, "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	memset(init.features, 0, sizeof(init.features));
	if (ioctl(vm->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return vm__error(vm, -errno, "KVM_ARM_VCPU_INIT (target %u): %s", init.target,
		                 strerror(errno));
	return 0;
}

/* TCR_EL1.IPS: the CPU's physical address size, as far as a 4 KiB granule
 * can use it. */
static int tcr_value(struct hexo_vm *vm, uint64_t *tcr)
{
	uint64_t mmfr0;
	unsigned ips;
	int ret;

	ret = get_reg(vm, REG_ID_AA64MMFR0_EL1, &mmfr0);
	if (ret)
		return vm__error(vm, ret, "KVM_GET_ONE_REG ID_AA64MMFR0_EL1: %s", strerror(-ret));
	ips = (unsigned)(mmfr0 & 0xf);
	if (ips > TCR_IPS_48BIT)
		ips = TCR_IPS_48BIT;
	*tcr = TCR_T0SZ(16) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K |
	       TCR_T1SZ(16) | TCR_EPD1 | TCR_TG1_4K | TCR_IPS(ips);
	return 0;
}

int arch__vcpu_init(struct hexo_vm *vm, uint64_t entry)
{
	struct {
		uint64_t id;
		uint64_t value;
		const char *name;
	} regs[] = {
	    {REG_MAIR_EL1, A64_MAIR_EL1, "MAIR_EL1"},
	    {REG_TCR_EL1, 0, "TCR_EL1"},
	    {REG_TTBR0_EL1, HEXO_PAGETABLE_GPA, "TTBR0_EL1"},
	    {REG_VBAR_EL1, A64_VECTORS_GPA, "VBAR_EL1"},
	    {REG_CPACR_EL1, CPACR_FPEN_ALL, "CPACR_EL1"},
	    {REG_SCTLR_EL1, SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_I, "SCTLR_EL1"},
	    {REG_SP_EL1, HEXO_EXC_STACK_TOP, "SP_EL1"},
	    {REG_SP_EL0, vm->layout.stack_top, "SP_EL0"},
	    {REG_X0, HEXO_BOOTINFO_GPA, "X0"},
	    {REG_PC, entry, "PC"},
	    {REG_PSTATE, PSTATE_EL1H | PSTATE_DAIF, "PSTATE"},
	};
	int ret;

	ret = vcpu_arm_init(vm);
	if (ret)
		return ret;
	ret = tcr_value(vm, &regs[1].value);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		ret = set_reg(vm, regs[i].id, regs[i].value, regs[i].name);
		if (ret)
			return ret;
	}
	return 0;
}

int arch__clock_hz(struct hexo_vm *vm, uint64_t *hz)
{
	uint64_t freq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	if (!freq)
		return vm__error(vm, -ENODEV,
		                 "CNTFRQ_EL0 is 0: the firmware did not set the "
		                 "generic timer's frequency");
	*hz = freq;
	return 0;
}

int arch__decode_hypercall(struct hexo_vm *vm, uint64_t *nr, hexo_gpa_t *arg)
{
	const struct kvm_run *run = vm->run;
	uint64_t addr = run->mmio.phys_addr, off = addr - A64_MMIO_PAGE, value;

	if (run->exit_reason == KVM_EXIT_ARM_NISV)
		return vm__error(vm, -EINVAL,
		                 "access to 0x%llx that KVM cannot decode (ESR ISS 0x%llx): a "
		                 "hypercall is one plain 64-bit str to 0x%llx + number * 8, no "
		                 "pair, no pre/post-index",
		                 (unsigned long long)run->arm_nisv.fault_ipa,
		                 (unsigned long long)run->arm_nisv.esr_iss, HEXO_AARCH64_MMIO_BASE);
	if (run->exit_reason != KVM_EXIT_MMIO)
		return 0;
	if (!run->mmio.is_write || run->mmio.len != 8 || addr < A64_MMIO_PAGE ||
	    off >= A64_MMIO_SLOTS * 8 || off % 8)
		return vm__error(vm, -EINVAL,
		                 "MMIO %s of %u bytes at 0x%" PRIx64
		                 " is not a hypercall (a 64-bit "
		                 "store to 0x%llx + number * 8)",
		                 run->mmio.is_write ? "write" : "read", run->mmio.len, addr,
		                 HEXO_AARCH64_MMIO_BASE);
	memcpy(&value, run->mmio.data, sizeof(value));
	*nr = off / 8;
	*arg = value;
	return 1;
}

int arch__vcpu_regs(struct hexo_vm *vm, uint64_t *pc, uint64_t *sp)
{
	uint64_t pstate, sp_el0, sp_el1;
	int ret;

	ret = get_reg(vm, REG_PC, pc);
	if (!ret)
		ret = get_reg(vm, REG_PSTATE, &pstate);
	if (!ret)
		ret = get_reg(vm, REG_SP_EL0, &sp_el0);
	if (!ret)
		ret = get_reg(vm, REG_SP_EL1, &sp_el1);
	if (ret)
		return ret;
	*sp = (pstate & PSTATE_MODE_MASK) == PSTATE_EL1H ? sp_el1 : sp_el0;
	return 0;
}
