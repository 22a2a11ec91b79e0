// SPDX-License-Identifier: MIT
/*
 * The x86-64 side of an unhandled exception: the frame exc.S built becomes a
 * struct hexo_hc_fault for kernel_fault(). Runs in the program's context
 * (CPL3 or CPL0), on the exception stack.
 */
#include <stdint.h>

#include <hexo/abi.h>

#include "kernel.h"
#include "x86.h"

_Noreturn void x86_exception(const struct x86_exc_frame *f)
{
	struct hexo_hc_fault fault = {
	    .kind = HEXO_FAULT_X86_VECTOR,
	    .vector = (uint32_t)f->vector,
	    .pc = f->rip,
	    .addr = f->vector == X86_VEC_PF ? f->cr2 : 0,
	    .error_code = f->error_code,
	    .sp = f->rsp,
	    .flags = f->rflags,
	};

	kernel_fault(&fault);
}
