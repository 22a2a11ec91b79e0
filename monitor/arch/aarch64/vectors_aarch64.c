// SPDX-License-Identifier: MIT
/*
 * Fallback exception vectors, copied to A64_VECTORS_GPA (aarch64.h) and
 * installed in VBAR_EL1 before the guest starts. The kernel replaces them
 * with its own table at its first instructions; until then, any exception
 * ends the job with a crash report instead of looping forever at the reset
 * value VBAR_EL1 = 0 (page 0 is unmapped, so every fetch there faults again).
 *
 * All 16 vectors branch to one handler that fills a struct hexo_hc_fault
 * just below the top of the exception stack (registers only, no stack) and
 * issues HEXO_HC_FAULT with one plain 64-bit store. Position-independent:
 * only relative branches and absolute constants.
 */
#include <hexo/abi.h>
#include <hexo/layout.h>

#include "aarch64.h"

#define STR(x)  #x
#define XSTR(x) STR(x)

_Static_assert(HEXO_HC_FAULT == 2, "the handler below stores to slot 2");
_Static_assert(HEXO_FAULT_AARCH64_EC == 2, "the handler below sets kind 2");
_Static_assert(A64_VECTORS_FAULT_GPA < (1u << 32), "two 16-bit halves");
_Static_assert(HEXO_AARCH64_MMIO_BASE == 0x80ull << 32, "movz #0x80, lsl #32");
_Static_assert(A64_VECTORS_GPA % 2048 == 0, "VBAR_EL1 needs 2 KiB alignment");

/* clang-format off */
__asm__(".pushsection .rodata.a64_early_vectors, \"a\"\n"
        ".balign 2048\n"
        ".global a64_early_vectors\n"
        "a64_early_vectors:\n"
        ".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        "	.org a64_early_vectors + \\n * 0x80\n"
        "	b 1f\n"
        ".endr\n"
        ".org a64_early_vectors + 0x800\n"
        "1:	movz x1, #(" XSTR(A64_VECTORS_FAULT_GPA) ") & 0xffff\n"
        "	movk x1, #(" XSTR(A64_VECTORS_FAULT_GPA) ") >> 16, lsl #16\n"
        "	mov w2, #2\n"             /* kind = HEXO_FAULT_AARCH64_EC */
        "	mrs x3, esr_el1\n"
        "	ubfx x4, x3, #26, #6\n"   /* vector = EC */
        "	stp w2, w4, [x1]\n"
        "	mrs x5, elr_el1\n"        /* pc */
        "	mrs x6, far_el1\n"        /* addr */
        "	stp x5, x6, [x1, #8]\n"
        "	mrs x7, spsr_el1\n"       /* flags */
        "	mov x5, sp\n"             /* sp: SP_EL1 if the fault came from EL1h, */
        "	tbnz x7, #0, 2f\n"
        "	mrs x5, sp_el0\n"         /* else SP_EL0 */
        "2:	stp x3, x5, [x1, #24]\n"  /* error_code = ESR, sp */
        "	str x7, [x1, #40]\n"
        "	movz x8, #0x80, lsl #32\n"
        "	str x1, [x8, #16]\n"      /* HEXO_HC_FAULT: the monitor stops the guest */
        "3:	b 3b\n"
        ".global a64_early_vectors_end\n"
        "a64_early_vectors_end:\n"
        ".popsection\n");
/* clang-format on */
