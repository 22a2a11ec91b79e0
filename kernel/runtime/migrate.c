// SPDX-License-Identifier: MIT
/*
 * Migration points and frame records (docs/migration.md, "The state
 * machine" and "Frame records"). Instrumented code tests the request flag
 * in the boot info page inline and calls __hexo_migrate_point() only when
 * it is set; during an unwind each instrumented frame pushes one record,
 * during a rewind pops it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hexo/abi.h>
#include <hexo/migrate.h>

#include "arch.h"
#include "hypercall.h"
#include "kernel.h"
#include "runtime.h"

/* The shadow stack (hexo.ld): one address range on every ISA. */
extern char __hexo_shadow_stack_start[], __hexo_shadow_stack_end[];

volatile uint32_t __hexo_mig_state;
char *__hexo_shadow_sp = __hexo_shadow_stack_end;
char *__hexo_shadow_limit = __hexo_shadow_stack_start;
/* Not 0 while no root is on the stack (constructors, atexit handlers) or a
 * non-instrumented function is (a libc callback): requests wait. */
uint32_t __hexo_uninstr_depth = 1;
/* Migration points passed in the job's life (abi.h, boot_info.points). */
volatile uint64_t __hexo_points;

struct rt_state rt;

struct rec_header {
	uint32_t fnid;
	uint32_t size;
};

#define REC_ALIGN 8u

static uint64_t rec_step(uint64_t size)
{
	return sizeof(struct rec_header) + ((size + REC_ALIGN - 1) & ~(uint64_t)(REC_ALIGN - 1));
}

static void put_hex(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 16; i++)
		out[2 + i] = digits[(v >> (60 - 4 * i)) & 0xf];
	out[18] = '\n';
}

_Noreturn void rt_panic(const char *msg, uint64_t value, int status)
{
	static const char prefix[] = "hexo runtime: ";
	char hex[19];

	put_hex(hex, value);
	hc_write(2, prefix, sizeof(prefix) - 1);
	hc_write(2, msg, strlen(msg));
	hc_write(2, hex, sizeof(hex));
	hc_exit(status);
}

void *__hexo_rec_push(uint32_t fnid, uint64_t size)
{
	uint64_t step = rec_step(size);
	uintptr_t sp = rt.rec_sp;
	struct rec_header *h;

	if (size > UINT32_MAX || step > sp - (uintptr_t)__hexo_shadow_limit)
		rt_panic("the shadow stack is full: frame records need more than its 4 MiB, "
		         "function id ",
		         fnid, 134);
	sp -= step;
	h = (struct rec_header *)sp;
	h->fnid = fnid;
	h->size = (uint32_t)size;
	rt.rec_sp = sp;
	rt.depth++;
	return h + 1;
}

void *__hexo_rec_pop(uint32_t fnid)
{
	struct rec_header *h = (struct rec_header *)rt.rec_sp;

	if (rt.rec_sp >= rt.watermark || rt.watermark - rt.rec_sp < sizeof(*h) ||
	    rec_step(h->size) > rt.watermark - rt.rec_sp)
		rt_panic("rewind: no frame record left for function id ", fnid, 125);
	if (h->fnid != fnid)
		rt_panic("rewind: the frame record on top is not this function's: the checkpoint "
		         "belongs to another program; function id ",
		         fnid, 125);
	rt.rec_sp += rec_step(h->size);
	rt.depth--;
	return h + 1;
}

_Noreturn void __hexo_shadow_overflow(const char *fn)
{
	static const char msg[] = "hexo runtime: shadow stack overflow (4 MiB) in ";

	hc_write(2, msg, sizeof(msg) - 1);
	hc_write(2, fn, strlen(fn));
	hc_write(2, "\n", 1);
	hc_exit(134);
}

_Noreturn void __hexo_rewind_bad_site(uint32_t fnid, uint32_t site)
{
	rt_panic("rewind: bad call-site number in a frame record: function id/site ",
	         (uint64_t)fnid << 32 | site, 125);
}

void __hexo_migrate_point(void)
{
	volatile uint32_t *req = &kernel_boot_info->migrate_request;
	uint32_t mode;

	if (__hexo_mig_state == HEXO_MIG_REWINDING) {
		/* Every frame is back: the job goes on from this point. */
		if (rt.rec_sp != rt.watermark || rt.depth)
			rt_panic("rewind: frame records left over at the migration point: ",
			         rt.watermark - rt.rec_sp, 125);
		__hexo_mig_state = HEXO_MIG_NORMAL;
		kernel_boot_info->t_rewind_end = arch_counter_read();
		return;
	}
	if (!*req)
		return; /* the common case: one load */
	if (__hexo_uninstr_depth)
		return; /* a frame that cannot unwind is on the stack: next point */
	/*
	 * The monitor writes the word from another thread at any time: take the
	 * request with one atomic exchange so none written meanwhile is lost.
	 */
	mode = __atomic_exchange_n(req, 0, __ATOMIC_ACQ_REL);
	if (mode != HEXO_MIGRATE_STOP && mode != HEXO_MIGRATE_CHECKPOINT)
		return; /* not a request this runtime knows: dropped */
	kernel_boot_info->t_unwind = arch_counter_read();
	rt.mode = mode;
	rt.depth = 0;
	rt.watermark = rt.rec_sp = (uintptr_t)__hexo_shadow_sp & ~(uintptr_t)(REC_ALIGN - 1);
	__hexo_mig_state = HEXO_MIG_UNWINDING;
}

/*
 * Called by code hexocc did not instrument (--no-migration): there, a point
 * cannot unwind, but it is still the program's progress (`hexo run
 * --status`), counted as an inlined point counts it.
 */
void hexo_check_migrate(void)
{
	__hexo_points++;
}

void popcorn_check_migrate(void)
{
	__hexo_points++;
}

void rt_points_init(struct hexo_boot_info *bi)
{
	__hexo_points = bi->points;
	bi->points_addr = (uintptr_t)&__hexo_points;
}

void hexo_force_migration(int mode)
{
	volatile uint32_t *req = &kernel_boot_info->migrate_request;

	if (mode == HEXO_MIGRATE_NONE)
		*req = 0;
	else if (mode == HEXO_MIGRATE_STOP)
		*req = HEXO_MIGRATE_STOP;
	else if (mode == HEXO_MIGRATE_CHECKPOINT) {
		/* never weakens a pending stop the monitor may have just written */
		uint32_t none = HEXO_MIGRATE_NONE;

		__atomic_compare_exchange_n(req, &none, HEXO_MIGRATE_CHECKPOINT, 0,
		                            __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	}
}
