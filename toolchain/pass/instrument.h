// SPDX-License-Identifier: MIT
/*
 * hexo-instrument: Asyncify-style unwind/rewind instrumentation of a whole
 * linked program (docs/migration.md is the contract; ARCHITECTURE.md
 * decision 2 the method).
 *
 * The problem. A job must stop at a migration point on one ISA and go on
 * from exactly there on the other. Machine stacks and registers differ
 * between ISAs, so they are never copied. Instead every function that can
 * be on the stack at a migration point (it "can reach a point") is
 * rewritten so that it can save its frame as an ISA-neutral *frame record*
 * and return (unwind), and later rebuild that frame from the record and
 * jump back into the call it was in (rewind).
 *
 * A transformed function (FNID = FNV-1a 32 of its name):
 *
 *	entry:
 *	  <machine-stack allocas: locals used only by loads and stores>
 *	  old = __hexo_shadow_sp                 ; only with escaped/large locals
 *	  frame = (old - FRAME) & ~(ALIGN - 1)
 *	  if (frame < __hexo_shadow_limit) __hexo_shadow_overflow("name")
 *	  __hexo_shadow_sp = frame; escaped local i = frame + offset i
 *	  if (__hexo_mig_state == 2) goto rewind; else goto body
 *	rewind:
 *	  rec = __hexo_rec_pop(FNID)
 *	  switch (*(u32 *)rec) { case k: goto rewind.k; default: bad site }
 *	rewind.k:
 *	  copy the live locals and SSA values of site k back; goto call.k
 *	  (a site in loops: through each loop's header, where a switch on
 *	  the site being rewound to leads on, so the loops stay natural)
 *	body: ...
 *	call.k:                        ; preds: the original path, the rewind path
 *	  r = callee(args)             ; on the rewind path args are 0
 *	  if (__hexo_mig_state != 0) goto unwind.k; else goto cont.k
 *	unwind.k:
 *	  rec = __hexo_rec_push(FNID, SIZE_k); save site k, locals, values
 *	  __hexo_shadow_sp = old; return 0
 *
 * Stages, one file each:
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
