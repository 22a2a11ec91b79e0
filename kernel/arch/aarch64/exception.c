// SPDX-License-Identifier: MIT
/*
 * The aarch64 side of an unhandled exception: what vectors.S read at entry
 * becomes a struct hexo_hc_fault for kernel_fault(). Runs at EL1 on the
 * exception stack (SP_EL1).
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "aarch64.h"
#include "kernel.h"

/* Whether FAR_EL1 holds the fault address for this syndrome. */
static int far_valid(uint32_t ec, uint64_t esr)
{
	switch (ec) {
	case AARCH64_EC_IABT_LOW:
	case AARCH64_EC_IABT_CUR:
	case AARCH64_EC_DABT_LOW:
	case AARCH64_EC_DABT_CUR:
		return !(esr & AARCH64_ESR_FNV);
	case AARCH64_EC_PC_ALIGN:
	case AARCH64_EC_WATCH_LOW:
	case AARCH64_EC_WATCH_CUR:
		return 1;
	default:
		return 0;
	}
}

_Noreturn void aarch64_exception(uint64_t vec, uint64_t esr, uint64_t elr, uint64_t far,
                                 uint64_t spsr, uint64_t sp)
{
	uint64_t type = vec % 4;
	uint32_t ec = (uint32_t)(esr >> AARCH64_ESR_EC_SHIFT) & AARCH64_ESR_EC_MASK;
	struct hexo_hc_fault fault = {
	    .kind = HEXO_FAULT_AARCH64_EC,
	    .vector = ec,
	    .pc = elr,
	    .addr = far_valid(ec, esr) ? far : 0,
	    .error_code = esr,
	    .sp = sp,
	    .flags = spsr,
	};

	/* IRQ and FIQ leave ESR_EL1 alone: it holds nothing about them. */
	if (type == AARCH64_VEC_IRQ || type == AARCH64_VEC_FIQ) {
		fault.vector =
		    type == AARCH64_VEC_IRQ ? HEXO_AARCH64_FAULT_IRQ : HEXO_AARCH64_FAULT_FIQ;
		fault.addr = 0;
		fault.error_code = 0;
	}
	kernel_fault(&fault);
}
