// SPDX-License-Identifier: MIT
/*
 * hexo-instrument: the migration instrumentation of a whole linked program
 * (Asyncify-style unwind and rewind on LLVM IR). docs/migration.md is the
 * contract other parts rely on (record format, layout files, messages);
 * this comment is the design.
 *
 * THE PROBLEM
 *
 * A job must stop at a migration point on one ISA and go on from exactly
 * there on the other. Machine stacks and registers differ between ISAs
 * (frame layouts, register sets, spill slots, return addresses), so they
 * are never copied. Instead every function that can be on the stack at a
 * migration point ("can reach a point") is rewritten so that it can
 *   - unwind: right after a call returns with an unwind in progress, save
 *     what the rest of the function needs as an ISA-neutral *frame record*
 *     and return at once;
 *   - rewind: on entry while a rewind is in progress, take its record back
 *     and carry on inside the call it was in, as if that call had never
 *     returned.
 * The pass runs once per ISA on the linked, not yet optimized module
 * (hexocc compiles with -disable-llvm-passes and links with llvm-link; only
 * after this pass is the module optimized and compiled for its ISA). At
 * that stage the IR of the two ISAs differs only where the ABI makes it
 * differ, so both build the same records; -verify checks that they do
 * (layout.cpp).
 *
 * THE RUNTIME ABI (implemented by kernel/runtime/ in the guest, and by
 * tests/pass/host/hostrt.c for the Linux-host tests)
 *
 *   i32 __hexo_mig_state        0 normal, 1 unwinding, 2 rewinding
 *   i8* __hexo_shadow_sp        bottom of the shadow stack (grows down)
 *   i8* __hexo_shadow_limit     lowest address a shadow frame may use
 *   i32 __hexo_uninstr_depth    > 0 while a frame that cannot unwind is on
 *                               the stack (set by the root and by the guard
 *                               below): requests wait
 *   volatile i32 request flag   boot_info.migrate_request at its fixed
 *                               address (-request-flag-symbol: a global)
 *   volatile i64 __hexo_points  the progress count (abi.h, boot_info.points)
 *   i8*  __hexo_rec_push(i32 fnid, i64 size)  room for a record's payload
 *   i8*  __hexo_rec_pop(i32 fnid)             the payload of the record on
 *                               top, which must be fnid's (else it panics)
 *   void __hexo_migrate_point()  ends a rewind (state 2 -> 0), or takes a
 *                               request and starts an unwind (0 -> 1)
 *   void __hexo_shadow_overflow(i8* name), __hexo_rewind_bad_site(i32, i32)
 *                               noreturn error exits
 *
 * A migration point is `count += 1; if (volatile load of the flag) __hexo_migrate_point()`
 * (points.cpp); the call is a call site like any other. The root
 * (kernel/runtime/root.c) calls main; when main returns with state 1 the
 * whole stack has unwound and the checkpoint is written. Unless the job
 * stops there, the root then sets state 2 and calls main again with the
 * same arguments; a restored job starts that way.
 *
 * Frame record (one per frame, on a record stack growing down from the
 * shadow stack pointer at the point, so it travels with the shadow stack):
 * header {u32 fnid = FNV-1a 32 of the IR name, u32 size}, then the payload
 * of call site k (sites numbered 1.. in instruction order):
 *	u32 k
 *	each machine-stack local live after the call, whole, in first-use order
 *	each SSA value live after the call (the callee of an indirect call
 *	first, then arguments, then instructions in block and instruction
 *	order), at its store size
 * packed and unaligned, the record padded to 8 bytes.
 *
 * Shadow stack: the locals whose address escapes (or that are larger than
 * 256 bytes, or have a derived pointer live across a site) get a slot in a
 * shadow frame instead of an alloca. The shadow stack has one address on
 * every ISA, every frame's size and alignment are ISA-neutral, and the root
 * starts it at the same end, so the same chain of calls puts every frame at
 * the same address on every ISA.
 *
 * A TRANSFORMED FUNCTION (FNID its id, k each call site):
 *
 *	entry:                                  ; the prologue, on every entry
 *	  %a = alloca ...                       ; every static alloca, moved here
 *	  %old = load @__hexo_shadow_sp         ; only with shadow slots:
 *	  %frame = (%old - FRAME) & -ALIGN
 *	  if (%frame < @__hexo_shadow_limit) __hexo_shadow_overflow("name")
 *	  store %frame, @__hexo_shadow_sp
 *	  %slot.i = %frame + OFFSET_i           ; replaces the escaped alloca i
 *	  br (load @__hexo_mig_state == 2), %rewind, %body
 *	rewind:
 *	  %rec = __hexo_rec_pop(FNID)
 *	  switch (load i32 %rec) [k: %rewind.k]  ; default: __hexo_rewind_bad_site
 *	rewind.k:
 *	  copy the record's locals back into their allocas
 *	  %v.r = load the record's SSA values    ; site in loops: in %enter.k
 *	  br %call.k                            ; site in loops: br %H1 (below)
 *	body:
 *	  ... the function's own code ...
 *	call.k:                                 ; preds: its original block, the rewind path
 *	  %v.m = phi [%v, original], [%v.r, rewind]   ; for each saved %v (SSAUpdater)
 *	  %r = call @callee(args)               ; rewind path: args computed in
 *	                                        ; the body and not saved are 0
 *	  br (load @__hexo_mig_state != 0), %unwind.k, %cont.k
 *	unwind.k:
 *	  %p = __hexo_rec_push(FNID, SIZE_k); store k, the live locals, %v.m... to %p
 *	  store %old, @__hexo_shadow_sp; ret 0  ; (every ret restores the shadow sp)
 *	cont.k:
 *	  ... the rest of call.k's original block; uses of %v use %v.m ...
 *
 * A site inside loops is reached through the headers of those loops,
 * outermost first, never by an edge into the middle of a loop body: the
 * loops stay natural loops that later passes still optimize (an edge
 * straight to the call would make them irreducible). Each such header H
 * (its phis demoted to allocas first, so it can take new predecessors)
 * becomes
 *	H:      %site = phi [0, the loop's own predecessors], [k, %rewind.k],
 *	                    [%site of the enclosing loop's H, that H]
 *	        switch %site [default: %H.loop; k: the next inner H, or %enter.k]
 *	H.loop: the header's original code
 *	enter.k: %v.r = load the record's SSA values; br %call.k
 *
 * WHY THE REWIND MAY JUMP FROM THE ENTRY STRAIGHT TO THE CALL
 *
 * Binaryen's Asyncify does unwind/rewind for WebAssembly, whose control
 * flow is structured: a branch can only leave an enclosing block or go
 * back to the top of an enclosing loop, so nothing can branch into the
 * middle of a function. Asyncify therefore rewinds by running the function
 * again from its start: locals are reloaded first, every instruction that
 * is not on the way to the call is guarded by a "not rewinding" test, and
 * the ifs and loops around the call are re-entered from the top until the
 * call is reached.
 *
 * This pass works on LLVM IR, where a function's control flow is any graph
 * of basic blocks: a branch from one block to any other is legal IR as
 * long as, afterwards, every definition still dominates its uses (SSA).
 * It adds, per site k, the path
 *	entry -> rewind -> rewind.k [-> H1 ... -> Hn -> enter.k] -> call.k
 * on which none of the function's original instructions runs, and makes
 * that path deliver, for everything the code from call.k on can read, the
 * value it had when the frame unwound at site k:
 *
 *  1. SSA values. After splitSites, call.k holds only the call, so every
 *     path from call.k to a use goes through cont.k, except the call's own
 *     operands (and the unwind stores, which use the saved values).
 *     Liveness is computed on the CFG before the rewind edges exist (sites
 *     split, loop-header phis demoted), so a value V whose definition D no
 *     longer dominates a use U is one of:
 *       - a value live into cont.k: it is in site k's record, stored in
 *         unwind.k, loaded in rewind.k / enter.k, and SSAUpdater rewrites
 *         each use to the definition that reaches it (the original or the
 *         restored one), adding phis at call.k and at the loop headers;
 *       - an operand of the call that is not live after it: it gets 0 on
 *         the rewind path. The callee is rewinding too: on its own rewind
 *         path it computes nothing from its arguments (at most it passes
 *         them on, unread, at its own site) and takes those it needs after
 *         that site from its own record. So nothing is saved only because
 *         it is passed, and the forms the ABI gives arguments (a small
 *         struct is {i64, i32} on x86-64 but [2 x i64] on aarch64) stay
 *         out of the records. The callee of an indirect call is read: it
 *         is saved like a live value;
 *       - a use reached through a loop header H (the dispatch's default
 *         edge into H.loop): if D is inside the loop, D lies on every path
 *         from the header to U (it dominated U, and the header is reached
 *         from outside without D), so U is not affected; if D is outside,
 *         U is also reachable from cont.k around the loop's back edge, so
 *         V is live into cont.k: the first case. On the rewind path itself
 *         %site != 0 at every header, so H.loop is never entered from it:
 *         the undef that SSAUpdater may put on those edges is never used.
 *     Values of the prologue (the allocas, the frame and slot addresses,
 *     %old) are computed on both paths before the rewind test and dominate
 *     everything: they are never saved. Arguments dominate everything as
 *     well but hold the caller's zeros on the rewind path, so they are
 *     treated like instructions: saved when live after the site. The
 *     call's result %r is defined by the call itself, on both paths.
 *
 *  2. Machine-stack locals: allocas whose address is only used as the
 *     address of loads, stores and memcpy/memmove/memset (through casts and
 *     GEPs), with no such derived pointer live across a site, and of at
 *     most 256 bytes. No pointer to them is live across the call, so the
 *     rewound frame may put them anywhere (on the other ISA's stack). A
 *     local whose value may still be read after the call (some path reads
 *     a written byte of it before a write covering all of them,
 *     liveness.cpp) is saved whole in the record and stored back in
 *     rewind.k, before any header is passed (the headers' dispatch runs no
 *     code of the program). A local that is dead there is not restored:
 *     nothing reads it before writing it. All lifetime markers are
 *     removed, since the rewind path writes the allocas outside any
 *     lifetime.start.
 *
 *  3. Shadow locals and the rest of memory: the shadow frame is recomputed
 *     by the prologue, on the rewind path too, at the address it had (same
 *     callers, same order, same sizes, same start); its slots were never
 *     moved (records go below the innermost frame) and are part of the
 *     checkpoint, so they need no save or restore, and every pointer to
 *     them (in the heap, in globals, in other slots, in saved SSA values)
 *     stays valid. Globals, the heap and code have one address on every
 *     ISA too (the common layout, docs/layout.md; an image without it
 *     resumes only on the ISA it stopped on), so saved pointers to them
 *     mean the same. No saved value can point into the machine stack: a
 *     local whose address escapes, or whose derived pointer is live
 *     across a site, is a shadow local.
 *
 *  4. Side effects and control flow: the rewind path runs nothing of the
 *     function between its entry and the call, so no store, output or
 *     allocation is repeated and no condition is evaluated again; the site
 *     number in the record alone chooses the path.
 *
 *  5. Going on: call.k calls the same callee (the saved one, if indirect)
 *     while the state is 2, so the callee rewinds in turn, down to the
 *     point's __hexo_migrate_point(), which sets the state to 0. From there
 *     every frame runs normally: the call returns its real result into
 *     cont.k, exactly as if it had never been interrupted. An unwinding
 *     function returns 0, which its caller never reads: it sees the state
 *     after the call and unwinds too.
 *
 * The result is ordinary IR (checked with the verifier) in which the
 * rewind path is just more edges, so the optimizer and each ISA's back end
 * keep both paths' meaning; the record is defined by IR values, not by
 * registers or stack slots, so it means the same on both ISAs. What would
 * let the optimizer assume otherwise is removed: the attributes the zero
 * arguments and early returns break (nonnull, noundef, dereferenceable,
 * align, returned), noreturn and the memory attributes of instrumented
 * functions and their call sites, and tail calls at sites (work follows
 * the call). Machine-stack locals stay allocas of the entry block, so
 * SROA/mem2reg promote them as before.
 *
 * What the method cannot rewind is refused with a message (analysis.cpp):
 * calls that return twice (setjmp), dynamic allocas and VLAs (not in the
 * entry block: their address would not dominate the rewind path, and their
 * size is not in the record), va_start (a va_list points into the ISA's
 * own stack), inline assembly (ISA-specific code), byval parameters (the
 * struct lives in the caller's outgoing arguments, which a rewinding
 * caller does not rebuild, and only x86-64 passes structs that way), byval
 * and inalloca arguments at sites (the callee is one that rewinds: the
 * same problem from the caller's side), invoke, callbr and musttail.
 *
 * Calls out of the program (analysis.cpp): when an address-taken function
 * is instrumented, a function hexocc did not compile (qsort, exit with its
 * atexit handlers) may call back into the program; such calls are wrapped
 * in __hexo_uninstr_depth++ / --, so a request waits until they returned.
 *
 * OPTIONS (main.cpp)
 *
 *   hexo-instrument [-points=manual|auto] [-v] [-isa NAME] [-layout FILE] IN.bc OUT.bc
 *   hexo-instrument -verify A.layout B.layout [-names NAME_A,NAME_B]
 *
 *   -points=manual  points only where the program calls hexo_check_migrate()
 *                   or popcorn_check_migrate() (the default)
 *   -points=auto    also at the entry of every function that loops, calls a
 *                   function of the program or calls indirectly, and at the
 *                   header of every outermost loop holding a call or a loop
 *   -v              why each function is instrumented, each automatic point,
 *                   a summary (stderr)
 *   -isa NAME       names the ISA in messages
 *   -layout FILE    writes the layout file (the records' shape) for -verify
 *   -verify A B     compares two layout files: 0 equal, 1 differ (one line)
 *   -request-flag-symbol NAME  (hidden, tests/pass/host) loads the request
 *                   from the global NAME instead of the boot-info page
 *
 * STAGES, one file each:
 *   points.cpp     migration points: the inline request-flag test, and the
 *                  points -points=auto adds
 *   analysis.cpp   which functions to instrument (fixed point over the
 *                  call graph, indirect calls conservative), what is
 *                  refused, the uninstrumented-depth guard around external
 *                  calls
 *   liveness.cpp   SSA and local-variable liveness at call sites
 *   transform.cpp  the rewriting of one function (the sketch above)
 *   layout.cpp     the layout file and -verify
 *   main.cpp       the command line
 */
