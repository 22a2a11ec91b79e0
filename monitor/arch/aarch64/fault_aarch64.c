// SPDX-License-Identifier: MIT
/*
 * Crash report text for an aarch64 guest fault: the exception class of
 * ESR_EL1 by name and, for aborts, what the fault status code says (Arm ARM
 * D17.2.37, ESR_ELx). Pure logic, unit-tested.
 */
#include <inttypes.h>
#include <stdio.h>

#include "aarch64.h"
#include "arch.h"

static const char *const ec_names[64] = {
    [A64_EC_UNKNOWN] = "undefined instruction (unknown reason)",
    [A64_EC_WFX] = "WFI/WFE trapped",
    [A64_EC_FP_ACCESS] = "FP/SIMD access trapped (CPACR_EL1.FPEN)",
    [A64_EC_BTI] = "branch target exception",
    [A64_EC_ILLEGAL] = "illegal execution state",
    [A64_EC_SVC64] = "SVC instruction (system call)",
    [A64_EC_HVC64] = "HVC instruction",
    [A64_EC_SMC64] = "SMC instruction",
    [A64_EC_SYSREG] = "system register access trapped (MSR/MRS/SYS)",
    [A64_EC_SVE] = "SVE access trapped",
    [A64_EC_FPAC] = "pointer authentication failure",
    [A64_EC_IABT_LOW] = "instruction abort from EL0",
    [A64_EC_IABT_CUR] = "instruction abort",
    [A64_EC_PC_ALIGN] = "PC alignment fault",
    [A64_EC_DABT_LOW] = "data abort from EL0",
    [A64_EC_DABT_CUR] = "data abort",
    [A64_EC_SP_ALIGN] = "SP alignment fault",
    [A64_EC_FP_EXC64] = "floating-point exception",
    [A64_EC_SERROR] = "SError interrupt",
    [A64_EC_BREAKPT_LOW] = "breakpoint from EL0",
    [A64_EC_BREAKPT_CUR] = "breakpoint",
    [A64_EC_SOFTSTP_LOW] = "software step from EL0",
    [A64_EC_SOFTSTP_CUR] = "software step",
    [A64_EC_WATCHPT_LOW] = "watchpoint from EL0",
    [A64_EC_WATCHPT_CUR] = "watchpoint",
};

static bool is_abort(uint32_t ec)
{
	return ec == A64_EC_IABT_LOW || ec == A64_EC_IABT_CUR || ec == A64_EC_DABT_LOW ||
	       ec == A64_EC_DABT_CUR;
}

static bool is_data_abort(uint32_t ec)
{
	return ec == A64_EC_DABT_LOW || ec == A64_EC_DABT_CUR;
}

/* Faults about the translation tables (the aarch64 "page faults"). */
static bool is_mmu_fault(uint32_t fsc)
{
	return (fsc >= 0x04 && fsc <= 0x0f); /* translation, access flag, permission */
}

/* What a data/instruction fault status code (DFSC/IFSC) means. */
static void fsc_text(uint32_t fsc, char *buf, size_t len)
{
	unsigned level = fsc & 3;

	switch (fsc >> 2) {
	case 0x0:
		snprintf(buf, len, "address size fault at level %u", level);
		return;
	case 0x1:
		snprintf(buf, len, "translation fault at level %u: address not mapped", level);
		return;
	case 0x2:
		snprintf(buf, len, "access flag fault at level %u", level);
		return;
	case 0x3:
		snprintf(buf, len, "permission fault (protection violation) at level %u", level);
		return;
	case 0x5:
		snprintf(buf, len, "external abort on translation table walk at level %u", level);
		return;
	}
	switch (fsc) {
	case 0x10:
		snprintf(buf, len, "synchronous external abort");
		return;
	case 0x11:
		snprintf(buf, len, "tag check fault");
		return;
	case 0x21:
		snprintf(buf, len, "alignment fault");
		return;
	case 0x30:
		snprintf(buf, len, "TLB conflict abort");
		return;
	case 0x31:
		snprintf(buf, len, "unsupported atomic hardware update");
		return;
	case 0x35:
		snprintf(buf, len, "unsupported exclusive or atomic access");
		return;
	default:
		snprintf(buf, len, "fault status code 0x%02x", fsc);
		return;
	}
}

