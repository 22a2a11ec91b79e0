// SPDX-License-Identifier: MIT
/*
 * Liveness at block entries, for the frame records (transform.cpp):
 *   - SsaLiveness: which arguments and instruction results are live;
 *   - LocalLiveness: which machine-stack locals (allocas whose address
 *     does not escape) hold a value that may still be read.
 */
#ifndef HEXO_LIVENESS_H
#define HEXO_LIVENESS_H

#include <bitset>
#include <vector>

#include <llvm/ADT/BitVector.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/Instructions.h>

namespace hexo
{

class SsaLiveness
{
      public:
	/* The arguments and instructions of F but those in `skip` (and those
	 * used only in their own block, which are never live at an entry). */
	SsaLiveness(llvm::Function &F, const llvm::SmallPtrSetImpl<llvm::Value *> &skip);
	bool liveIn(const llvm::BasicBlock *BB, const llvm::Value *V) const;
	/* Live at BB's entry, arguments first, then instructions in block
	 * layout and instruction order (the record's canonical order). */
	std::vector<llvm::Value *> liveInValues(const llvm::BasicBlock *BB) const;

      private:
	std::vector<llvm::Value *> values;
	llvm::DenseMap<const llvm::Value *, unsigned> index;
	llvm::DenseMap<const llvm::BasicBlock *, llvm::BitVector> in;
};

/*
 * A local's accesses are loads, stores and memcpy/memmove/memset through
 * pointers derived by casts and GEPs. Bytes that no instruction ever
 * writes hold no value; a write that covers every byte ever written ends
 * the previous value (a kill); a read of a written byte is a use.
 * Locals are at most 256 bytes (larger ones live on the shadow stack).
 */
class LocalLiveness
{
      public:
	static const unsigned kMaxBytes = 256;
	LocalLiveness(llvm::Function &F, const std::vector<llvm::AllocaInst *> &locals);
	bool liveIn(const llvm::BasicBlock *BB, unsigned local) const
	{
		return in.lookup(BB).test(local);
	}

      private:
	using Bytes = std::bitset<kMaxBytes>;
	struct Access {
		unsigned local;
		bool write;
		bool known; /* byte range known */
		Bytes bytes;
	};
	void collect(llvm::AllocaInst *A, unsigned local,
	             llvm::DenseMap<const llvm::Instruction *, std::vector<Access>> &acc);
	llvm::DenseMap<const llvm::BasicBlock *, llvm::BitVector> in;
};

} // namespace hexo

#endif
