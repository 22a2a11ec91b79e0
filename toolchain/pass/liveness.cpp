// SPDX-License-Identifier: MIT
/* Liveness for the frame records: see liveness.h. */
#include "liveness.h"

#include <llvm/IR/CFG.h>
#include <llvm/IR/DataLayout.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Operator.h>

using namespace llvm;

namespace hexo
{

/* ------------------------------------------------------------------ SSA -- */

/* Used in a phi or in another block than `def`? (Else never live-in.) */
static bool usedElsewhere(const Value *V, const BasicBlock *def)
{
	for (const User *U : V->users()) {
		auto *I = dyn_cast<Instruction>(U);
		if (I && (isa<PHINode>(I) || I->getParent() != def))
			return true;
	}
	return false;
}

SsaLiveness::SsaLiveness(Function &F, const SmallPtrSetImpl<Value *> &skip)
{
	for (Argument &A : F.args())
		if (usedElsewhere(&A, &F.getEntryBlock()))
			values.push_back(&A);
	for (BasicBlock &BB : F)
		for (Instruction &I : BB)
			if (!I.getType()->isVoidTy() && !skip.count(&I) && usedElsewhere(&I, &BB))
				values.push_back(&I);
	for (unsigned i = 0; i < values.size(); i++)
		index[values[i]] = i;
	for (BasicBlock &BB : F)
		in[&BB] = BitVector(values.size());

	BasicBlock *entry = &F.getEntryBlock();
	std::vector<BasicBlock *> work;
	for (unsigned i = 0; i < values.size(); i++) {
		Value *V = values[i];
		BasicBlock *def = isa<Argument>(V) ? entry : cast<Instruction>(V)->getParent();
		auto mark = [&](BasicBlock *BB) {
			if (BB == def || in[BB].test(i))
				return;
			in[BB].set(i);
			work.push_back(BB);
		};
		for (Use &U : V->uses()) {
			auto *I = dyn_cast<Instruction>(U.getUser());
			if (!I)
				continue;
			if (auto *PN = dyn_cast<PHINode>(I))
				mark(PN->getIncomingBlock(U)); /* live out of it */
			else
				mark(I->getParent());
		}
		while (!work.empty()) {
			BasicBlock *BB = work.back();
			work.pop_back();
			for (BasicBlock *pred : predecessors(BB))
				mark(pred);
		}
	}
}

bool SsaLiveness::liveIn(const BasicBlock *BB, const Value *V) const
{
	auto it = index.find(V);
	return it != index.end() && in.lookup(BB).test(it->second);
}

std::vector<Value *> SsaLiveness::liveInValues(const BasicBlock *BB) const
{
	std::vector<Value *> out;
	const BitVector &bits = in.find(BB)->second;
	for (unsigned i : bits.set_bits())
		out.push_back(values[i]);
	return out;
}

/* --------------------------------------------------------------- locals -- */

void LocalLiveness::collect(AllocaInst *A, unsigned local,
                            DenseMap<const Instruction *, std::vector<Access>> &acc)
{
	const DataLayout &DL = A->getModule()->getDataLayout();
	uint64_t size = A->getAllocationSizeInBits(DL).getValueOr(TypeSize::getFixed(0)) / 8;
	Bytes whole;
	for (uint64_t i = 0; i < size && i < kMaxBytes; i++)
		whole.set(i);

	auto range = [&](bool known, int64_t off, uint64_t len) {
		Access a{local, false, known, whole};
		if (!known || off < 0 || (uint64_t)off + len > size) {
			a.known = false;
			return a;
		}
		a.bytes.reset();
		for (uint64_t i = 0; i < len; i++)
			a.bytes.set(off + i);
		return a;
	};
	auto add = [&](const Instruction *I, Access a, bool write) {
		a.write = write;
		acc[I].push_back(a);
	};

	struct Ptr {
		Value *v;
		bool known;
		int64_t off;
	};
	std::vector<Ptr> work{{A, true, 0}};
	while (!work.empty()) {
		Ptr p = work.back();
		work.pop_back();
		for (Use &U : p.v->uses()) {
			auto *I = dyn_cast<Instruction>(U.getUser());
			if (!I)
				continue;
			if (isa<BitCastInst>(I) || isa<AddrSpaceCastInst>(I)) {
				work.push_back({I, p.known, p.off});
			} else if (auto *G = dyn_cast<GetElementPtrInst>(I)) {
				APInt off(DL.getIndexTypeSizeInBits(G->getType()), 0);
				bool known = p.known && G->accumulateConstantOffset(DL, off);
				work.push_back({I, known, known ? p.off + off.getSExtValue() : 0});
			} else if (auto *L = dyn_cast<LoadInst>(I)) {
				add(I, range(p.known, p.off, DL.getTypeStoreSize(L->getType())),
				    false);
			} else if (auto *S = dyn_cast<StoreInst>(I);
			           S && S->getPointerOperand() == p.v &&
			           S->getValueOperand() != p.v) {
				Type *T = S->getValueOperand()->getType();
				add(I, range(p.known, p.off, DL.getTypeStoreSize(T)), true);
			} else if (auto *M = dyn_cast<MemIntrinsic>(I); M && U.getOperandNo() < 2) {
				auto *len = dyn_cast<ConstantInt>(M->getLength());
				Access a =
				    range(p.known && len, p.off, len ? len->getZExtValue() : 0);
				bool dest = U.getOperandNo() == 0;
				add(I, a, dest);
			} else if (!isa<DbgInfoIntrinsic>(I)) {
				/* Not expected for a local that does not escape:
				 * count it as an unknown read and write. */
				add(I, range(false, 0, 0), false);
				add(I, range(false, 0, 0), true);
			}
		}
	}
}

LocalLiveness::LocalLiveness(Function &F, const std::vector<AllocaInst *> &locals)
{
	unsigned n = locals.size();
	DenseMap<const Instruction *, std::vector<Access>> acc;
	for (unsigned j = 0; j < n; j++)
		collect(locals[j], j, acc);

	std::vector<Bytes> written(n);
	for (auto &it : acc)
		for (const Access &a : it.second)
			if (a.write)
				written[a.local] |= a.bytes;

	/* gen: read in the block before the block wrote it all; kill: the
	 * block's writes cover it all (field by field counts). */
	DenseMap<const BasicBlock *, BitVector> gen, kill;
	std::vector<Bytes> done(n);
	for (BasicBlock &BB : F) {
		BitVector g(n), k(n);
		for (Bytes &d : done)
			d.reset();
		for (Instruction &I : BB) {
			auto it = acc.find(&I);
			if (it == acc.end())
				continue;
			for (const Access &a : it->second) /* reads first */
				if (!a.write && !k.test(a.local) &&
				    (a.bytes & written[a.local] & ~done[a.local]).any())
					g.set(a.local);
			for (const Access &a : it->second) {
				if (!a.write || !a.known)
					continue;
				done[a.local] |= a.bytes;
				if ((done[a.local] & written[a.local]) == written[a.local])
					k.set(a.local);
			}
		}
		gen[&BB] = g;
		kill[&BB] = k;
		in[&BB] = g;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (auto it = F.getBasicBlockList().rbegin(); it != F.getBasicBlockList().rend();
		     ++it) {
			BasicBlock *BB = &*it;
			BitVector out(n);
			for (BasicBlock *succ : successors(BB))
				out |= in[succ];
			out.reset(kill[BB]);
			out |= gen[BB];
			if (out != in[BB]) {
				in[BB] = out;
				changed = true;
			}
		}
	}
}

} // namespace hexo