static void describe_abort(uint32_t ec, uint64_t esr, char *buf, size_t len)
{
	uint32_t iss = A64_ESR_ISS(esr);
	char what[96];
	const char *access;

	fsc_text(A64_ISS_FSC(iss), what, sizeof(what));
	if (!is_data_abort(ec))
		access = "instruction fetch";
	else if (iss & A64_ISS_CM)
		access = "cache maintenance";
	else
		access = (iss & A64_ISS_WNR) ? "write" : "read";
	snprintf(buf, len, "ESR 0x%08" PRIx64 " (%s, %s%s%s)", esr, access, what,
	         (iss & A64_ISS_S1PTW) ? ", on a translation table walk" : "",
	         (iss & A64_ISS_FNV) ? ", fault address not valid" : "");
}

/*
 * BRK comments worth a name: clang's __builtin_trap() and its
 * -fsanitize-trap checks (0x5500 + the check's number; hexocc traps integer
 * division by zero on aarch64 this way, as x86-64 raises #DE).
 */
static const char *brk_text(uint32_t comment)
{
	switch (comment) {
	case 0x1:   /* clang */
	case 0x3e8: /* gcc */
		return "trap: __builtin_trap()";
	case 0x5503:
		return "integer divide by zero or overflow (-fsanitize-trap)";
	default:
		return (comment & 0xff00) == 0x5500 ? "undefined-behaviour check (-fsanitize-trap)"
		                                    : NULL;
	}
}

static void describe_brk(uint64_t esr, struct arch_fault_text *t)
{
	uint32_t comment = A64_ESR_ISS(esr) & 0xffff;
	const char *what = brk_text(comment);

	if (what)
		snprintf(t->name, sizeof(t->name), "BRK instruction (%s)", what);
	else
		snprintf(t->name, sizeof(t->name), "BRK instruction (breakpoint)");
	snprintf(t->error, sizeof(t->error), "ESR 0x%08" PRIx64 " (brk #0x%x)", esr, comment);
}

void arch__describe_fault(const struct hexo_hc_fault *f, struct arch_fault_text *t)
{
	uint32_t kind = f->kind & ~HEXO_FAULT_STACK_OVERFLOW;
	uint32_t ec = f->vector;
	uint32_t iss = A64_ESR_ISS(f->error_code);

	t->error[0] = '\0';
	t->has_addr = false;
	if (kind != HEXO_FAULT_AARCH64_EC) {
		snprintf(t->name, sizeof(t->name), "fault kind %u, vector %u", kind, f->vector);
		snprintf(t->error, sizeof(t->error), "0x%" PRIx64, f->error_code);
		t->has_addr = true;
		return;
	}
	if (ec == HEXO_AARCH64_FAULT_IRQ || ec == HEXO_AARCH64_FAULT_FIQ) {
		snprintf(t->name, sizeof(t->name), "unexpected %s (interrupts are masked)",
		         ec == HEXO_AARCH64_FAULT_IRQ ? "IRQ" : "FIQ");
		return;
	}
	if (ec == A64_EC_BRK64) {
		describe_brk(f->error_code, t);
		return;
	}
	if (ec < 64 && ec_names[ec])
		snprintf(t->name, sizeof(t->name), "%s%s", ec_names[ec],
		         is_abort(ec) && is_mmu_fault(A64_ISS_FSC(iss)) ? " (page fault)" : "");
	else
		snprintf(t->name, sizeof(t->name), "exception class 0x%02x", ec);

	if (is_abort(ec)) {
		describe_abort(ec, f->error_code, t->error, sizeof(t->error));
		t->has_addr = !(iss & A64_ISS_FNV);
	} else {
		snprintf(t->error, sizeof(t->error), "ESR 0x%08" PRIx64, f->error_code);
		/* FAR_EL1 holds the faulting address for these. */
		t->has_addr =
		    ec == A64_EC_PC_ALIGN || ec == A64_EC_WATCHPT_LOW || ec == A64_EC_WATCHPT_CUR;
	}
}
