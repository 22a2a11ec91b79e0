// SPDX-License-Identifier: MIT
/*
 * A tiny freestanding program whose x86-64 and aarch64 static executables
 * (tests/fuzz/fuzz.mk links them like a guest: kernel part at
 * HEXO_KERNEL_BASE, the app's sections from HEXO_APP_BASE, a shadow-stack
 * section, symbols of both kinds) seed fuzz_elf. Never run.
 */
static int counter = 3;                  /* a local object */
int table[64] = {1, 2, 3};               /* a global object */
char __hexo_shadow_stack_start[4096] __attribute__((section(".hexo_shadow_stack")));

static __attribute__((noinline)) int step(int x) /* a local function */
{
	return x * counter + table[x & 63];
}

int app_main(int n) /* a global function */
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += step(i);
	return s;
}

__attribute__((section(".kernel.text"))) void _start(void)
{
	table[0] = app_main(10);
	for (;;)
		;
}