#ifndef HEXO_INSTRUMENT_H
#define HEXO_INSTRUMENT_H

#include <cstdint>
#include <string>
#include <vector>

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/InstrTypes.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>

namespace hexo
{

struct Options {
	bool autoPoints = false;
	bool verbose = false;
	std::string isa;               /* for messages only */
	std::string layoutPath;        /* empty: no layout file */
	std::string requestFlagSymbol; /* hidden: load the request from this global (host tests) */
};

/* The runtime symbols instrumented code uses (kernel/runtime/, docs/migration.md). */
struct Runtime {
	llvm::Constant *migState;     /* i32 */
	llvm::Constant *shadowSp;     /* i8* */
	llvm::Constant *shadowLimit;  /* i8* */
	llvm::Constant *uninstrDepth; /* i32 */
	llvm::Constant *requestFlag;  /* i32*: boot_info.migrate_request */
	llvm::Constant *points;       /* i64: __hexo_points, the progress count */
	llvm::Function *recPush, *recPop, *shadowOverflow, *rewindBadSite, *migratePoint;
};

/* What the analysis decided for the module. */
struct Plan {
	llvm::SmallPtrSet<llvm::Function *, 32> instrumented;
	llvm::DenseMap<llvm::Function *, std::string> why;
	/* An address-taken function is instrumented: every indirect call is a
	 * call site, and external calls get the uninstrumented-depth guard. */
	bool indirectSites = false;
	std::string indirectReason; /* the name of such a function */
};

/* One line of the layout file per instrumented function and call site. */
struct SiteLayout {
	unsigned k = 0;
	std::string callee;  /* function name, "indirect" or "point" */
	std::string allocas; /* ISA-neutral types, ';'-separated */
	std::string values;
	uint64_t size = 0; /* payload bytes */
};

struct FnLayout {
	std::string name;
	uint32_t id = 0;
	uint64_t frame = 0;
	uint64_t align = 16;
	std::string slots; /* size@offset,... */
	std::vector<SiteLayout> sites;
};

/* points.cpp */
bool isExcluded(const llvm::Function &F);
bool isPointFunction(const llvm::Function *F);
bool isEligible(const llvm::Function &F); /* defined and not excluded */
llvm::Function *directCallee(const llvm::CallBase &CB);
bool isIndirect(const llvm::CallBase &CB);
Runtime declareRuntime(llvm::Module &M, const Options &O);
/* Adds -points=auto points and lowers every point to the inline test;
 * fills `notes` (for -v) and, per function, why it has points. */
unsigned insertPoints(llvm::Module &M, const Runtime &RT, const Options &O, Plan &P,
                      std::vector<std::string> &notes);

/* analysis.cpp */
void planInstrumentation(llvm::Module &M, const Runtime &RT, Plan &P);
bool isCallSite(const llvm::CallBase &CB, const Plan &P, const Runtime &RT);
void checkRefused(llvm::Module &M, const Plan &P, const Runtime &RT, const Options &O,
                  std::vector<std::string> &errors);
unsigned guardExternalCalls(llvm::Module &M, const Plan &P, const Runtime &RT);

/* transform.cpp */
FnLayout instrumentFunction(llvm::Function &F, const Plan &P, const Runtime &RT);

/* layout.cpp */
uint32_t fnv1a32(llvm::StringRef s);
std::string neutralType(llvm::Type *T);
bool writeLayout(const std::string &path, const std::vector<FnLayout> &fns, std::string &err);
/* 0: equal, 1: differ (one line printed), 2: cannot read. */
int verifyLayouts(const std::string &a, const std::string &b, const std::string &nameA,
                  const std::string &nameB);

} // namespace hexo

#endif
