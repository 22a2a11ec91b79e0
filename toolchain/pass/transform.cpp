// SPDX-License-Identifier: MIT
/*
 * The rewriting of one instrumented function (instrument.h has the sketch,
 * docs/migration.md the contract).
 *
 * Order of work:
 *   1. prepare:    copy byval arguments (see copyByvalArguments), order the
 *                  locals by first use, drop lifetime markers, gather the
 *                  static allocas at the top of the entry block and split
 *                  the entry after them (the rest is "hexo.body");
 *      splitSites: give every call site a block of its own ("call.k": the
 *                  call and a branch) followed by "cont.k";
 *      findLoops:  the loops around each site (the rewind path enters them
 *                  through their headers);
 *   2. classify:   locals that escape, are larger than 256 bytes, or have a
 *                  derived pointer live across a site go to the shadow
 *                  frame; the record of each site (live locals, live SSA
 *                  values);
 *   3. rewrite:    prologue and rewind test, the loop headers' dispatch, the
 *                  rewind blocks, the unwind blocks, then SSAUpdater routes
 *                  every restored value to its uses, and every return
 *                  restores the shadow stack pointer.
 *
 * Arguments: on the rewind path a caller passes 0 for every argument (and
 * the saved callee for an indirect call); the callee restores the
 * arguments it still needs (live after one of its sites) from its own
 * record. So a record never holds ABI-specific argument values (a small
 * struct passed as {i64, i32} on x86-64 but [2 x i64] on aarch64).
 */
#include "instrument.h"
#include "liveness.h"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/Dominators.h>

#include <llvm/ADT/STLExtras.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Support/MathExtras.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>
#include <llvm/Transforms/Utils/Local.h>
#include <llvm/Transforms/Utils/SSAUpdater.h>

using namespace llvm;

namespace hexo
{

namespace
{

const uint64_t kMaxMachineLocal = LocalLiveness::kMaxBytes;

struct Site {
	CallBase *call;
	unsigned k;
	BasicBlock *callBB, *contBB;
	std::vector<AllocaInst *> locals; /* machine-stack locals saved, by value */
	std::vector<Value *> values;      /* SSA values saved */
	uint64_t size;                    /* payload bytes */
	std::vector<BasicBlock *> loops;  /* headers of the loops around it, outermost first */
	BasicBlock *enter = nullptr;      /* in a loop: last block of its rewind path */
};

class Instrumenter
{
      public:
	Instrumenter(Function &F, const Plan &P, const Runtime &RT)
	    : F(F), P(P), RT(RT), DL(F.getParent()->getDataLayout()), C(F.getContext()),
	      fnid(ConstantInt::get(Type::getInt32Ty(C), fnv1a32(F.getName()))),
	      unlikely(MDBuilder(C).createBranchWeights(1, 2000))
	{
	}
	FnLayout run();

      private:
	Function &F;
	const Plan &P;
	const Runtime &RT;
	const DataLayout &DL;
	LLVMContext &C;
	ConstantInt *fnid;
	MDNode *unlikely;

	BasicBlock *body = nullptr;
	std::vector<AllocaInst *> allocas;         /* in the entry block's order */
	std::vector<AllocaInst *> locals;          /* the same, in first-use order */
	std::vector<AllocaInst *> machine, shadow; /* both in first-use order */
	std::vector<uint64_t> slotSize;
	SmallPtrSet<Value *, 32> prologue; /* defined before the rewind test */
	std::vector<Site> sites;
	std::vector<uint64_t> slotOffset;
	std::vector<BasicBlock *> headers;          /* of loops holding sites, in block order */
	DenseMap<BasicBlock *, PHINode *> loopSite; /* header -> the site being rewound to */
	uint64_t frameSize = 0, frameAlign = 16;
	Value *oldSp = nullptr;

	/* Definitions on the rewind paths, for SSAUpdater. */
	std::vector<Value *> repairOrder;
	DenseMap<Value *, std::vector<std::pair<BasicBlock *, Value *>>> repairs;

	void prepare();
	void copyByvalArguments();
	void orderLocals();
	void splitSites();
	void findLoops();
	void classify();
	bool escapes(AllocaInst *A, std::vector<Value *> &derived) const;
	void plan(const SsaLiveness &ssa);
	BasicBlock *buildPrologue();
	void buildLoopEntries();
	void buildRewind(BasicBlock *test);
	void buildUnwind();
	void repairSsa();
	void buildEpilogues();
	FnLayout layout() const;

