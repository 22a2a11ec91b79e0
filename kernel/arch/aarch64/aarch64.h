/* SPDX-License-Identifier: MIT */
/*
 * aarch64 definitions shared by the entry code, the exception vectors and the
 * C side of kernel/arch/aarch64. The constants are usable from assembly.
 */
#ifndef HEXO_KERNEL_AARCH64_H
#define HEXO_KERNEL_AARCH64_H

/* CPACR_EL1.FPEN = 0b11: FP/SIMD instructions do not trap at EL1 or EL0. */
#define AARCH64_CPACR_FPEN (3 << 20)

/*
 * The vector table (vectors.S): 16 entries of 128 bytes, in four groups of
 * four (synchronous, IRQ, FIQ, SError): taken from the current EL on SP_EL0,
 * from the current EL on SP_ELx, from a lower EL in AArch64, in AArch32.
 * VBAR_EL1 needs the table 2 KiB aligned.
 */
#define AARCH64_VEC_ENTRY_SIZE 128
#define AARCH64_VEC_ALIGN      2048
#define AARCH64_VEC_SYNC       0
#define AARCH64_VEC_IRQ        1
#define AARCH64_VEC_FIQ        2
#define AARCH64_VEC_SERROR     3

/* ESR_ELx: exception class and the bits of its syndrome used here. */
#define AARCH64_ESR_EC_SHIFT 26
#define AARCH64_ESR_EC_MASK  0x3f
#define AARCH64_ESR_FNV      (1 << 10) /* aborts: FAR is not valid */

#define AARCH64_EC_IABT_LOW  0x20 /* instruction abort from a lower EL */
#define AARCH64_EC_IABT_CUR  0x21 /* instruction abort, same EL */
#define AARCH64_EC_PC_ALIGN  0x22 /* misaligned PC (FAR = the PC) */
#define AARCH64_EC_DABT_LOW  0x24 /* data abort from a lower EL */
#define AARCH64_EC_DABT_CUR  0x25 /* data abort, same EL */
#define AARCH64_EC_WATCH_LOW 0x34 /* watchpoint from a lower EL */
#define AARCH64_EC_WATCH_CUR 0x35 /* watchpoint, same EL */

/* struct hexo_boot_info offsets (include/hexo/abi.h), for crt0.S. */
#define AARCH64_BI_MAGIC     0
#define AARCH64_BI_STACK_TOP 32
#define AARCH64_BOOT_MAGIC   0x6f786568 /* HEXO_BOOT_MAGIC */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include <hexo/abi.h>

_Static_assert(offsetof(struct hexo_boot_info, magic) == AARCH64_BI_MAGIC, "crt0.S offsets");
_Static_assert(offsetof(struct hexo_boot_info, stack_top) == AARCH64_BI_STACK_TOP,
               "crt0.S offsets");
_Static_assert(AARCH64_BOOT_MAGIC == HEXO_BOOT_MAGIC, "crt0.S magic");

/*
 * Entered from vectors.S on the exception stack with the vector number
 * (0-15, entry offset / 128) and the syndrome registers as read at entry.
 */
_Noreturn void aarch64_exception(uint64_t vec, uint64_t esr, uint64_t elr, uint64_t far,
                                 uint64_t spsr, uint64_t sp);
#endif /* __ASSEMBLER__ */

#endif /* HEXO_KERNEL_AARCH64_H */
