// SPDX-License-Identifier: MIT
/*
 * A host-side stand-in for the migration runtime (kernel/runtime/), to run an
 * instrumented program as a Linux process (tests/pass/run.sh):
 *
 *   clang -O2 -emit-llvm -Xclang -disable-llvm-passes -Dmain=hexo_prog_main -c prog.c
 *   hexo-instrument -request-flag-symbol hexo_host_request prog.bc inst.bc
 *   clang inst.bc hostrt.c -o prog
 *   HEXO_HOST_EVERY=N ./prog
 *
 * The request flag is always set, so every point calls
 * __hexo_migrate_point(); every Nth one (HEXO_HOST_EVERY, 0 = never) starts
 * an unwind. When main has unwound, the root "migrates": it copies the
 * records and the shadow stack aside, overwrites the whole shadow stack and
 * a large part of the machine stack with junk, puts the copy back and
 * rewinds. The program's output must be the one of an uninstrumented run.
 * The same file, built with -DHEXO_HOST_PLAIN, gives the uninstrumented
 * program its empty hexo_check_migrate().
 *
 * At the end, one line on stderr:
 *   hexo-host: M migrations, P points, D deferred, C counted
 * C is the instrumented code's own count (__hexo_points, as in a guest):
 * with the flag set it must be P + D,
 * every point passed once whatever the migrations, else exit 125.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hexo_prog_main(int argc, char **argv, char **envp);

void hexo_check_migrate(void)
{
}

void popcorn_check_migrate(void)
{
}

void hexo_force_migration(int mode)
{
	(void)mode;
}

#ifndef HEXO_HOST_PLAIN

enum { NORMAL = 0, UNWINDING = 1, REWINDING = 2 };

#define SHADOW_SIZE (4u << 20)

volatile uint32_t hexo_host_request = 1;
volatile uint64_t __hexo_points;
uint32_t __hexo_mig_state;
char *__hexo_shadow_sp;
char *__hexo_shadow_limit;
uint32_t __hexo_uninstr_depth = 1;

static _Alignas(16) char shadow[SHADOW_SIZE];
static unsigned long migrations, points, deferred;
static uintptr_t rec_sp, watermark;
static unsigned long depth, every;

struct rec_header {
	uint32_t fnid;
	uint32_t size;
};

static _Noreturn void die(const char *msg, unsigned long long v)
{
	fflush(stdout);
	fprintf(stderr, "hexo-host: %s 0x%llx\n", msg, v);
	exit(125);
}

static uint64_t rec_step(uint64_t size)
{
	return sizeof(struct rec_header) + ((size + 7) & ~(uint64_t)7);
}

void *__hexo_rec_push(uint32_t fnid, uint64_t size)
{
	uint64_t step = rec_step(size);
	struct rec_header *h;

	if (__hexo_mig_state != UNWINDING)
		die("rec_push while not unwinding, function id", fnid);
	if (step > rec_sp - (uintptr_t)__hexo_shadow_limit)
		die("records overflow the shadow stack, function id", fnid);
	rec_sp -= step;
	h = (struct rec_header *)rec_sp;
	h->fnid = fnid;
	h->size = (uint32_t)size;
	depth++;
	return h + 1;
}

void *__hexo_rec_pop(uint32_t fnid)
{
	struct rec_header *h = (struct rec_header *)rec_sp;

	if (__hexo_mig_state != REWINDING)
		die("rec_pop while not rewinding, function id", fnid);
	if (rec_sp >= watermark)
		die("no record left for function id", fnid);
	if (h->fnid != fnid)
		die("the record on top is not this function's, function id", fnid);
	rec_sp += rec_step(h->size);
	depth--;
	return h + 1;
}

_Noreturn void __hexo_shadow_overflow(const char *fn)
{
	fflush(stdout);
	fprintf(stderr, "hexo-host: shadow stack overflow in %s\n", fn);
	exit(134);
}

_Noreturn void __hexo_rewind_bad_site(uint32_t fnid, uint32_t site)
{
	die("bad call site in a record (function id << 32 | site)",
	    (unsigned long long)fnid << 32 | site);
}

void __hexo_migrate_point(void)
{
	if (__hexo_mig_state == REWINDING) {
		if (rec_sp != watermark || depth)
			die("records left over at the point:", watermark - rec_sp);
		__hexo_mig_state = NORMAL;
		return;
	}
	if (__hexo_mig_state != NORMAL)
		die("migration point reached while unwinding", __hexo_mig_state);
	if (__hexo_uninstr_depth) {
		deferred++;
		return;
	}
	points++;
	if (!every || points % every)
		return;
	depth = 0;
	watermark = rec_sp = (uintptr_t)__hexo_shadow_sp & ~(uintptr_t)7;
	__hexo_mig_state = UNWINDING;
}

/* Junk over the machine stack below the root's frame. */
static __attribute__((noinline)) void scribble(void)
{
	volatile unsigned char junk[256 * 1024];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(0xa5 ^ i);
}

/* What a migration does to the state: only the records and the shadow
 * stack survive, at the same address. */
static void migrate(void)
{
	size_t n = (uintptr_t)(shadow + SHADOW_SIZE) - rec_sp;
	char *copy = malloc(n ? n : 1);

	if (__hexo_shadow_sp != shadow + SHADOW_SIZE)
		die("the shadow stack pointer was not restored at the root:",
		    (uintptr_t)(shadow + SHADOW_SIZE) - (uintptr_t)__hexo_shadow_sp);
	memcpy(copy, (void *)rec_sp, n);
	memset(shadow, 0x5a, SHADOW_SIZE);
	scribble();
	memcpy((void *)rec_sp, copy, n);
	free(copy);
	migrations++;
	__hexo_mig_state = REWINDING;
}

static void report(void)
{
	unsigned long long counted = __hexo_points;

	fflush(stdout);
	fprintf(stderr, "hexo-host: %lu migrations, %lu points, %lu deferred, %llu counted\n",
	        migrations, points, deferred, counted);
	if (every && counted != points + deferred) {
		fprintf(stderr, "hexo-host: the point count is %llu, the points passed %lu\n", counted,
		        points + deferred);
		_exit(125);
	}
}

int main(int argc, char **argv, char **envp)
{
	const char *e = getenv("HEXO_HOST_EVERY");
	int ret;

	atexit(report);
	every = e ? strtoul(e, NULL, 10) : 0;
	hexo_host_request = every != 0; /* 0: points cost only their test */
	__hexo_shadow_sp = shadow + SHADOW_SIZE;
	__hexo_shadow_limit = shadow;
	for (;;) {
		__hexo_uninstr_depth = 0;
		ret = hexo_prog_main(argc, argv, envp);
		__hexo_uninstr_depth = 1;
		if (__hexo_mig_state == NORMAL)
			break;
		if (__hexo_mig_state == REWINDING)
			die("main returned before the rewind reached its point, records left:",
			    depth);
		migrate();
	}
	return ret;
}

#else

int main(int argc, char **argv, char **envp)
{
	return hexo_prog_main(argc, argv, envp);
}

#endif
