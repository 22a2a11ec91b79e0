// SPDX-License-Identifier: MIT
/*
 * Migration points (docs/migration.md, "The state machine").
 *
 * A point is the inline test
 *
 *	__hexo_points += 1;                 (volatile load, add, volatile store)
 *	if (volatile load boot_info.migrate_request != 0)
 *		__hexo_migrate_point();       <- an instrumented call site
 *
 * The count is the job's progress (`hexo run --status`); volatile so it is
 * neither kept in a register across a loop nor merged with another point's,
 * and the monitor reads it while the guest runs. A rewind re-enters at the
 * call, after the add: a point is counted once, however often it migrates.
 *
 * It replaces every direct call to hexo_check_migrate() and
 * popcorn_check_migrate(). With -points=auto, points are also added
 *   - at the entry of every function that has a loop, or calls a function
 *     defined in the program, or makes an indirect call;
 *   - at the header of every outermost loop that holds an inner loop or a
 *     call (other than an LLVM intrinsic or a point), once per iteration.
 * A tight leaf loop gets none (its function's entry point bounds it from
 * the caller's side): that keeps the cost out of inner loops.
 * Functions named __hexo* and the definitions of hexo_check_migrate,
 * popcorn_check_migrate and hexo_force_migration are never touched.
 */
#include "instrument.h"

#include <hexo/abi.h>
#include <hexo/layout.h>

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>

using namespace llvm;