	/*
	 * The ABIs align some locals differently (x86-64 aligns arrays of 16
	 * bytes or more to 16, aarch64 to their element): a slot's alignment
	 * is the larger of its alloca's and an ISA-neutral one, 16 for 16
	 * bytes or more, else the largest power of two dividing the size.
	 */
	uint64_t slotAlign(const AllocaInst *A) const
	{
		uint64_t size = localSize(A);
		uint64_t neutral = size >= 16 ? 16 : size ? size & -size : 1;
		return std::max<uint64_t>(A->getAlign().value(), neutral);
	}
	uint64_t localSize(const AllocaInst *A) const
	{
		return A->getAllocationSizeInBits(DL).getValueOr(TypeSize::getFixed(0)) / 8;
	}
	Value *recAddr(IRBuilder<> &B, Value *rec, uint64_t off, Type *T) const
	{
		Value *p = B.CreateConstGEP1_64(B.getInt8Ty(), rec, off);
		return B.CreateBitCast(p, PointerType::getUnqual(T));
	}
	void addRepair(Value *V, BasicBlock *BB, Value *def)
	{
		auto &defs = repairs[V];
		if (defs.empty())
			repairOrder.push_back(V);
		defs.push_back({BB, def});
	}
};

/*
 * Attributes that stop holding: an unwinding function returns 0, and on the
 * rewind path a call passes 0 for arguments the callee does not read
 * again. Both are fine for plain values but not for "nonnull", "noundef",
 * "dereferenceable", "align" (a poison or undefined-behaviour promise the
 * optimizer would use to delete the rewind path) or "returned" (the call's
 * result is not the argument then). Memory attributes and noreturn go too.
 */
template <typename T> void relaxAttributes(T &X, unsigned nargs)
{
	for (unsigned i = 0; i < nargs; i++) {
		for (auto kind :
		     {Attribute::NonNull, Attribute::Dereferenceable,
		      Attribute::DereferenceableOrNull, Attribute::NoUndef, Attribute::Returned})
			X.removeParamAttr(i, kind);
		if (!X.getAttributes().hasParamAttr(i, Attribute::ByVal) &&
		    !X.getAttributes().hasParamAttr(i, Attribute::StructRet))
			X.removeParamAttr(i, Attribute::Alignment);
	}
	for (auto kind :
	     {Attribute::NonNull, Attribute::Dereferenceable, Attribute::DereferenceableOrNull,
	      Attribute::NoUndef, Attribute::Alignment})
		X.removeRetAttr(kind);
	for (auto kind : {Attribute::NoReturn, Attribute::ReadNone, Attribute::ReadOnly,
	                  Attribute::WriteOnly, Attribute::ArgMemOnly,
	                  Attribute::InaccessibleMemOnly, Attribute::InaccessibleMemOrArgMemOnly,
	                  Attribute::NoCallback, Attribute::Speculatable})
		X.removeFnAttr(kind);
}

/* ------------------------------------------------------------- prepare -- */

void Instrumenter::prepare()
{
	BasicBlock *entry = &F.getEntryBlock();
	for (Instruction &I : *entry)
		if (auto *A = dyn_cast<AllocaInst>(&I); A && A->isStaticAlloca())
			allocas.push_back(A);
	copyByvalArguments();
	orderLocals();

	/* The rewind path enters the ranges of lifetime.start without it. */
	std::vector<Instruction *> markers;
	for (BasicBlock &BB : F)
		for (Instruction &I : BB)
			if (auto *II = dyn_cast<IntrinsicInst>(&I))
				if (II->isLifetimeStartOrEnd())
					markers.push_back(II);
	for (Instruction *I : markers) {
		Value *ptr = I->getOperand(1);
		I->eraseFromParent();
		RecursivelyDeleteTriviallyDeadInstructions(ptr);
	}

	Instruction *last = nullptr;
	for (AllocaInst *A : allocas) {
		if (!last)
			A->moveBefore(&entry->front());
		else
			A->moveAfter(last);
		last = A;
	}
	body = entry->splitBasicBlock(last ? last->getNextNode() : &entry->front(), "hexo.body");
	prologue.insert(allocas.begin(), allocas.end());
}

/*
 * A struct passed by value in memory to a function that is not a call site
 * (byval, on x86-64) is copied into a local of its own first, which is what
 * aarch64's ABI does (a copy passed by address): both ISAs then have the
 * same shadow slots.
 */
void Instrumenter::copyByvalArguments()
{
	BasicBlock *entry = &F.getEntryBlock();
	for (BasicBlock &BB : F)
		for (Instruction &I : BB) {
			auto *CB = dyn_cast<CallBase>(&I);
			if (!CB || isCallSite(*CB, P, RT))
				continue;
			for (unsigned i = 0; i < CB->arg_size(); i++) {
				if (!CB->isByValArgument(i))
					continue;
				Type *T = CB->getParamByValType(i);
				Align al = CB->getParamAlign(i).getValueOr(DL.getABITypeAlign(T));
				auto *tmp = new AllocaInst(T, DL.getAllocaAddrSpace(), nullptr, al,
				                           "hexo.byval");
				if (allocas.empty())
					tmp->insertBefore(&entry->front());
				else
					tmp->insertAfter(allocas.back());
				allocas.push_back(tmp);
				IRBuilder<> B(CB);
				Value *arg = CB->getArgOperand(i);
				B.CreateMemCpy(tmp, al, arg, Align(1), DL.getTypeAllocSize(T));
				CB->setArgOperand(i, B.CreateBitCast(tmp, arg->getType()));
			}
		}
}

/*
 * The order of locals in shadow frames and records: by their first use in
 * the function (blocks in layout order), lifetime markers included. It is
 * the same on every ISA even where the ABI makes the front end create a
 * temporary on one ISA only or at another place in the alloca list.
 */
void Instrumenter::orderLocals()
{
	DenseMap<Value *, AllocaInst *> root;
	for (AllocaInst *A : allocas) {
		std::vector<Value *> work{A};
		while (!work.empty()) {
			Value *p = work.back();
			work.pop_back();
			root[p] = A;
			for (User *U : p->users())
				if (isa<BitCastInst>(U) || isa<AddrSpaceCastInst>(U) ||
				    (isa<GetElementPtrInst>(U) &&
				     cast<GetElementPtrInst>(U)->getPointerOperand() == p))
					work.push_back(U);
		}
	}
	SmallPtrSet<AllocaInst *, 32> seen;
	std::vector<AllocaInst *> order;
	for (BasicBlock &BB : F)
		for (Instruction &I : BB)
			for (Value *op : I.operand_values()) {
				auto it = root.find(op);
				if (it != root.end() && seen.insert(it->second).second)
					order.push_back(it->second);
			}
	for (AllocaInst *A : allocas)
		if (seen.insert(A).second)
			order.push_back(A);
	locals = order;
}

void Instrumenter::splitSites()
{
	std::vector<CallBase *> calls;
	for (BasicBlock &BB : F)
		for (Instruction &I : BB)
			if (auto *CB = dyn_cast<CallBase>(&I); CB && isCallSite(*CB, P, RT))
				calls.push_back(CB);
	for (CallBase *CB : calls) {
		unsigned k = sites.size() + 1;
		BasicBlock *BB = CB->getParent();
		BasicBlock *callBB = BB;
		if (CB != &BB->front())
			callBB = BB->splitBasicBlock(CB, "hexo.call" + Twine(k));
		BasicBlock *contBB =
		    callBB->splitBasicBlock(CB->getNextNode(), "hexo.cont" + Twine(k));
		sites.push_back({CB, k, callBB, contBB, {}, {}, 0, {}, nullptr});

		/* Work follows it now (no tail call), and see relaxAttributes. */
		if (auto *CI = dyn_cast<CallInst>(CB))
			CI->setTailCallKind(CallInst::TCK_None);
		relaxAttributes(*CB, CB->arg_size());
	}
}

/*
 * The loops around each site. A rewind enters a loop through its header,
 * never into the middle of its body: the loop stays a natural loop that
 * later passes optimize (an edge from the rewind dispatch straight to the
 * call would make it irreducible). The phis of those headers become locals
 * first, so the headers can gain predecessors.
 */
void Instrumenter::findLoops()
{
	DominatorTree DT(F);
	LoopInfo LI(DT);
	SmallPtrSet<BasicBlock *, 8> seen;

	for (Site &s : sites) {
		for (Loop *L = LI.getLoopFor(s.callBB); L; L = L->getParentLoop())
			s.loops.insert(s.loops.begin(), L->getHeader());
		seen.insert(s.loops.begin(), s.loops.end());
	}
	for (BasicBlock &BB : F)
		if (seen.count(&BB))
			headers.push_back(&BB);
	for (BasicBlock *H : headers) {
		std::vector<PHINode *> phis;
		for (PHINode &PN : H->phis())
			phis.push_back(&PN);
		for (PHINode *PN : phis) {
			AllocaInst *A = DemotePHIToStack(PN, F.getEntryBlock().getTerminator());
			allocas.push_back(A);
			locals.push_back(A);
			prologue.insert(A);
		}
	}
}

/* ------------------------------------------------------------ classify -- */

/*
 * Whether A's address escapes: used, directly or through casts and GEPs,
 * otherwise than as the address of a load, a store or a memory intrinsic.
 * `derived` gets the casts and GEPs.
 */
bool Instrumenter::escapes(AllocaInst *A, std::vector<Value *> &derived) const
{
	std::vector<Value *> work{A};
	while (!work.empty()) {
		Value *p = work.back();
		work.pop_back();
		for (Use &U : p->uses()) {
			auto *I = cast<Instruction>(U.getUser());
			if (isa<BitCastInst>(I) || isa<AddrSpaceCastInst>(I) ||
			    (isa<GetElementPtrInst>(I) && U.getOperandNo() == 0)) {
				derived.push_back(I);
				work.push_back(I);
			} else if (isa<LoadInst>(I) || isa<DbgInfoIntrinsic>(I)) {
			} else if (auto *S = dyn_cast<StoreInst>(I)) {
				if (S->getValueOperand() == p)
					return true;
			} else if (isa<MemIntrinsic>(I) && U.getOperandNo() < 2) {
			} else {
				return true;
			}
		}
	}
	return false;
}

void Instrumenter::classify()
{
	SsaLiveness ssa(F, prologue);

	for (AllocaInst *A : locals) {
		std::vector<Value *> derived;
		bool toShadow = localSize(A) > kMaxMachineLocal || escapes(A, derived);
		for (Value *D : derived)
			for (const Site &s : sites)
				toShadow = toShadow || ssa.liveIn(s.contBB, D);
		(toShadow ? shadow : machine).push_back(A);
	}

	uint64_t cur = 0;
	for (AllocaInst *A : shadow) {
		uint64_t align = slotAlign(A);
		uint64_t off = alignTo(cur, align);
		slotOffset.push_back(off);
		slotSize.push_back(localSize(A));
		cur = off + localSize(A);
		frameAlign = std::max(frameAlign, align);
	}
	frameSize = alignTo(cur, 16);
	plan(ssa);
}

/* What each site's record holds. */
void Instrumenter::plan(const SsaLiveness &ssa)
{
	LocalLiveness locals(F, machine);

	for (Site &s : sites) {
		s.size = 4;
		for (unsigned j = 0; j < machine.size(); j++)
			if (locals.liveIn(s.contBB, j)) {
				s.locals.push_back(machine[j]);
				s.size += localSize(machine[j]);
			}
		Value *callee = nullptr;
		if (isIndirect(*s.call)) {
			callee = s.call->getCalledOperand();
			if (!isa<Constant>(callee) && !prologue.count(callee))
				s.values.push_back(callee);
		}
		for (Value *V : ssa.liveInValues(s.contBB))
			if (V != s.call && V != callee)
				s.values.push_back(V);
		for (Value *V : s.values) {
			Type *T = V->getType();
			if (!T->isSized() || T->isTokenTy()) {
				errs()
				    << "hexo-instrument: internal error: function " << F.getName()
				    << ": a value of type " << *T << " is live across a call\n";
				exit(2);
			}
			s.size += DL.getTypeStoreSize(T);
		}
	}
}

/* ------------------------------------------------------------- rewrite -- */

/* The shadow frame and the rewind test; returns the block of the test. */
BasicBlock *Instrumenter::buildPrologue()
{
	BasicBlock *entry = &F.getEntryBlock();
	Instruction *term = entry->getTerminator();
	IRBuilder<> B(term);
	Type *i8 = B.getInt8Ty(), *i8p = B.getInt8PtrTy(), *ip = DL.getIntPtrType(C);

	if (!shadow.empty()) {
		LoadInst *old = B.CreateLoad(i8p, RT.shadowSp, "hexo.ssp");
		/* frame = (old - size) & ~(align - 1), as a GEP from old */
		Value *low =
		    B.CreateSub(B.CreatePtrToInt(old, ip), ConstantInt::get(ip, frameSize));
		Value *mis = B.CreateAnd(low, ConstantInt::get(ip, frameAlign - 1));
		Value *delta = B.CreateSub(ConstantInt::get(ip, -(int64_t)frameSize), mis);
		Value *frame = B.CreateGEP(i8, old, delta, "hexo.frame");
		Value *limit = B.CreateLoad(i8p, RT.shadowLimit, "hexo.slimit");
		Value *full = B.CreateICmpULT(frame, limit, "hexo.full");
		Instruction *then = SplitBlockAndInsertIfThen(full, term, true, unlikely);
		then->getParent()->setName("hexo.overflow");
		term->getParent()->setName("hexo.frame");
		B.SetInsertPoint(then);
		B.CreateCall(RT.shadowOverflow,
		             {B.CreateGlobalStringPtr(F.getName(), "hexo.fn." + F.getName())});

		B.SetInsertPoint(term);
		B.CreateStore(frame, RT.shadowSp);
		for (unsigned i = 0; i < shadow.size(); i++) {
			AllocaInst *A = shadow[i];
			Value *slot = B.CreateConstGEP1_64(i8, frame, slotOffset[i]);
			Value *ptr = B.CreateBitCast(slot, A->getType());
			ptr->takeName(A);
			A->replaceAllUsesWith(ptr);
			A->eraseFromParent();
		}
		oldSp = old;
	}

	BasicBlock *test = term->getParent();
	for (BasicBlock *BB : {entry, test})
		for (Instruction &I : *BB)
			prologue.insert(&I);
	B.SetInsertPoint(term);
	Value *state = B.CreateLoad(B.getInt32Ty(), RT.migState, "hexo.state");
	Value *rewinding = B.CreateICmpEQ(state, B.getInt32(2), "hexo.rewinding");
	BasicBlock *rewind = BasicBlock::Create(C, "hexo.rewind", &F);
	B.CreateCondBr(rewinding, rewind, body, unlikely);
	term->eraseFromParent();
	return test;
}

/*
 * Each header H of a loop holding sites becomes a dispatch block:
 *	H:      %site = phi [0, the loop's own predecessors], [k, rewind.k] or
 *	                [%site of the enclosing loop, its dispatch]
 *	        switch %site, H.loop [k -> next loop header or call.k]
 *	H.loop: the header's code
 */
void Instrumenter::buildLoopEntries()
{
	for (BasicBlock *H : headers) {
		std::vector<BasicBlock *> preds(pred_begin(H), pred_end(H));
		BasicBlock *rest = H->splitBasicBlock(
		    H->getFirstNonPHI(), H->hasName() ? H->getName() + ".loop" : "hexo.loop");
		for (Site &s : sites)
			if (s.callBB == H)
				s.callBB = rest;
		PHINode *site = PHINode::Create(Type::getInt32Ty(C), preds.size() + 1,
		                                "hexo.loopsite", &H->front());
		for (BasicBlock *P : preds)
			site->addIncoming(ConstantInt::get(Type::getInt32Ty(C), 0), P);
		H->getTerminator()->eraseFromParent();
		SwitchInst::Create(site, rest, 1, H);
		loopSite[H] = site;
	}
	/* The path of each site: header by header, then a block of its own
	 * (where the SSA values are restored), then its call. */
	for (Site &s : sites) {
		if (s.loops.empty())
			continue;
		s.enter = BasicBlock::Create(C, "hexo.enter" + Twine(s.k), &F);
		BranchInst::Create(s.callBB, s.enter);
		for (size_t i = 0; i < s.loops.size(); i++) {
			BasicBlock *H = s.loops[i];
			BasicBlock *next = i + 1 < s.loops.size() ? s.loops[i + 1] : s.enter;
			auto *sw = cast<SwitchInst>(H->getTerminator());
			ConstantInt *k = ConstantInt::get(Type::getInt32Ty(C), s.k);
			sw->addCase(k, next); /* one more edge H -> next */
			if (i + 1 < s.loops.size())
				loopSite[next]->addIncoming(loopSite[H], H);
		}
	}
	for (BasicBlock *H : headers) {
		auto *sw = cast<SwitchInst>(H->getTerminator());
		SmallVector<uint32_t, 8> w(sw->getNumSuccessors(), 1);
		w[0] = 2000 * (sw->getNumSuccessors() - 1);
		sw->setMetadata(LLVMContext::MD_prof, MDBuilder(C).createBranchWeights(w));
	}
}

void Instrumenter::buildRewind(BasicBlock *test)
{
	BasicBlock *rewind = test->getTerminator()->getSuccessor(0);
	IRBuilder<> B(rewind);
	Value *rec = B.CreateCall(RT.recPop, {fnid}, "hexo.rec");
	Value *site = B.CreateAlignedLoad(B.getInt32Ty(), recAddr(B, rec, 0, B.getInt32Ty()),
	                                  Align(1), "hexo.site");
	BasicBlock *bad = BasicBlock::Create(C, "hexo.badsite", &F);
	SwitchInst *sw = B.CreateSwitch(site, bad, sites.size());
	B.SetInsertPoint(bad);
	B.CreateCall(RT.rewindBadSite, {fnid, site});
	B.CreateUnreachable();

	for (Site &s : sites) {
		BasicBlock *rb = BasicBlock::Create(C, "hexo.rewind" + Twine(s.k), &F);
		sw->addCase(B.getInt32(s.k), rb);
		B.SetInsertPoint(rb);
		B.SetCurrentDebugLocation(s.call->getDebugLoc());
		uint64_t off = 4;
		for (AllocaInst *A : s.locals) {
			Type *T = A->getAllocatedType();
			if (!A->isArrayAllocation() && T->isSingleValueType()) {
				Value *v =
				    B.CreateAlignedLoad(T, recAddr(B, rec, off, T), Align(1));
				B.CreateAlignedStore(v, A, A->getAlign());
			} else {
				Value *src = B.CreateConstGEP1_64(B.getInt8Ty(), rec, off);
				B.CreateMemCpy(A, A->getAlign(), src, Align(1), localSize(A));
			}
			off += localSize(A);
		}
		/* In a loop, the rest waits until the path has entered the loops,
		 * so no value has to travel through their headers. */
		BasicBlock *at = rb;
		if (!s.loops.empty()) {
			B.CreateBr(s.loops[0]);
			loopSite[s.loops[0]]->addIncoming(B.getInt32(s.k), rb);
			at = s.enter;
			B.SetInsertPoint(s.enter->getTerminator());
		}
		SmallPtrSet<Value *, 8> saved(s.values.begin(), s.values.end());
		for (Value *V : s.values) {
			Type *T = V->getType();
			Value *r = B.CreateAlignedLoad(T, recAddr(B, rec, off, T), Align(1),
			                               V->getName() + ".r");
			addRepair(V, at, r);
			off += DL.getTypeStoreSize(T);
		}
		/* The other operands of the call are not needed again: 0. */
		for (Value *V : s.call->operand_values()) {
			auto *I = dyn_cast<Instruction>(V);
			if (!I || prologue.count(I) || saved.count(I))
				continue;
			saved.insert(I);
			addRepair(I, at, Constant::getNullValue(I->getType()));
		}
		if (s.loops.empty())
			B.CreateBr(s.callBB);
	}
	/* The record pointer, used in the enter blocks, through the headers. */
	repairOrder.push_back(rec);
	repairs[rec];
}

void Instrumenter::buildUnwind()
{
	for (Site &s : sites) {
		Instruction *term = s.callBB->getTerminator();
		IRBuilder<> B(term);
		Value *state = B.CreateLoad(B.getInt32Ty(), RT.migState, "hexo.state");
		Value *unwinding = B.CreateICmpNE(state, B.getInt32(0), "hexo.unwinding");
		BasicBlock *ub = BasicBlock::Create(C, "hexo.unwind" + Twine(s.k), &F);
		B.CreateCondBr(unwinding, ub, s.contBB, unlikely);
		term->eraseFromParent();

		B.SetInsertPoint(ub);
		B.SetCurrentDebugLocation(s.call->getDebugLoc());
		Value *rec = B.CreateCall(RT.recPush, {fnid, B.getInt64(s.size)}, "hexo.rec");
		B.CreateAlignedStore(B.getInt32(s.k), recAddr(B, rec, 0, B.getInt32Ty()), Align(1));
		uint64_t off = 4;
		for (AllocaInst *A : s.locals) {
			Type *T = A->getAllocatedType();
			if (!A->isArrayAllocation() && T->isSingleValueType()) {
				Value *v = B.CreateAlignedLoad(T, A, A->getAlign());
				B.CreateAlignedStore(v, recAddr(B, rec, off, T), Align(1));
			} else {
				Value *dst = B.CreateConstGEP1_64(B.getInt8Ty(), rec, off);
				B.CreateMemCpy(dst, Align(1), A, A->getAlign(), localSize(A));
			}
			off += localSize(A);
		}
		for (Value *V : s.values) {
			B.CreateAlignedStore(V, recAddr(B, rec, off, V->getType()), Align(1));
			off += DL.getTypeStoreSize(V->getType());
		}
		Type *R = F.getReturnType();
		if (R->isVoidTy())
			B.CreateRetVoid();
		else
			B.CreateRet(Constant::getNullValue(R));
	}
}

/* Every use of a value with rewind-path definitions gets the right one. */
void Instrumenter::repairSsa()
{
	for (Value *V : repairOrder) {
		SSAUpdater up;
		BasicBlock *def =
		    isa<Argument>(V) ? &F.getEntryBlock() : cast<Instruction>(V)->getParent();
		up.Initialize(V->getType(), V->getName());
		up.AddAvailableValue(def, V);
		for (auto &d : repairs[V])
			up.AddAvailableValue(d.first, d.second);
		SmallVector<Use *, 16> uses;
		for (Use &U : V->uses())
			uses.push_back(&U);
		for (Use *U : uses) {
			auto *I = cast<Instruction>(U->getUser());
			if (!isa<PHINode>(I) && I->getParent() == def)
				continue; /* after the definition, in its block */
			up.RewriteUse(*U);
		}
	}
}

void Instrumenter::buildEpilogues()
{
	if (!oldSp)
		return;
	for (BasicBlock &BB : F)
		if (auto *R = dyn_cast<ReturnInst>(BB.getTerminator()))
			new StoreInst(oldSp, RT.shadowSp, R);
}

static std::string join(const std::vector<std::string> &v, const char *sep)
{
	std::string s;
	for (size_t i = 0; i < v.size(); i++)
		s += (i ? sep : "") + v[i];
	return s;
}

FnLayout Instrumenter::layout() const
{
	FnLayout L;
	L.name = F.getName().str();
	L.id = fnid->getZExtValue();
	L.frame = frameSize;
	L.align = frameAlign;
	std::vector<std::string> slots;
	for (unsigned i = 0; i < shadow.size(); i++)
		slots.push_back(std::to_string(slotSize[i]) + "@" + std::to_string(slotOffset[i]));
	L.slots = join(slots, ",");
	for (const Site &s : sites) {
		SiteLayout sl;
		sl.k = s.k;
		Function *G = directCallee(*s.call);
		sl.callee = !G ? "indirect" : G == RT.migratePoint ? "point" : G->getName().str();
		std::vector<std::string> a, v;
		for (AllocaInst *A : s.locals) {
			std::string t = neutralType(A->getAllocatedType());
			if (A->isArrayAllocation())
				t = "[" +
				    std::to_string(localSize(A) /
				                   DL.getTypeAllocSize(A->getAllocatedType())) +
				    " x " + t + "]";
			a.push_back(t);
		}
		for (Value *V : s.values)
			v.push_back(neutralType(V->getType()));
		sl.allocas = join(a, ";");
		sl.values = join(v, ";");
		sl.size = s.size;
		L.sites.push_back(sl);
	}
	return L;
}

FnLayout Instrumenter::run()
{
	relaxAttributes(F, F.arg_size());
	prepare();
	splitSites();
	findLoops();
	classify();
	BasicBlock *test = buildPrologue();
	buildLoopEntries();
	buildRewind(test);
	buildUnwind();
	repairSsa();
	buildEpilogues();
	return layout();
}

} // namespace

FnLayout instrumentFunction(Function &F, const Plan &P, const Runtime &RT)
{
	return Instrumenter(F, P, RT).run();
}

} // namespace hexo
