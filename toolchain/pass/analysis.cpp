// SPDX-License-Identifier: MIT
/*
 * Which functions are instrumented, what is refused in them, and the
 * guard around calls out of the program (docs/migration.md, "What the pass
 * does" and "Refused").
 *
 * A function is instrumented when it has a point, calls an instrumented
 * function, or makes an indirect call while some address-taken function is
 * instrumented (fixed point). Its call sites are those calls and the points.
 */
#include "instrument.h"

#include <set>

#include <llvm/ADT/StringSet.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/IntrinsicInst.h>

using namespace llvm;

namespace hexo
{

/* Used other than as the callee of a call (through casts)? */
static bool addressTaken(const Value *V)
{
	for (const Use &U : V->uses()) {
		const User *u = U.getUser();
		if (auto *CE = dyn_cast<ConstantExpr>(u)) {
			if (CE->isCast() && addressTaken(CE))
				return true;
			if (!CE->isCast())
				return true;
			continue;
		}
		if (auto *GA = dyn_cast<GlobalAlias>(u)) {
			if (addressTaken(GA))
				return true;
			continue;
		}
		auto *CB = dyn_cast<CallBase>(u);
		if (!CB || !CB->isCallee(&U))
			return true;
	}
	return false;
}

static bool hasPoint(const Function &F, const Runtime &RT)
{
	for (const BasicBlock &BB : F)
		for (const Instruction &I : BB)
			if (auto *CB = dyn_cast<CallBase>(&I))
				if (directCallee(*CB) == RT.migratePoint)
					return true;
	return false;
}

/* Why F must be instrumented given the current set, or "". */
static std::string reason(const Function &F, const Plan &P)
{
	for (const BasicBlock &BB : F)
		for (const Instruction &I : BB) {
			auto *CB = dyn_cast<CallBase>(&I);
			if (!CB)
				continue;
			Function *G = directCallee(*CB);
			if (G && P.instrumented.count(G))
				return "calls " + G->getName().str() + " (instrumented)";
			if (P.indirectSites && isIndirect(*CB))
				return "makes an indirect call (" + P.indirectReason +
				       " is address-taken and instrumented)";
		}
	return "";
}

void planInstrumentation(Module &M, const Runtime &RT, Plan &P)
{
	for (Function &F : M)
		if (isEligible(F) && hasPoint(F, RT))
			P.instrumented.insert(&F);
	for (bool changed = true; changed;) {
		changed = false;
		for (Function &F : M) {
			if (!P.indirectSites && P.instrumented.count(&F) && addressTaken(&F)) {
				P.indirectSites = true;
				P.indirectReason = F.getName().str();
				changed = true;
			}
		}
		for (Function &F : M) {
			if (!isEligible(F) || P.instrumented.count(&F))
				continue;
			std::string why = reason(F, P);
			if (why.empty())
				continue;
			P.instrumented.insert(&F);
			P.why[&F] = why;
			changed = true;
		}
	}
	for (Function *F : P.instrumented)
		if (addressTaken(F))
			P.why[F] = "address taken, " + P.why[F];
}

bool isCallSite(const CallBase &CB, const Plan &P, const Runtime &RT)
{
	if (CB.isInlineAsm())
		return false;
	Function *G = directCallee(CB);
	if (!G)
		return P.indirectSites;
	return G == RT.migratePoint || P.instrumented.count(G);
}

/* ------------------------------------------------------------ refused -- */

static bool isSetjmp(const CallBase &CB)
{
	static const StringSet<> names = {"setjmp",     "_setjmp", "sigsetjmp", "__sigsetjmp",
	                                  "_sigsetjmp", "savectx", "vfork",     "getcontext"};
	Function *G = directCallee(CB);
	return CB.hasFnAttr(Attribute::ReturnsTwice) || (G && names.count(G->getName()));
}

static uint64_t byvalSize(const DataLayout &DL, Type *T)
{
	return T ? DL.getTypeAllocSize(T).getFixedSize() : 0;
}

static std::string onIsa(const Options &O)
{
	return O.isa.empty() ? "" : " on " + O.isa;
}

/* The reasons F cannot be instrumented (one line per kind). */
static std::set<std::string> refusals(Function &F, const Plan &P, const Runtime &RT,
                                      const Options &O)
{
	const DataLayout &DL = F.getParent()->getDataLayout();
	std::set<std::string> why;

	for (Argument &A : F.args())
		if (A.hasByValAttr())
			why.insert("takes a struct of " +
			           std::to_string(byvalSize(DL, A.getParamByValType())) +
			           " bytes by value (a byval argument" + onIsa(O) +
			           "), which cannot be rewound: pass a pointer to it instead");
	for (BasicBlock &BB : F)
		for (Instruction &I : BB) {
			if (auto *AI = dyn_cast<AllocaInst>(&I)) {
				if (!AI->isStaticAlloca())
					why.insert(
					    "has a variable-length array or an alloca() of "
					    "run-time "
					    "size, which cannot be rewound: use a fixed-size array "
					    "or malloc");
				continue;
			}
			if (isa<InvokeInst>(I) || isa<CallBrInst>(I)) {
				why.insert("uses invoke or asm goto, which cannot be migrated");
				continue;
			}
			auto *CB = dyn_cast<CallBase>(&I);
			if (!CB)
				continue;
			if (CB->isInlineAsm()) {
				why.insert(
				    "contains inline assembly, which cannot be migrated: move "
				    "it into a function that reaches no migration point");
				continue;
			}
			if (isSetjmp(*CB)) {
				why.insert(
				    "calls setjmp (or another function that returns twice), "
				    "which cannot be unwound and rewound: keep setjmp/longjmp "
				    "out of the functions that reach a migration point");
				continue;
			}
			if (auto *II = dyn_cast<IntrinsicInst>(CB)) {
				if (II->getIntrinsicID() == Intrinsic::vastart)
					why.insert(
					    "is variadic and calls va_start, which cannot be "
					    "rewound: take a va_list or an array instead");
				continue;
			}
			if (auto *CI = dyn_cast<CallInst>(CB); CI && CI->isMustTailCall())
				why.insert("has a musttail call, which cannot be migrated");
			if (!isCallSite(*CB, P, RT))
				continue;
			for (unsigned i = 0; i < CB->arg_size(); i++) {
				if (!CB->isByValArgument(i) && !CB->isInAllocaArgument(i))
					continue;
				Function *G = directCallee(*CB);
				Type *T = CB->isByValArgument(i) ? CB->getParamByValType(i)
				                                 : CB->getParamInAllocaType(i);
				why.insert(
				    "passes a struct of " + std::to_string(byvalSize(DL, T)) +
				    " bytes by value (byval" + onIsa(O) + ") to " +
				    (G ? G->getName().str() : std::string("a function pointer")) +
				    " at a call that can migrate: pass a pointer instead");
			}
		}
	return why;
}

void checkRefused(Module &M, const Plan &P, const Runtime &RT, const Options &O,
                  std::vector<std::string> &errors)
{
	for (Function &F : M) {
		if (!P.instrumented.count(&F))
			continue;
		for (const std::string &why : refusals(F, P, RT, O))
			errors.push_back("hexocc: error: function " + F.getName().str() + ": " +
			                 why);
	}
}

/* -------------------------------------------------- calls out of the IR -- */

/*
 * Functions of newlib (and the runtime) known never to call back into the
 * program: their calls need no guard. Anything else defined outside the IR
 * (qsort, bsearch, exit with its atexit handlers, a native object) may.
 */
static bool callsBack(const Function &G)
{
	static const StringSet<> leaf = {
	    /* <math.h> */
	    "sqrt", "cbrt", "hypot", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh",
	    "cosh", "tanh", "asinh", "acosh", "atanh", "exp", "exp2", "expm1", "log", "log2",
	    "log10", "log1p", "logb", "ilogb", "pow", "fabs", "floor", "ceil", "round", "lround",
	    "llround", "trunc", "rint", "lrint", "llrint", "nearbyint", "fmod", "remainder",
	    "remquo", "fmin", "fmax", "fdim", "fma", "frexp", "ldexp", "modf", "scalbn", "scalbln",
	    "copysign", "nextafter", "erf", "erfc", "tgamma", "lgamma", "sincos",
	    /* <string.h>, <stdlib.h> */
	    "memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strnlen", "strcmp",
	    "strncmp", "strcpy", "strncpy", "strcat", "strncat", "strchr", "strrchr", "strstr",
	    "strdup", "strndup", "strspn", "strcspn", "strpbrk", "strtok", "strtok_r", "strerror",
	    "strtol", "strtoul", "strtoll", "strtoull", "strtod", "strtof", "strtold", "atoi",
	    "atol", "atoll", "atof", "abs", "labs", "llabs", "div", "ldiv", "malloc", "calloc",
	    "realloc", "free", "aligned_alloc", "posix_memalign", "memalign", "rand", "srand",
	    "rand_r", "random", "srandom", "getenv",
	    /* <stdio.h> */
	    "printf", "fprintf", "sprintf", "snprintf", "vprintf", "vfprintf", "vsprintf",
	    "vsnprintf", "puts", "fputs", "putchar", "fputc", "putc", "fwrite", "fread", "fopen",
	    "fclose", "fflush", "fgets", "fgetc", "getc", "getchar", "ungetc", "sscanf", "fscanf",
	    "scanf", "fseek", "ftell", "rewind", "feof", "ferror", "clearerr", "perror", "remove",
	    "rename", "setvbuf", "open", "close", "read", "write", "lseek",
	    /* <time.h> */
	    "clock", "time", "gettimeofday", "clock_gettime", "nanosleep", "sleep", "usleep",
	    /* <hexo/migrate.h> */
	    "hexo_force_migration"};
	StringRef n = G.getName();
	return !(leaf.count(n) || n.startswith("__hexo") || G.isIntrinsic());
}

unsigned guardExternalCalls(Module &M, const Plan &P, const Runtime &RT)
{
	unsigned n = 0;

	if (!P.indirectSites)
		return 0;
	for (Function &F : M) {
		if (!isEligible(F))
			continue;
		std::vector<CallBase *> calls;
		for (BasicBlock &BB : F)
			for (Instruction &I : BB)
				if (auto *CB = dyn_cast<CallBase>(&I)) {
					Function *G = directCallee(*CB);
					if (G && G->isDeclaration() && !isPointFunction(G) &&
					    callsBack(*G))
						calls.push_back(CB);
				}
		for (CallBase *CB : calls) {
			IRBuilder<> B(CB);
			Type *i32 = B.getInt32Ty();
			Value *d = B.CreateLoad(i32, RT.uninstrDepth, "hexo.depth");
			B.CreateStore(B.CreateAdd(d, B.getInt32(1)), RT.uninstrDepth);
			n++;
			if (CB->doesNotReturn() || isa<InvokeInst>(CB))
				continue;
			B.SetInsertPoint(CB->getNextNode());
			d = B.CreateLoad(i32, RT.uninstrDepth, "hexo.depth");
			B.CreateStore(B.CreateSub(d, B.getInt32(1)), RT.uninstrDepth);
		}
	}
	return n;
}

} // namespace hexo
