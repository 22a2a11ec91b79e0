// SPDX-License-Identifier: MIT
/*
 * The layout file and the cross-ISA check (docs/migration.md, "The
 * cross-ISA check"). One line per instrumented function and per call site:
 *
 *	fn <name> id=<hex> frame=<bytes> align=<bytes> slots=<size@offset,...>
 *	site <name> <k> callee=<name|indirect|point> size=<bytes> allocas=<types> values=<types>
 *
 * Types are ISA-neutral and ';'-separated. Two ISAs' files must be equal.
 */
#include "instrument.h"

#include <fstream>
#include <map>
#include <sstream>

#include <llvm/IR/DerivedTypes.h>
#include <llvm/Support/Format.h>
#include <llvm/Support/raw_ostream.h>

using namespace llvm;

namespace hexo
{

uint32_t fnv1a32(StringRef s)
{
	uint32_t h = 0x811c9dc5u;
	for (unsigned char c : s) {
		h ^= c;
		h *= 0x01000193u;
	}
	return h;
}

std::string neutralType(Type *T)
{
	switch (T->getTypeID()) {
	case Type::IntegerTyID:
		return "i" + std::to_string(T->getIntegerBitWidth());
	case Type::HalfTyID:
		return "half";
	case Type::BFloatTyID:
		return "bfloat";
	case Type::FloatTyID:
		return "float";
	case Type::DoubleTyID:
		return "double";
	case Type::X86_FP80TyID:
		return "x86_fp80";
	case Type::FP128TyID:
		return "fp128";
	case Type::PPC_FP128TyID:
		return "ppc_fp128";
	case Type::PointerTyID:
		return "ptr";
	case Type::StructTyID: {
		auto *S = cast<StructType>(T);
		std::string s = S->isPacked() ? "<{" : "{";
		for (unsigned i = 0; i < S->getNumElements(); i++)
			s += (i ? "," : "") + neutralType(S->getElementType(i));
		return s + (S->isPacked() ? "}>" : "}");
	}
	case Type::ArrayTyID:
		return "[" + std::to_string(T->getArrayNumElements()) + " x " +
		       neutralType(T->getArrayElementType()) + "]";
	case Type::FixedVectorTyID: {
		auto *V = cast<FixedVectorType>(T);
		return "<" + std::to_string(V->getNumElements()) + " x " +
		       neutralType(V->getElementType()) + ">";
	}
	default: {
		std::string s;
		raw_string_ostream os(s);
		T->print(os);
		return os.str();
	}
	}
}

bool writeLayout(const std::string &path, const std::vector<FnLayout> &fns, std::string &err)
{
	std::error_code ec;
	raw_fd_ostream os(path, ec);
	if (ec) {
		err = ec.message();
		return false;
	}
	for (const FnLayout &f : fns) {
		os << "fn " << f.name << " id=" << format_hex_no_prefix(f.id, 8)
		   << " frame=" << f.frame << " align=" << f.align << " slots=" << f.slots << "\n";
		for (const SiteLayout &s : f.sites)
			os << "site " << f.name << " " << s.k << " callee=" << s.callee
			   << " size=" << s.size << " allocas=" << s.allocas
			   << " values=" << s.values << "\n";
	}
	os.close();
	if (os.has_error()) {
		err = os.error().message();
		return false;
	}
	return true;
}

/* -------------------------------------------------------------- -verify -- */

namespace
{

struct ParsedSite {
	std::string k, callee, size, allocas, values;
};

struct ParsedFn {
	std::string name, rest; /* rest: id, frame, align, slots */
	std::vector<ParsedSite> sites;
};

struct ParsedLayout {
	std::vector<ParsedFn> fns;
	std::map<std::string, size_t> byName;
};

/* "key=" value up to `end` (npos: end of line). */
std::string field(const std::string &line, const std::string &key, const std::string &next)
{
	size_t at = line.find(" " + key + "=");
	if (at == std::string::npos)
		return "";
	at += key.size() + 2;
	size_t end = next.empty() ? std::string::npos : line.find(" " + next + "=", at);
	return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

bool parse(const std::string &path, ParsedLayout &out)
{
	std::ifstream in(path);
	if (!in) {
		errs() << "hexo-instrument: " << path << ": cannot read the layout file\n";
		return false;
	}
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream ls(line);
		std::string kind, name;
		ls >> kind >> name;
		if (kind == "fn") {
			ParsedFn f;
			f.name = name;
			f.rest = line.substr(std::min(line.size(), 4 + name.size()));
			out.byName[name] = out.fns.size();
			out.fns.push_back(f);
		} else if (kind == "site" && !out.fns.empty() && out.fns.back().name == name) {
			ParsedSite s;
			ls >> s.k;
			s.callee = field(line, "callee", "size");
			s.size = field(line, "size", "allocas");
			s.allocas = field(line, "allocas", "values");
			s.values = field(line, "values", "");
			out.fns.back().sites.push_back(s);
		} else if (!line.empty()) {
			errs() << "hexo-instrument: " << path << ": not a layout line: " << line
			       << "\n";
			return false;
		}
	}
	return true;
}

std::string saves(const ParsedSite &s)
{
	return "locals [" + s.allocas + "] and values [" + s.values + "] (" + s.size + " bytes)";
}

/* What a call site calls, for messages. */
std::string what(const std::string &callee)
{
	if (callee == "point")
		return "a migration point";
	if (callee == "indirect")
		return "an indirect call";
	return "call to " + callee;
}

std::string article(const std::string &s)
{
	return s.compare(0, 4, "call") ? s : "a " + s;
}

/* The first difference between a's function and b's, or "". */
std::string compare(const ParsedFn &a, const ParsedFn &b, const std::string &na,
                    const std::string &nb)
{
	const std::string fn = "hexocc: error: function " + a.name;
	if (a.rest != b.rest)
		return fn + ": the shadow frame differs between " + na + " and " + nb + ": " + na +
		       " " + a.rest + ", " + nb + " " + b.rest;
	for (size_t i = 0; i < a.sites.size() && i < b.sites.size(); i++) {
		const ParsedSite &x = a.sites[i], &y = b.sites[i];
		std::string site = fn + ", call site " + x.k + " (" + what(x.callee) + ")";
		if (x.callee != y.callee)
			return site + ": the frame record differs between " + na + " and " + nb +
			       ": " + na + " has " + article(what(x.callee)) + " there, " + nb +
			       " " + article(what(y.callee));
		if (x.size != y.size || x.allocas != y.allocas || x.values != y.values)
			return site + ": the frame record differs between " + na + " and " + nb +
			       ": " + na + " saves " + saves(x) + ", " + nb + " saves " + saves(y);
	}
	if (a.sites.size() != b.sites.size())
		return fn + ": the frame record differs between " + na + " and " + nb + ": " +
		       std::to_string(a.sites.size()) + " call sites on " + na + ", " +
		       std::to_string(b.sites.size()) + " on " + nb;
	return "";
}

} // namespace

int verifyLayouts(const std::string &a, const std::string &b, const std::string &na,
                  const std::string &nb)
{
	ParsedLayout A, B;
	if (!parse(a, A) || !parse(b, B))
		return 2;
	std::string diff;
	for (const ParsedFn &f : A.fns) {
		auto it = B.byName.find(f.name);
		if (it == B.byName.end())
			diff =
			    "hexocc: error: function " + f.name + ": instrumented on " + na +
			    " but not on " + nb +
			    ": the program differs between the ISAs (an #ifdef?) in what reaches "
			    "a migration point";
		else
			diff = compare(f, B.fns[it->second], na, nb);
		if (!diff.empty())
			break;
	}
	for (size_t i = 0; diff.empty() && i < B.fns.size(); i++)
		if (!A.byName.count(B.fns[i].name))
			diff =
			    "hexocc: error: function " + B.fns[i].name + ": instrumented on " + nb +
			    " but not on " + na +
			    ": the program differs between the ISAs (an #ifdef?) in what reaches "
			    "a migration point";
	if (diff.empty())
		return 0;
	errs() << diff << "\n";
	return 1;
}

} // namespace hexo