namespace hexo
{

static const uint64_t kRequestFlagAddress =
    HEXO_BOOTINFO_GPA + HEXO_BOOTINFO_MIGRATE_REQUEST_OFFSET;

bool isExcluded(const Function &F)
{
	StringRef n = F.getName();
	return n.startswith("__hexo") || n == "hexo_check_migrate" ||
	       n == "popcorn_check_migrate" || n == "hexo_force_migration";
}

bool isPointFunction(const Function *F)
{
	return F &&
	       (F->getName() == "hexo_check_migrate" || F->getName() == "popcorn_check_migrate");
}

bool isEligible(const Function &F)
{
	return !F.isDeclaration() && !isExcluded(F);
}

Function *directCallee(const CallBase &CB)
{
	return dyn_cast<Function>(CB.getCalledOperand()->stripPointerCastsAndAliases());
}

bool isIndirect(const CallBase &CB)
{
	return !CB.isInlineAsm() && !directCallee(CB);
}

static Constant *global(Module &M, StringRef name, Type *T)
{
	return M.getOrInsertGlobal(name, T);
}

static Function *function(Module &M, StringRef name, FunctionType *FT, bool noreturn)
{
	FunctionCallee c = M.getOrInsertFunction(name, FT);
	auto *F = dyn_cast<Function>(c.getCallee());
	if (!F || F->getFunctionType() != FT) {
		errs() << "hexo-instrument: " << name
		       << " is defined in the program with another type: it is a name of the "
		          "migration runtime\n";
		exit(1);
	}
	F->addFnAttr(Attribute::NoUnwind);
	if (noreturn) {
		F->addFnAttr(Attribute::NoReturn);
		F->addFnAttr(Attribute::Cold);
	}
	return F;
}

Runtime declareRuntime(Module &M, const Options &O)
{
	LLVMContext &C = M.getContext();
	Type *i32 = Type::getInt32Ty(C), *i64 = Type::getInt64Ty(C), *v = Type::getVoidTy(C);
	Type *i8p = Type::getInt8PtrTy(C);
	Runtime rt;

	rt.migState = global(M, "__hexo_mig_state", i32);
	rt.shadowSp = global(M, "__hexo_shadow_sp", i8p);
	rt.shadowLimit = global(M, "__hexo_shadow_limit", i8p);
	rt.uninstrDepth = global(M, "__hexo_uninstr_depth", i32);
	rt.recPush =
	    function(M, "__hexo_rec_push", FunctionType::get(i8p, {i32, i64}, false), false);
	rt.recPop = function(M, "__hexo_rec_pop", FunctionType::get(i8p, {i32}, false), false);
	rt.shadowOverflow =
	    function(M, "__hexo_shadow_overflow", FunctionType::get(v, {i8p}, false), true);
	rt.rewindBadSite =
	    function(M, "__hexo_rewind_bad_site", FunctionType::get(v, {i32, i32}, false), true);
	rt.migratePoint = function(M, "__hexo_migrate_point", FunctionType::get(v, false), false);
	if (!O.requestFlagSymbol.empty()) {
		rt.requestFlag = global(M, O.requestFlagSymbol, i32);
	} else {
		Type *ip = M.getDataLayout().getIntPtrType(C);
		rt.requestFlag = ConstantExpr::getIntToPtr(
		    ConstantInt::get(ip, kRequestFlagAddress), PointerType::getUnqual(i32));
	}
	rt.points = global(M, "__hexo_points", i64);
	return rt;
}

/* The count and the inline test of the request flag, before `at`. */
static void emitPoint(Instruction *at, const Runtime &RT)
{
	LLVMContext &C = at->getContext();
	IRBuilder<> B(at);
	MDNode *unlikely = MDBuilder(C).createBranchWeights(1, 2000);

	LoadInst *n = B.CreateAlignedLoad(B.getInt64Ty(), RT.points, Align(8), true, "hexo.pts");
	B.CreateAlignedStore(B.CreateAdd(n, B.getInt64(1), "hexo.pts.next"), RT.points, Align(8),
	                     true);
	LoadInst *req =
	    B.CreateAlignedLoad(B.getInt32Ty(), RT.requestFlag, Align(4), true, "hexo.req");
	Value *asked = B.CreateICmpNE(req, B.getInt32(0), "hexo.asked");
	Instruction *then = SplitBlockAndInsertIfThen(asked, at, false, unlikely);
	then->getParent()->setName("hexo.point");
	at->getParent()->setName("hexo.after");
	B.SetInsertPoint(then);
	B.CreateCall(RT.migratePoint);
}

static bool isPointCall(const Instruction &I)
{
	auto *CB = dyn_cast<CallBase>(&I);
	return CB && isPointFunction(directCallee(*CB));
}

/* A call that counts for -points=auto: not an intrinsic, asm or point. */
static bool isRealCall(const Instruction &I)
{
	auto *CB = dyn_cast<CallBase>(&I);
	return CB && !isa<IntrinsicInst>(CB) && !CB->isInlineAsm() && !isPointCall(I);
}

static bool callsIntoProgram(const Function &F)
{
	for (const BasicBlock &BB : F)
		for (const Instruction &I : BB) {
			if (!isRealCall(I))
				continue;
			const Function *G = directCallee(cast<CallBase>(I));
			if (!G || isEligible(*G))
				return true;
		}
	return false;
}

static bool loopCalls(const Loop &L)
{
	for (const BasicBlock *BB : L.blocks())
		for (const Instruction &I : *BB)
			if (isRealCall(I))
				return true;
	return false;
}

static std::string where(const Instruction *I)
{
	if (const DebugLoc &dl = I->getDebugLoc())
		return " (line " + std::to_string(dl.getLine()) + ")";
	return "";
}

/* Where -points=auto puts points in F. */
static void autoPoints(Function &F, std::vector<Instruction *> &at, std::vector<std::string> &notes)
{
	DominatorTree DT(F);
	LoopInfo LI(DT);
	/* After the allocas and the stores of the arguments into them. */
	Instruction *first = &*F.getEntryBlock().getFirstInsertionPt();
	for (;; first = first->getNextNode()) {
		auto *S = dyn_cast<StoreInst>(first);
		if (!isa<AllocaInst>(first) && !(S && isa<Argument>(S->getValueOperand()) &&
		                                 isa<AllocaInst>(S->getPointerOperand())))
			break;
	}
	if (!LI.empty() || callsIntoProgram(F)) {
		at.push_back(first);
		notes.push_back(F.getName().str() + ": migration point at entry (auto)");
	}
	/* Top-level loops, in block order for a stable -v. */
	std::vector<Loop *> loops(LI.begin(), LI.end());
	for (BasicBlock &BB : F)
		for (Loop *L : loops)
			if (L->getHeader() == &BB && (!L->getSubLoops().empty() || loopCalls(*L))) {
				Instruction *h = &*BB.getFirstInsertionPt();
				at.push_back(h);
				notes.push_back(F.getName().str() +
				                ": migration point at a loop header (auto)" +
				                where(h));
			}
}

unsigned insertPoints(Module &M, const Runtime &RT, const Options &O, Plan &P,
                      std::vector<std::string> &notes)
{
	unsigned added = 0;

	for (Function &F : M) {
		if (!isEligible(F))
			continue;
		std::vector<Instruction *> at;
		std::vector<CallBase *> manual;
		for (BasicBlock &BB : F)
			for (Instruction &I : BB)
				if (isPointCall(I))
					manual.push_back(cast<CallBase>(&I));
		if (!manual.empty())
			P.why[&F] = "calls " + directCallee(*manual[0])->getName().str();
		if (O.autoPoints) {
			autoPoints(F, at, notes);
			if (!at.empty() && manual.empty())
				P.why[&F] = "has migration points (auto)";
		}
		for (Instruction *I : at)
			emitPoint(I, RT);
		for (CallBase *CB : manual) {
			emitPoint(CB, RT);
			if (!CB->use_empty())
				CB->replaceAllUsesWith(Constant::getNullValue(CB->getType()));
			CB->eraseFromParent();
		}
		added += at.size();
	}
	return added;
}

} // namespace hexo
