// SPDX-License-Identifier: MIT
/*
 * CPU set-up at CPL0, called once by _start before any other C code.
 *
 * Built with -mgeneral-regs-only and kept short: KVM hosts that run a
 * guest's supervisor code by instruction emulation (PVM, used for nested
 * virtualisation) execute every instruction here in the emulator, which has
 * no x87/SSE arithmetic and costs about a microsecond per instruction. Code at
 * CPL3 runs natively on such hosts, so the program is run there whenever the
 * monitor mapped memory user-accessible; on other hosts CPL3 costs nothing
 * (RFLAGS.IOPL = 3 lets the hypercall `outl` run directly).
 *
 * What is left for CPL0 afterwards is in exc.S: exception entry, and the
 * privileged instructions the kernel issues at CPL3 where IOPL is not
 * honoured (`outl` for hypercalls, `hlt`).
 */
#include <stdint.h>

#include <hexo/abi.h>
#include <hexo/layout.h>

#include "x86.h"

#define CPUID_1_ECX_XSAVE   (1u << 26)
#define CPUID_1_ECX_AVX     (1u << 28)
#define CPUID_7_EBX_AVX512F (1u << 16)

#define XCR0_X87    (1ull << 0)
#define XCR0_SSE    (1ull << 1)
#define XCR0_AVX    (1ull << 2)
#define XCR0_AVX512 (7ull << 5) /* opmask, ZMM0-15 upper halves, ZMM16-31 */

#define PTE_P    (1ull << 0)
#define PTE_US   (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

/* Flat 64-bit segments, accessed bit preset so the CPU never writes the GDT. */
#define GDT_KCODE 0x00af9b000000ffffull
#define GDT_KDATA 0x00cf93000000ffffull
#define GDT_UCODE 0x00affb000000ffffull
#define GDT_UDATA 0x00cff3000000ffffull
/* The monitor's TSS (busy: it is loaded in TR), 104 bytes. */
#define GDT_TSS_LO                                                                                 \
	(0x67ull | (uint64_t)(HEXO_X86_TSS_GPA & 0xffffff) << 16 | 0x8bull << 40 |                 \
	 (uint64_t)((HEXO_X86_TSS_GPA >> 24) & 0xff) << 56)
#define GDT_TSS_HI ((uint64_t)HEXO_X86_TSS_GPA >> 32)

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct desc_ptr) == 10, "GDTR/IDTR layout");

static uint64_t gdt[] __attribute__((aligned(16))) = {
    0, GDT_KCODE, GDT_KDATA, GDT_TSS_LO, GDT_TSS_HI, GDT_UCODE, GDT_UDATA,
};
_Static_assert(X86_SEL_KCODE == 1 * 8 && X86_SEL_KDATA == 2 * 8 && X86_SEL_TSS == 3 * 8,
               "GDT layout: kernel selectors as in the monitor's GDT");
_Static_assert((X86_SEL_UCODE & ~3) == 5 * 8 && (X86_SEL_UDATA & ~3) == 6 * 8,
               "GDT layout: user selectors");

/* 16-byte gates for vectors 0-31, made by the linker script. */
extern const uint64_t x86_idt[2 * X86_NR_EXC];

struct x86_run_ctx x86_run;

static uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* SSE: x87 present (EM=0), WAIT honours TS (MP=1), no lazy FPU (TS=0),
 * native x87 errors (NE=1), read-only pages enforced at CPL0 too (WP=1). */
static void sse_enable(void)
{
	uint64_t cr0 = read_cr0();

	cr0 &= ~(uint64_t)(X86_CR0_EM | X86_CR0_TS);
	write_cr0(cr0 | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
}

/* The XCR0 bits to enable: x87 and SSE, then AVX and AVX-512 if complete. */
static uint64_t xcr0_wanted(uint32_t max_leaf, uint32_t ecx1)
{
	uint64_t xcr0 = XCR0_X87 | XCR0_SSE;
	struct x86_cpuid d;
	uint64_t supported;

	if (max_leaf < 0xd)
		return xcr0;
	d = x86_cpuid(0xd, 0);
	supported = d.eax | (uint64_t)d.edx << 32;
	if (!(ecx1 & CPUID_1_ECX_AVX) || !(supported & XCR0_AVX))
		return xcr0;
	xcr0 |= XCR0_AVX;
	if (max_leaf >= 7 && (x86_cpuid(7, 0).ebx & CPUID_7_EBX_AVX512F) &&
	    (supported & XCR0_AVX512) == XCR0_AVX512)
		xcr0 |= XCR0_AVX512;
	return xcr0;
}

static void xsave_enable(void)
{
	uint32_t max_leaf = x86_cpuid(0, 0).eax;
	uint32_t ecx1 = x86_cpuid(1, 0).ecx;
	uint64_t xcr0;

	if (!(ecx1 & CPUID_1_ECX_XSAVE))
		return;
	write_cr4(read_cr4() | X86_CR4_OSXSAVE);
	xcr0 = xcr0_wanted(max_leaf, ecx1);
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
}

static void gdt_load(void)
{
	struct desc_ptr gdtr = {.limit = sizeof(gdt) - 1, .base = (uint64_t)(uintptr_t)gdt};

	/* Same selectors and descriptors for CS, SS and TR: nothing to reload. */
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
}

static void idt_load(void)
{
	struct desc_ptr idtr = {.limit = sizeof(x86_idt) - 1, .base = (uint64_t)(uintptr_t)x86_idt};

	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

/* Whether CPL3 may access `va`: every level of its translation has U/S set. */
static int user_accessible(uint64_t va)
{
	uint64_t table = read_cr3() & PTE_ADDR;

	for (int level = 4; level >= 1; level--) {
		unsigned int index = (unsigned int)(va >> (12 + 9 * (level - 1))) & 511;
		uint64_t e = ((const volatile uint64_t *)(uintptr_t)table)[index];

		if ((e & (PTE_P | PTE_US)) != (PTE_P | PTE_US))
			return 0;
		if (level == 1 || (e & PTE_PS))
			return 1;
		table = e & PTE_ADDR;
	}
	return 0;
}

/*
 * CPL3 needs memory mapped user-accessible, which a monitor does for all of
 * it or none: sample the kernel, the exception stack and the stack (each
 * walk is emulated on PVM hosts, so no more than that).
 */
static int can_run_cpl3(const struct hexo_boot_info *bi)
{
	return user_accessible((uint64_t)(uintptr_t)&x86_cpl0_init) &&
	       user_accessible(HEXO_EXC_STACK_TOP - 8) && user_accessible(bi->stack_top - 8);
}

void x86_cpl0_init(const struct hexo_boot_info *bi)
{
	/* Faults from here on are reported from CPL0 until the switch. */
	x86_run = (struct x86_run_ctx){X86_SEL_KCODE, X86_SEL_KDATA, X86_RFLAGS_FIXED};
	gdt_load();
	idt_load();
	sse_enable();
	xsave_enable();
	if (can_run_cpl3(bi))
		x86_run = (struct x86_run_ctx){X86_SEL_UCODE, X86_SEL_UDATA,
		                               X86_RFLAGS_FIXED | X86_RFLAGS_IOPL3};
}
