// SPDX-License-Identifier: MIT
/*
 * hexo-irsect IN.bc OUT.bc: gives every function and global variable
 * defined in a linked LLVM module its own section, named after it, so that
 * the x86-64 and aarch64 objects compiled from the same program have the
 * same sections and toolchain/align matches them by name (docs/layout.md):
 *
 *   function          .text.hexo.NAME
 *   constant          .rodata.hexo.NAME
 *   zero-initialized  .bss.hexo.NAME
 *   other variables   .data.hexo.NAME
 *
 * Private constants (string literals `.str.N`, compound literals) get their
 * own section too, and lose unnamed_addr so that neither LLVM nor the linker
 * merges them: each keeps one address on both ISAs. Objects that already
 * have a section (__attribute__((section))) and LLVM's own (`llvm.*`) are
 * left alone. llvm-c only (LLVMParseBitcode2 ... LLVMWriteBitcodeToFile).
 * Exit 0, or 1 with one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/BitReader.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Core.h>

static void set_section(LLVMValueRef v, const char *prefix)
{
	size_t len;
	const char *name = LLVMGetValueName2(v, &len);
	char *sec;

	if (!len || (LLVMGetSection(v) && *LLVMGetSection(v)) || !strncmp(name, "llvm.", 5))
		return;
	sec = malloc(strlen(prefix) + len + 1);
	if (!sec) {
		fputs("hexo-irsect: out of memory\n", stderr);
		exit(1);
	}
	memcpy(sec, prefix, strlen(prefix));
	memcpy(sec + strlen(prefix), name, len);
	sec[strlen(prefix) + len] = 0;
	LLVMSetSection(v, sec);
	free(sec);
}

int main(int argc, char **argv)
{
	LLVMMemoryBufferRef buf;
	LLVMModuleRef mod;
	char *msg = NULL;

	if (argc != 3) {
		fputs("usage: hexo-irsect IN.bc OUT.bc\n", stderr);
		return 1;
	}
	if (LLVMCreateMemoryBufferWithContentsOfFile(argv[1], &buf, &msg)) {
		fprintf(stderr, "hexo-irsect: %s: %s\n", argv[1], msg);
		return 1;
	}
	if (LLVMParseBitcode2(buf, &mod)) {
		fprintf(stderr, "hexo-irsect: %s: not LLVM bitcode\n", argv[1]);
		return 1;
	}
	for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f))
			set_section(f, ".text.hexo.");
	for (LLVMValueRef g = LLVMGetFirstGlobal(mod); g; g = LLVMGetNextGlobal(g)) {
		LLVMValueRef init;

		if (LLVMIsDeclaration(g) || LLVMIsThreadLocal(g))
			continue;
		init = LLVMGetInitializer(g);
		if (LLVMGetLinkage(g) == LLVMPrivateLinkage)
			LLVMSetUnnamedAddress(g, LLVMNoUnnamedAddr);
		if (LLVMIsGlobalConstant(g))
			set_section(g, ".rodata.hexo.");
		else if (init && LLVMIsNull(init))
			set_section(g, ".bss.hexo.");
		else
			set_section(g, ".data.hexo.");
	}
	if (LLVMWriteBitcodeToFile(mod, argv[2])) {
		fprintf(stderr, "hexo-irsect: %s: cannot write\n", argv[2]);
		return 1;
	}
	LLVMDisposeModule(mod);
	return 0;
}
