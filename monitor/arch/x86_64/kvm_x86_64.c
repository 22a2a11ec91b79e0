// SPDX-License-Identifier: MIT
/*
 * x86-64 on KVM: the vCPU starts with the CPU fully set up, in 64-bit long
 * mode at CPL3, so the guest executes no privileged instruction to boot (on
 * PVM-based KVM hosts, used for nested virtualisation, every CPL0
 * instruction goes through KVM's instruction emulator at ~1 us each, while
 * CPL3 runs natively; on VMX/SVM hosts the state is the same and just as
 * valid). Everything below is the boot protocol of abi.h and
 * docs/design.md "Boot (x86-64)"; the kernel's side is
 * kernel/arch/x86_64/crt0.S.
 *
 *  - Page tables: x86_pagetable__build() from the arch-neutral memory map,
 *    at HEXO_PAGETABLE_GPA, every entry user-accessible (x86_64.h), so CPL3
 *    reaches all of guest memory; CR0.WP, EFER.NXE.
 *  - GDT at HEXO_X86_GDT_GPA: null, 0x08 64-bit code, 0x10 data, 0x18 TSS
 *    (16 bytes), 0x28 64-bit code DPL 3, 0x30 data DPL 3 (the selectors in
 *    kernel/arch/x86_64/x86.h). TSS at HEXO_X86_TSS_GPA with IST1 (and RSP0)
 *    = HEXO_EXC_STACK_TOP and an I/O permission bitmap that opens the
 *    hypercall ports, and only those, to CPL3 (see below). The in-memory
 *    TSS descriptor is "available"; the loaded TR is "busy", as after LTR.
 *  - IDT: the kernel's, at HEXO_X86_IDT_GPA (layout.h; the kernel's linker
 *    script puts it there and checks it), HEXO_X86_IDT_SIZE bytes: 32
 *    interrupt gates on IST1 into kernel/arch/x86_64/exc.S, the only CPL0
 *    code. A fixed address rather than an ELF symbol: no symbol table
 *    needed at run time (stripped images work), nothing to look up.
 *  - CS = 0x2b, SS = DS = ES = FS = GS = 0x33 (DPL 3), RFLAGS = IOPL 3,
 *    interrupts off. PVM ignores RFLAGS.IOPL for `out` at CPL3 but honours
 *    the TSS bitmap, so a CPL3 hypercall exits straight to the monitor; on
 *    VMX/SVM IOPL 3 already allows it. `hlt` at CPL3 traps to exc.S.
 *  - CR0: PE, MP, ET, NE, WP, PG (EM = TS = 0: x87/SSE usable). CR4: PAE,
 *    OSFXSR, OSXMMEXCPT, plus OSXSAVE when CPUID has XSAVE; then XCR0 =
 *    x87 | SSE, plus AVX when CPUID.1:ECX.AVX and leaf 0xD offer it, plus
 *    the three AVX-512 components when AVX512F and leaf 0xD offer them all
 *    (KVM_SET_XCRS). EFER: LME, LMA, NXE. FCW = 0x37f, MXCSR = 0x1f80
 *    (KVM_SET_FPU; both are also KVM's reset values).
 *  - CPUID: what KVM supports. RIP = entry, RSP = stack_top,
 *    RDI = HEXO_BOOTINFO_GPA.
 *
 * Hypercalls: a 4-byte `out` to HEXO_X86_PIO_BASE + nr, the value being the
 * argument struct's address.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <hexo/image.h>
#include <hexo/layout.h>

#include "arch.h"
#include "monitor.h"
#include "x86_64.h"

const struct arch_info arch__info = {
    .name = "x86_64",
    .isa = HEXO_ISA_X86_64,
    .elf_machine = EM_X86_64,
    .pc_name = "RIP",
    .sp_name = "RSP",
    .flags_name = "RFLAGS",
};

#define X86_CR0_PE          (1u << 0)
#define X86_CR0_MP          (1u << 1)
#define X86_CR0_ET          (1u << 4)
#define X86_CR0_NE          (1u << 5)
#define X86_CR0_WP          (1u << 16)
#define X86_CR0_PG          (1u << 31)
#define X86_CR4_PAE         (1u << 5)
#define X86_CR4_OSFXSR      (1u << 9)
#define X86_CR4_OSXMMEXCPT  (1u << 10)
#define X86_CR4_OSXSAVE     (1u << 18)
#define X86_EFER_LME        (1u << 8)
#define X86_EFER_LMA        (1u << 10)
#define X86_EFER_NXE        (1u << 11)
#define X86_RFLAGS_RESERVED (1u << 1)
#define X86_RFLAGS_IOPL3    (3u << 12)

#define XCR0_X87    (1ull << 0)
#define XCR0_SSE    (1ull << 1)
#define XCR0_AVX    (1ull << 2)
#define XCR0_AVX512 (7ull << 5) /* opmask, ZMM0-15 upper halves, ZMM16-31 */

