// SPDX-License-Identifier: MIT
/*
 * hexo-instrument: the command line (docs/migration.md).
 *
 *   hexo-instrument [-points=manual|auto] [-v] [-isa NAME] [-layout FILE] IN.bc OUT.bc
 *   hexo-instrument -verify A.layout B.layout [-names NAME_A,NAME_B]
 *
 * Options take their value as `-opt VALUE` or `-opt=VALUE`. Exit status:
 * 0; 1 with one `hexocc: error: function NAME: ...` line per refused
 * construct, or when two layouts differ; 2 on a usage or internal error.
 * Hidden, for tests/pass/host only: -request-flag-symbol NAME loads the
 * migration request from that global instead of the boot-info page.
 */
#include "instrument.h"

#include <cstring>

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Verifier.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

using namespace llvm;
using namespace hexo;

static const char usage[] =
    "usage: hexo-instrument [-points=manual|auto] [-v] [-isa NAME] [-layout FILE] IN.bc OUT.bc\n"
    "       hexo-instrument -verify A.layout B.layout [-names NAME_A,NAME_B]\n";

[[noreturn]] static void usageError(const std::string &msg)
{
	errs() << "hexo-instrument: " << msg << "\n" << usage;
	exit(2);
}

/* -name VALUE or -name=VALUE at argv[i]; advances i past it. */
static bool option(int argc, char **argv, int &i, const char *name, std::string &value)
{
	size_t n = strlen(name);
	if (strncmp(argv[i], name, n))
		return false;
	if (argv[i][n] == '=') {
		value = argv[i] + n + 1;
	} else if (argv[i][n] == 0) {
		if (i + 1 >= argc)
			usageError(std::string(name) + " needs a value");
		value = argv[++i];
	} else {
		return false;
	}
	return true;
}

static int verifyMain(int argc, char **argv)
{
	std::vector<std::string> files;
	std::string names;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-verify"))
			continue;
		if (option(argc, argv, i, "-names", names))
			continue;
		if (argv[i][0] == '-')
			usageError(std::string("unknown option ") + argv[i]);
		files.push_back(argv[i]);
	}
	if (files.size() != 2)
		usageError("-verify takes two layout files");
	std::string na = files[0], nb = files[1];
	if (!names.empty()) {
		size_t comma = names.find(',');
		if (comma == std::string::npos)
			usageError("-names takes NAME_A,NAME_B");
		na = names.substr(0, comma);
		nb = names.substr(comma + 1);
	}
	return verifyLayouts(files[0], files[1], na, nb);
}

static void printNotes(const Options &O, const std::vector<std::string> &notes)
{
	if (!O.verbose)
		return;
	for (const std::string &n : notes)
		errs() << "hexo-instrument: " << n << "\n";
}

int main(int argc, char **argv)
{
	Options O;
	std::vector<std::string> files;
	std::string points = "manual";

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-verify"))
			return verifyMain(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (option(argc, argv, i, "-points", points) ||
		    option(argc, argv, i, "-isa", O.isa) ||
		    option(argc, argv, i, "-layout", O.layoutPath) ||
		    option(argc, argv, i, "-request-flag-symbol", O.requestFlagSymbol))
			continue;
		if (!strcmp(argv[i], "-v")) {
			O.verbose = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			usageError(std::string("unknown option ") + argv[i]);
		files.push_back(argv[i]);
	}
	if (points != "manual" && points != "auto")
		usageError("-points takes manual or auto");
	O.autoPoints = points == "auto";
	if (files.size() != 2)
		usageError("needs IN.bc and OUT.bc");

	LLVMContext ctx;
	SMDiagnostic diag;
	std::unique_ptr<Module> M = parseIRFile(files[0], diag, ctx);
	if (!M) {
		diag.print("hexo-instrument", errs());
		return 2;
	}

	Runtime RT = declareRuntime(*M, O);
	Plan P;
	std::vector<std::string> notes, errors;
	unsigned added = insertPoints(*M, RT, O, P, notes);
	planInstrumentation(*M, RT, P);
	checkRefused(*M, P, RT, O, errors);
	if (!errors.empty()) {
		for (const std::string &e : errors)
			errs() << e << "\n";
		if (!O.layoutPath.empty())
			sys::fs::remove(O.layoutPath);
		return 1;
	}
	unsigned guarded = guardExternalCalls(*M, P, RT);

	std::vector<FnLayout> layout;
	std::vector<std::string> why;
	unsigned nsites = 0;
	for (Function &F : *M) {
		if (!P.instrumented.count(&F))
			continue;
		why.push_back(F.getName().str() + ": " + P.why[&F]);
		layout.push_back(instrumentFunction(F, P, RT));
		nsites += layout.back().sites.size();
	}
	printNotes(O, why);
	printNotes(O, notes);
	printNotes(O, {std::to_string(layout.size()) + " functions instrumented, " +
	               std::to_string(nsites) + " call sites, " + std::to_string(added) +
	               " automatic points, " + std::to_string(guarded) +
	               " calls out of the program guarded" +
	               (O.isa.empty() ? "" : " (" + O.isa + ")")});

	/* Runtime declarations nothing uses (nothing instrumented). */
	for (Constant *c :
	     {RT.migState, RT.shadowSp, RT.shadowLimit, RT.uninstrDepth, RT.requestFlag, RT.points,
	      (Constant *)RT.recPush, (Constant *)RT.recPop, (Constant *)RT.shadowOverflow,
	      (Constant *)RT.rewindBadSite, (Constant *)RT.migratePoint}) {
		auto *G = dyn_cast<GlobalValue>(c->stripPointerCasts());
		if (G && G->isDeclaration() && G->use_empty())
			G->eraseFromParent();
	}

	std::string err;
	raw_string_ostream es(err);
	if (verifyModule(*M, &es)) {
		errs() << "hexo-instrument: internal error: the instrumented module is broken:\n"
		       << es.str();
		return 2;
	}
	if (!O.layoutPath.empty() && !writeLayout(O.layoutPath, layout, err)) {
		errs() << "hexo-instrument: " << O.layoutPath << ": " << err << "\n";
		return 2;
	}
	std::error_code ec;
	raw_fd_ostream out(files[1], ec, sys::fs::OF_None);
	if (ec) {
		errs() << "hexo-instrument: " << files[1] << ": " << ec.message() << "\n";
		return 2;
	}
	WriteBitcodeToFile(*M, out);
	out.close();
	if (out.has_error()) {
		errs() << "hexo-instrument: " << files[1] << ": " << out.error().message() << "\n";
		return 2;
	}
	return 0;
}
