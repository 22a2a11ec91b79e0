/* Each kind of guest fault, chosen by argv[1]. Before faulting, the program
 * prints (and flushes) "fault CASE at ADDR" so check.sh can match the crash
 * report's fault address; nothing may be printed after. Pointers come from
 * volatile variables so the compiler cannot see (and rewrite) the faults. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int *volatile null_ptr;                        /* 0 */
static volatile uintptr_t far_addr = 0x7000000000ull; /* 448 GiB: no memory there */
static const char rodata_text[] = "read-only data";
static volatile int zero = 0, minus_one = -1, int_min = INT_MIN;
static unsigned char data_code[16] = {0xc3}; /* x86 "ret", in writable data */

static void announce(const char *c, uintptr_t addr)
{
	printf("fault %s at %#llx\n", c, (unsigned long long)addr);
	fflush(stdout);
}

static unsigned long depth;

static unsigned long recurse(unsigned long n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	pad[511] = (char)(n >> 8);
	depth = n;
	if (n == ULONG_MAX) /* never: keeps the compiler from calling this endless */
		return 0;
	return recurse(n + 1) + pad[0] + pad[511];
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	uintptr_t a;

	if (!strcmp(c, "null-read")) {
		announce(c, 0);
		return *null_ptr;
	}
	if (!strcmp(c, "null-write")) {
		announce(c, 0);
		*null_ptr = 1;
		return 1;
	}
	if (!strcmp(c, "null-call")) {
		void (*volatile fn)(void) = (void (*)(void))(uintptr_t)null_ptr;
		announce(c, 0);
		fn();
		return 1;
	}
	if (!strcmp(c, "write-code")) {
		volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)&main;
		announce(c, (uintptr_t)p);
		*p = 0xcc;
		return 1;
	}
	if (!strcmp(c, "write-rodata")) {
		volatile char *p = (volatile char *)(uintptr_t)rodata_text;
		announce(c, (uintptr_t)p);
		*p = 'X';
		return 1;
	}
	if (!strcmp(c, "exec-data")) {
		void (*volatile fn)(void) = (void (*)(void))(uintptr_t)data_code;
		announce(c, (uintptr_t)data_code);
		fn();
		return 1;
	}
	if (!strcmp(c, "outside-read")) {
		a = far_addr;
		announce(c, a);
		return *(volatile char *)a;
	}
	if (!strcmp(c, "outside-write")) {
		a = far_addr + 0x123;
		announce(c, a);
		*(volatile char *)a = 1;
		return 1;
	}
	if (!strcmp(c, "stack-overflow")) {
		announce(c, 0);
		return (int)recurse(0);
	}
	if (!strcmp(c, "trap")) {
		announce(c, 0);
		__builtin_trap();
	}
	if (!strcmp(c, "div-zero")) {
		announce(c, 0);
		return 10 / zero;
	}
	if (!strcmp(c, "div-overflow")) {
		announce(c, 0);
		return int_min / minus_one;
	}
	if (!strcmp(c, "mod-zero")) {
		announce(c, 0);
		return (int)(1234567ul % (unsigned long)zero);
	}
	printf("unknown case '%s'\n", c);
	return 99;
}
