// SPDX-License-Identifier: MIT
/*
 * One address space on every ISA (docs/layout.md): prints the addresses of
 * the program's functions (global and static), newlib and libm functions,
 * globals, a const table of function pointers, string literals, `stdout`
 * and heap blocks. check.sh expects each to be where the image's x86-64 ELF
 * (and, for symbols, its aarch64 ELF too) puts it, so the board suite, which
 * runs the same check on aarch64, passes only if both ISAs agree.
 * Output lines: "KIND NAME 0xADDRESS".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int addr_counter = 42;          /* .data */
static long addr_zeroes[100];   /* .bss */
static const double addr_consts[4] = {1.0, 2.5, -3.0, 1e300}; /* .rodata */

static int addr_twice(int x)
{
	return 2 * x + addr_counter;
}

int addr_thrice(int x)
{
	return 3 * x + (int)addr_zeroes[x & 7];
}

typedef int (*addr_fn)(int);
const addr_fn addr_table[3] = {addr_twice, addr_thrice, abs}; /* functions by pointer */
const char *addr_greeting = "hello from a string literal";
const char *const addr_words[2] = {"first literal", "second literal"};

#define P(kind, name, p) printf("%s %s %p\n", kind, name, (const void *)(p))

int main(void)
{
	/* Heap blocks before anything else allocates (stdio buffers do). */
	void *brk0 = sbrk(0);
	void *blocks[4] = {malloc(10), malloc(100), malloc(5000), malloc(1)};

	P("func", "main", main);
	P("func", "addr_twice", addr_twice);
	P("func", "addr_thrice", addr_thrice);
	P("func", "printf", printf);
	P("func", "malloc", malloc);
	P("func", "free", free);
	P("func", "memcpy", memcpy);
	P("func", "strlen", strlen);
	P("func", "strcmp", strcmp);
	P("func", "strncmp", strncmp); /* aarch64: assembly, reached through a branch */
	P("func", "strnlen", strnlen);
	P("func", "qsort", qsort);
	P("func", "sin", sin);
	P("data", "addr_counter", &addr_counter);
	P("data", "addr_zeroes", addr_zeroes);
	P("data", "addr_consts", addr_consts);
	P("data", "addr_table", addr_table);
	P("data", "addr_greeting", &addr_greeting);
	P("data", "addr_words", addr_words);
	for (int i = 0; i < 3; i++)
		printf("ptr addr_table[%d] %p\n", i, (void *)addr_table[i]);
	P("ptr", "addr_greeting", addr_greeting);
	P("ptr", "addr_words[0]", addr_words[0]);
	P("ptr", "addr_words[1]", addr_words[1]);
	P("ptr", "stdout", stdout);
	P("heap", "brk0", brk0);
	for (int i = 0; i < 4; i++)
		printf("heap block%d %p\n", i, blocks[i]);
	/* Use what was printed, so nothing is optimized away. */
	printf("check %d %d %ld %g %zu %zu %d\n", addr_table[0](1), addr_table[1](2),
	       addr_zeroes[3], addr_consts[3], strlen(addr_greeting), strnlen(addr_greeting, 5),
	       strncmp(addr_words[0], addr_words[1], 1));
	for (int i = 0; i < 4; i++)
		free(blocks[i]);
	return 0;
}
