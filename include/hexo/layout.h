/* SPDX-License-Identifier: MIT */
/*
 * hexo guest memory map. Guest memory is identity-mapped (virtual address =
 * guest-physical address) on every ISA, so the monitor can read or fill any
 * page without walking page tables. Used by the kernel, the monitor, hexocc's
 * linker scripts (through the C preprocessor) and the layout tool.
 *
 *   0x0000_0000  guard page, never mapped (NULL dereferences fault)
 *   0x0000_1000  struct hexo_boot_info (abi.h), then the x86-64 GDT and TSS
 *   0x0001_0000  argv / envp block (strings and pointer arrays)
 *   0x0004_0000  page tables built by the monitor
 *   0x000f_0000  guard page below the exception stack
 *   0x000f_1000  exception stack (x86-64 IST1 / aarch64 SP_EL1 for faults)
 *   0x0010_0000  kernel image: text, rodata, data, bss (never migrated);
 *                x86-64: it opens with the IDT (HEXO_X86_IDT_GPA)
 *   0x0100_0000  app image: text, rodata, data, bss (common to both ISAs)
 *   heap_start   heap, from the first page after the app image, growing up
 *   heap_limit   guard page (unmapped)
 *   stack        stack_size bytes ending at mem_size (stack_top)
 *
 * Only lines that can be read by an assembler or linker-script preprocessor
 * belong here: plain #defines of integer constants.
 */
#ifndef HEXO_LAYOUT_H
#define HEXO_LAYOUT_H

#define HEXO_PAGE_SIZE 0x1000
#define HEXO_BOOTINFO_GPA 0x1000
#define HEXO_X86_GDT_GPA 0x2000
#define HEXO_X86_TSS_GPA 0x3000
#define HEXO_ARGS_GPA 0x10000
#define HEXO_ARGS_SIZE 0x30000
#define HEXO_PAGETABLE_GPA 0x40000
#define HEXO_PAGETABLE_SIZE 0xb0000
#define HEXO_EXC_STACK_GUARD 0xf0000
#define HEXO_EXC_STACK_TOP 0x100000
#define HEXO_KERNEL_BASE 0x100000
/*
 * x86-64: the kernel's IDT (32 gates of 16 bytes, exceptions only), the
 * first bytes of its image. The linker script puts it there and asserts it;
 * the monitor loads IDTR with it before the first instruction.
 */
#define HEXO_X86_IDT_GPA 0x100000
#define HEXO_X86_IDT_SIZE 0x200
#define HEXO_KERNEL_LIMIT 0x1000000
#define HEXO_APP_BASE 0x1000000
/* The shadow stack right after the app image (docs/layout.md). */
#define HEXO_SHADOW_STACK_SIZE 0x400000 /* 4 MiB */

/* Smallest and largest guest memory the monitor accepts. */
#define HEXO_MEM_MIN 0x2000000         /* 32 MiB */
#define HEXO_MEM_MAX 0x4000000000      /* 256 GiB */
#define HEXO_MEM_DEFAULT 0x20000000    /* 512 MiB */
#define HEXO_STACK_DEFAULT 0x800000    /* 8 MiB */

#endif /* HEXO_LAYOUT_H */
