// SPDX-License-Identifier: MIT
/*
 * Crash reports: the guest stopped in a way it did not choose. Printed to
 * stderr; the job ends with HEXO_EXIT_CRASH (139).
 */
#include <inttypes.h>
#include <stdio.h>

#include <hexo/layout.h>

#include "arch.h"
#include "monitor.h"

static bool in_page(uint64_t addr, uint64_t page)
{
	return addr >= page && addr - page < HEXO_PAGE_SIZE;
}

/* Which guard page, if any, addr falls in. */
static const char *guard_page(const struct hexo_vm *vm, uint64_t addr)
{
	if (in_page(addr, vm->layout.heap_limit))
		return "stack overflow: the address is in the guard page below the stack";
	if (in_page(addr, HEXO_EXC_STACK_GUARD))
		return "exception stack overflow: the address is in the guard page below it";
	if (in_page(addr, 0))
		return "NULL pointer dereference: the address is in page 0";
	return NULL;
}

int crash__fault(struct hexo_vm *vm, const struct hexo_hc_fault *f)
{
	const struct arch_info *ai = &arch__info;
	struct arch_fault_text t;
	const char *guard;
	bool overflow;

	vm->crashed = true;
	arch__describe_fault(f, &t);
	guard = t.has_addr ? guard_page(vm, f->addr) : NULL;
	overflow = (f->kind & HEXO_FAULT_STACK_OVERFLOW) ||
	           (t.has_addr && in_page(f->addr, vm->layout.heap_limit));
	fprintf(stderr, "hexo: guest crashed: %s%s at %s 0x%016" PRIx64 "\n",
	        overflow ? "stack overflow: " : "", t.name, ai->pc_name, f->pc);
	if (t.has_addr)
		fprintf(stderr, "  %-14s 0x%016" PRIx64 "\n", "fault address", f->addr);
	if (t.error[0])
		fprintf(stderr, "  %-14s %s\n", "error code", t.error);
	fprintf(stderr, "  %-14s 0x%016" PRIx64 "\n", ai->sp_name, f->sp);
	fprintf(stderr, "  %-14s 0x%016" PRIx64 "\n", ai->flags_name, f->flags);
	if (guard)
		fprintf(stderr, "  %s\n", guard);
	else if (overflow)
		fprintf(stderr, "  the guest kernel reports a stack overflow\n");
	return HEXO_EXIT_CRASH;
}

int crash__vcpu(struct hexo_vm *vm, const char *what)
{
	const struct arch_info *ai = &arch__info;
	uint64_t pc, sp;
	const char *guard;

	vm->crashed = true;
	if (arch__vcpu_regs(vm, &pc, &sp)) {
		fprintf(stderr, "hexo: guest crashed: %s (registers unavailable)\n", what);
		return HEXO_EXIT_CRASH;
	}
	fprintf(stderr, "hexo: guest crashed: %s at %s 0x%016" PRIx64 "\n", what, ai->pc_name, pc);
	fprintf(stderr, "  %-14s 0x%016" PRIx64 "\n", ai->sp_name, sp);
	guard = in_page(sp, 0) ? NULL : guard_page(vm, sp);
	if (guard)
		fprintf(stderr, "  %s (%s)\n", guard, ai->sp_name);
	return HEXO_EXIT_CRASH;
}