#define FCW_DEFAULT   0x037f /* x87: all exceptions masked, 64-bit precision */
#define MXCSR_DEFAULT 0x1f80 /* SSE: all exceptions masked, round to nearest */

#define GDT_CODE      0x08
#define GDT_DATA      0x10
#define GDT_TSS       0x18 /* 16 bytes */
#define GDT_USER_CODE 0x28
#define GDT_USER_DATA 0x30
#define GDT_SIZE      (GDT_USER_DATA + 8)
#define TSS_SIZE      104 /* the 64-bit TSS proper; the I/O bitmap follows */
#define TSS_IST1      0x24
#define TSS_RSP0      0x04
#define TSS_IOMAP     0x66

#define CPUID_FEATURES      0x1u
#define CPUID_ECX_XSAVE     (1u << 26)
#define CPUID_ECX_AVX       (1u << 28)
#define CPUID_EXT_FEAT_7    0x7u
#define CPUID_EBX_AVX512F   (1u << 16)
#define CPUID_XSTATE        0xdu
#define CPUID_EXT_FEATURES  0x80000001u
#define CPUID_EDX_PDPE1GB   (1u << 26)

#define HC_PORTS 256 /* ports HEXO_X86_PIO_BASE + [0, HC_PORTS) are hexo's */

/* I/O bitmap: one bit per port up to the last hypercall port (0 = allowed),
 * plus the all-ones byte the CPU may read past the last port. */
#define IOMAP_BYTES ((HEXO_X86_PIO_BASE + HC_PORTS) / 8 + 1)
#define TSS_LIMIT   (TSS_SIZE + IOMAP_BYTES - 1)

_Static_assert(HEXO_X86_PIO_BASE % 8 == 0 && HC_PORTS % 8 == 0, "I/O bitmap in whole bytes");
_Static_assert(HEXO_X86_TSS_GPA + TSS_LIMIT + 1 <= HEXO_ARGS_GPA, "TSS overlaps the args");

_Static_assert(HEXO_X86_GDT_GPA + GDT_SIZE <= HEXO_X86_TSS_GPA, "GDT overlaps the TSS");
_Static_assert(HEXO_BOOTINFO_GPA + sizeof(struct hexo_boot_info) <= HEXO_X86_GDT_GPA,
               "boot info overlaps the GDT");

int arch__vm_type(struct hexo_vm *vm, unsigned long *type)
{
	(void)vm;
	*type = 0;
	return 0;
}

static int get_supported_cpuid(struct hexo_vm *vm)
{
	for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			return vm__error(vm, -ENOMEM, "out of memory");
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->arch.cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			break;
	}
	return vm__error(vm, -errno, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
}

