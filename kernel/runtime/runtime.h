/* SPDX-License-Identifier: MIT */
/*
 * The migration runtime (docs/migration.md): what instrumented code calls
 * and reads, and the root that calls main. It lives in the kernel region
 * (linked into libhexokernel.a), so none of this state is migrated: a
 * checkpoint carries only the frame records and the shadow stack.
 */
#ifndef HEXO_RUNTIME_H
#define HEXO_RUNTIME_H

#include <stdint.h>

enum hexo_mig_state {
	HEXO_MIG_NORMAL = 0,
	HEXO_MIG_UNWINDING = 1,
	HEXO_MIG_REWINDING = 2,
};

/* Read and written by instrumented code (toolchain/pass). */
extern volatile uint32_t __hexo_mig_state;
extern char *__hexo_shadow_sp;
extern char *__hexo_shadow_limit;
extern uint32_t __hexo_uninstr_depth;
extern volatile uint64_t __hexo_points;

void *__hexo_rec_push(uint32_t fnid, uint64_t size);
void *__hexo_rec_pop(uint32_t fnid);
_Noreturn void __hexo_shadow_overflow(const char *fn);
_Noreturn void __hexo_rewind_bad_site(uint32_t fnid, uint32_t site);
void __hexo_migrate_point(void);

/* Between the runtime's files. */
struct hexo_boot_info;
struct rt_state {
	uintptr_t rec_sp;    /* the record on top (lowest address) */
	uintptr_t watermark; /* shadow sp when unwinding began; records end here */
	uint32_t mode;       /* HEXO_MIGRATE_STOP or _CHECKPOINT being served */
	uint32_t depth;      /* records on the stack */
};
extern struct rt_state rt;

/* One line "hexo runtime: <msg><hex>" on stderr and exit `status`. */
_Noreturn void rt_panic(const char *msg, uint64_t value, int status);

#endif /* HEXO_RUNTIME_H */