/* Leaf fn, subleaf index (0 for leaves without subleaves), or NULL. */
static const struct kvm_cpuid_entry2 *cpuid_leaf(const struct kvm_cpuid2 *c, uint32_t fn,
                                                 uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

static void write_descriptor_tables(struct hexo_vm *vm)
{
	uint64_t *gdt = guest_mem__ptr(&vm->mem, HEXO_X86_GDT_GPA, GDT_SIZE);
	uint8_t *tss = guest_mem__ptr(&vm->mem, HEXO_X86_TSS_GPA, TSS_LIMIT + 1);
	uint64_t exc_stack = HEXO_EXC_STACK_TOP;
	uint16_t iomap = TSS_SIZE; /* the I/O bitmap follows the TSS */

	gdt[0] = 0;
	gdt[GDT_CODE / 8] = gdt_entry(0, 0xfffff, 0x9b, 0xa); /* P, S, code RX accessed; G, L */
	gdt[GDT_DATA / 8] = gdt_entry(0, 0xfffff, 0x93, 0xc); /* P, S, data RW accessed; G, D */
	gdt[GDT_TSS / 8] = gdt_entry(HEXO_X86_TSS_GPA, TSS_LIMIT, 0x89, 0); /* P, 64-bit TSS */
	gdt[GDT_TSS / 8 + 1] = (uint64_t)HEXO_X86_TSS_GPA >> 32;
	gdt[GDT_USER_CODE / 8] = gdt_entry(0, 0xfffff, 0xfb, 0xa); /* as code, DPL 3 */
	gdt[GDT_USER_DATA / 8] = gdt_entry(0, 0xfffff, 0xf3, 0xc); /* as data, DPL 3 */

	memset(tss, 0, TSS_SIZE);
	memcpy(tss + TSS_RSP0, &exc_stack, sizeof(exc_stack));
	memcpy(tss + TSS_IST1, &exc_stack, sizeof(exc_stack));
	memcpy(tss + TSS_IOMAP, &iomap, sizeof(iomap));
	memset(tss + TSS_SIZE, 0xff, IOMAP_BYTES);
	memset(tss + TSS_SIZE + HEXO_X86_PIO_BASE / 8, 0, HC_PORTS / 8);
}

int arch__setup_memory(struct hexo_vm *vm)
{
	const struct kvm_cpuid_entry2 *ext;
	void *area = guest_mem__ptr(&vm->mem, HEXO_PAGETABLE_GPA, HEXO_PAGETABLE_SIZE);
	size_t used;
	char size[32];
	int ret;

	ret = get_supported_cpuid(vm);
	if (ret)
		return ret;
	ext = cpuid_leaf(vm->arch.cpuid, CPUID_EXT_FEATURES, 0);
	vm->arch.gbpages = ext && (ext->edx & CPUID_EDX_PDPE1GB);

	ret = x86_pagetable__build(area, HEXO_PAGETABLE_GPA, HEXO_PAGETABLE_SIZE, &vm->map,
	                           vm->arch.gbpages, &used);
	if (ret)
		return vm__error(vm, ret,
		                 "page tables for %s of guest memory need more than %u KiB%s: use "
		                 "a smaller --mem",
		                 guest_mem__size_str(vm->mem.size, size, sizeof(size)),
		                 HEXO_PAGETABLE_SIZE / 1024,
		                 vm->arch.gbpages ? "" : " (no 1 GiB pages on this CPU)");
	vm->boot->page_table = HEXO_PAGETABLE_GPA;
	write_descriptor_tables(vm);
	return 0;
}

static struct kvm_segment segment(uint16_t selector, uint8_t type, bool code)
{
	return (struct kvm_segment){
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = selector | 3, /* RPL 3 */
	    .type = type,
	    .present = 1,
	    .dpl = 3,
	    .db = code ? 0 : 1,
	    .s = 1,
	    .l = code ? 1 : 0,
	    .g = 1,
	};
}

/*
 * XCR0 for the guest, from the CPUID it is given: x87 and SSE, then AVX and
 * AVX-512 if complete. 0 when there is no XSAVE (CR4.OSXSAVE stays clear).
 */
static uint64_t guest_xcr0(const struct kvm_cpuid2 *c)
{
	const struct kvm_cpuid_entry2 *f = cpuid_leaf(c, CPUID_FEATURES, 0);
	const struct kvm_cpuid_entry2 *x = cpuid_leaf(c, CPUID_XSTATE, 0);
	const struct kvm_cpuid_entry2 *e7 = cpuid_leaf(c, CPUID_EXT_FEAT_7, 0);
	uint64_t xcr0 = XCR0_X87 | XCR0_SSE;
	uint64_t supported;

	if (!f || !(f->ecx & CPUID_ECX_XSAVE))
		return 0;
	if (!x)
		return xcr0;
	supported = x->eax | (uint64_t)x->edx << 32;
	if (!(f->ecx & CPUID_ECX_AVX) || !(supported & XCR0_AVX))
		return xcr0;
	xcr0 |= XCR0_AVX;
	if (e7 && (e7->ebx & CPUID_EBX_AVX512F) && (supported & XCR0_AVX512) == XCR0_AVX512)
		xcr0 |= XCR0_AVX512;
	return xcr0;
}

static int set_sregs(struct hexo_vm *vm, bool osxsave)
{
	struct kvm_sregs sregs;
	struct kvm_segment data = segment(GDT_USER_DATA, 0x3, false);

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return vm__error(vm, -errno, "KVM_GET_SREGS: %s", strerror(errno));
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = HEXO_PAGETABLE_GPA;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (osxsave)
		sregs.cr4 |= X86_CR4_OSXSAVE;
	sregs.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	sregs.cs = segment(GDT_USER_CODE, 0xb, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = (struct kvm_segment){
	    .base = HEXO_X86_TSS_GPA,
	    .limit = TSS_LIMIT,
	    .selector = GDT_TSS,
	    .type = 0xb, /* 64-bit TSS, busy */
	    .present = 1,
	};
	sregs.gdt.base = HEXO_X86_GDT_GPA;
	sregs.gdt.limit = GDT_SIZE - 1;
	sregs.idt.base = HEXO_X86_IDT_GPA;
	sregs.idt.limit = HEXO_X86_IDT_SIZE - 1;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return vm__error(vm, -errno, "KVM_SET_SREGS: %s", strerror(errno));
	return 0;
}

static int set_xcr0(struct hexo_vm *vm, uint64_t xcr0)
{
	struct kvm_xcrs xcrs = {.nr_xcrs = 1, .xcrs[0] = {.xcr = 0, .value = xcr0}};

	if (ioctl(vm->vcpu_fd, KVM_SET_XCRS, &xcrs) < 0)
		return vm__error(vm, -errno, "KVM_SET_XCRS (XCR0 = 0x%" PRIx64 "): %s", xcr0,
		                 strerror(errno));
	return 0;
}

static int set_fpu(struct hexo_vm *vm)
{
	/* All x87 registers empty (abridged tag word 0), as after FNINIT. */
	struct kvm_fpu fpu = {.fcw = FCW_DEFAULT, .mxcsr = MXCSR_DEFAULT};

	if (ioctl(vm->vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return vm__error(vm, -errno, "KVM_SET_FPU: %s", strerror(errno));
	return 0;
}

int arch__vcpu_init(struct hexo_vm *vm, uint64_t entry)
{
	struct kvm_regs regs = {
	    .rip = entry,
	    .rsp = vm->layout.stack_top,
	    .rdi = HEXO_BOOTINFO_GPA,
	    .rflags = X86_RFLAGS_RESERVED | X86_RFLAGS_IOPL3,
	};
	uint64_t xcr0 = guest_xcr0(vm->arch.cpuid);
	int ret;

	/* CPUID first: KVM accepts CR4.OSXSAVE and XCR0 bits only as it allows. */
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, vm->arch.cpuid) < 0)
		return vm__error(vm, -errno, "KVM_SET_CPUID2: %s", strerror(errno));
	ret = set_sregs(vm, xcr0 != 0);
	if (!ret && xcr0)
		ret = set_xcr0(vm, xcr0);
	if (!ret)
		ret = set_fpu(vm);
	if (ret)
		return ret;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return vm__error(vm, -errno, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

int arch__clock_hz(struct hexo_vm *vm, uint64_t *hz)
{
	int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);

	if (khz <= 0)
		return vm__error(vm, -errno, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	*hz = (uint64_t)khz * 1000;
	return 0;
}

int arch__decode_hypercall(struct hexo_vm *vm, uint64_t *nr, hexo_gpa_t *arg)
{
	const struct kvm_run *run = vm->run;
	uint32_t value;

	if (run->exit_reason != KVM_EXIT_IO)
		return 0;
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1 ||
	    run->io.port < HEXO_X86_PIO_BASE || run->io.port >= HEXO_X86_PIO_BASE + HC_PORTS)
		return vm__error(vm, -EINVAL,
		                 "port I/O %s of %u x %u bytes at port 0x%x is not a hypercall "
		                 "(a 4-byte out to port 0x%x + number)",
		                 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.count,
		                 run->io.size, run->io.port, HEXO_X86_PIO_BASE);
	memcpy(&value, (const uint8_t *)run + run->io.data_offset, sizeof(value));
	*nr = run->io.port - HEXO_X86_PIO_BASE;
	*arg = value;
	return 1;
}

int arch__vcpu_regs(struct hexo_vm *vm, uint64_t *pc, uint64_t *sp)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	*pc = regs.rip;
	*sp = regs.rsp;
	return 0;
}

static const char *const vector_names[32] = {
    [0] = "#DE (divide error)",
    [1] = "#DB (debug)",
    [2] = "NMI",
    [3] = "#BP (breakpoint)",
    [4] = "#OF (overflow)",
    [5] = "#BR (bound range exceeded)",
    [6] = "#UD (invalid opcode)",
    [7] = "#NM (device not available)",
    [8] = "#DF (double fault)",
    [9] = "coprocessor segment overrun",
    [10] = "#TS (invalid TSS)",
    [11] = "#NP (segment not present)",
    [12] = "#SS (stack-segment fault)",
    [13] = "#GP (general protection)",
    [14] = "#PF (page fault)",
    [16] = "#MF (x87 floating-point error)",
    [17] = "#AC (alignment check)",
    [18] = "#MC (machine check)",
    [19] = "#XM (SIMD floating-point exception)",
    [20] = "#VE (virtualization exception)",
    [21] = "#CP (control protection)",
    [28] = "#HV (hypervisor injection)",
    [29] = "#VC (VMM communication)",
    [30] = "#SX (security exception)",
};

static void describe_pf(uint64_t ec, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64 " (%s, %s%s%s)", ec,
	         (ec & 0x10)  ? "instruction fetch"
	         : (ec & 0x2) ? "write"
	                      : "read",
	         (ec & 0x1) ? "protection violation" : "page not present",
	         (ec & 0x8) ? ", reserved bit set" : "", (ec & 0x20) ? ", protection key" : "");
}

/* Vectors that push an error code. */
static bool has_error_code(uint32_t vector)
{
	switch (vector) {
	case 8:
	case 10:
	case 11:
	case 12:
	case 13:
	case 14:
	case 17:
	case 21:
	case 29:
	case 30:
		return true;
	default:
		return false;
	}
}

void arch__describe_fault(const struct hexo_hc_fault *f, struct arch_fault_text *t)
{
	uint32_t kind = f->kind & ~HEXO_FAULT_STACK_OVERFLOW;

	t->error[0] = '\0';
	t->has_addr = false;
	if (kind != HEXO_FAULT_X86_VECTOR) {
		snprintf(t->name, sizeof(t->name), "fault kind %u, vector %u", kind, f->vector);
		snprintf(t->error, sizeof(t->error), "0x%" PRIx64, f->error_code);
		t->has_addr = true;
		return;
	}
	if (f->vector < 32 && vector_names[f->vector])
		snprintf(t->name, sizeof(t->name), "%s", vector_names[f->vector]);
	else
		snprintf(t->name, sizeof(t->name), "exception vector %u", f->vector);
	if (f->vector == 14) {
		describe_pf(f->error_code, t->error, sizeof(t->error));
		t->has_addr = true;
	} else if (f->vector < 32 && has_error_code(f->vector)) {
		snprintf(t->error, sizeof(t->error), "0x%" PRIx64, f->error_code);
	}
}
