/* Raw hypercalls with bad arguments, bypassing the library OS (the
 * transport is in hc() below). The case comes from argv[1]; the guest runs with
 * --mem 64M (check.sh), so memory ends at GUEST_MEM. Each case prints
 * "case NAME" first; a malformed call must make the monitor stop the guest
 * with status 125 and one line on stderr, so "returned" is never printed
 * for those. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hexo/abi.h>

#define GUEST_MEM (64ull << 20)
#define OUTSIDE   0x7000000000ull

/* The transport (abi.h): x86-64 port I/O, aarch64 an MMIO store. */
static inline void hc(unsigned nr, uint64_t addr)
{
#if defined(__x86_64__)
	__asm__ volatile("outl %0, %w1" ::"a"((uint32_t)addr),
	                 "Nd"((uint16_t)(HEXO_X86_PIO_BASE + nr))
	                 : "memory");
#elif defined(__aarch64__)
	*(volatile uint64_t *)(uintptr_t)(HEXO_AARCH64_MMIO_BASE + (uint64_t)nr * 8) = addr;
	__asm__ volatile("" ::: "memory");
#else
#error "no hypercall transport for this ISA"
#endif
}

static _Alignas(64) unsigned char arena[4096];
static struct hexo_hc_rw rw;
static struct hexo_hc_open op;
static struct hexo_hc_path pa;
static struct hexo_hc_exit ex;
static char msg[] = "raw hello\n";

static void raw_exit(int64_t status)
{
	ex.status = status;
	hc(HEXO_HC_EXIT, (uintptr_t)&ex);
}

static void returned(int64_t ret)
{
	printf("returned ret=%lld\n", (long long)ret);
	fflush(stdout);
}

static void top_fill(void)
{
	volatile unsigned char *top = (volatile unsigned char *)(uintptr_t)(GUEST_MEM - 8);
	for (int i = 0; i < 8; i++)
		top[i] = 'A';
}

static void do_write(uint64_t buf, uint64_t len)
{
	rw = (struct hexo_hc_rw){.fd = 1, .buf = buf, .len = len};
	hc(HEXO_HC_WRITE, (uintptr_t)&rw);
	returned(rw.ret);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	printf("case %s\n", c);
	fflush(stdout);

	if (!strcmp(c, "control")) {
		/* a well-formed raw write and exit: proves the transport above */
		do_write((uintptr_t)msg, strlen(msg));
		raw_exit(0);
		printf("raw exit returned\n");
		return 1;
	}
	if (!strcmp(c, "write-buf-outside"))
		do_write(OUTSIDE, 16);
	else if (!strcmp(c, "write-buf-straddles-end"))
		do_write(GUEST_MEM - 8, 16);
	else if (!strcmp(c, "write-buf-at-end"))
		do_write(GUEST_MEM, 1);
	else if (!strcmp(c, "write-len-huge"))
		do_write((uintptr_t)msg, UINT64_MAX);
	else if (!strcmp(c, "write-len-wraps"))
		do_write((uintptr_t)msg, (uint64_t)0 - (uintptr_t)msg + 16); /* buf+len = 16 */
	else if (!strcmp(c, "write-len-past-end"))
		do_write((uintptr_t)msg, GUEST_MEM); /* starts inside, runs off the end */
	else if (!strcmp(c, "read-buf-outside")) {
		rw = (struct hexo_hc_rw){.fd = 0, .buf = OUTSIDE, .len = 64};
		hc(HEXO_HC_READ, (uintptr_t)&rw);
		returned(rw.ret);
	} else if (!strcmp(c, "read-len-wraps")) {
		rw = (struct hexo_hc_rw){
		    .fd = 0, .buf = (uintptr_t)arena, .len = (uint64_t)0 - (uintptr_t)arena + 64};
		hc(HEXO_HC_READ, (uintptr_t)&rw);
		returned(rw.ret);
	} else if (!strcmp(c, "struct-outside-memory")) {
		hc(HEXO_HC_WRITE, 0xfffff000u); /* 4 GiB - 4 KiB: beyond 64 MiB */
		returned(0);
	} else if (!strcmp(c, "struct-straddles-end")) {
		hc(HEXO_HC_WRITE, GUEST_MEM - 16); /* 32-byte struct, 16 inside */
		returned(0);
	} else if (!strcmp(c, "struct-misaligned")) {
		struct hexo_hc_rw *m = (struct hexo_hc_rw *)(arena + 1);
		memcpy(m, &(struct hexo_hc_rw){.fd = 1, .buf = (uintptr_t)msg, .len = 4},
		       sizeof *m);
		hc(HEXO_HC_WRITE, (uintptr_t)m);
		returned(0);
	} else if (!strcmp(c, "fstat-struct-straddles-end")) {
		hc(HEXO_HC_FSTAT, GUEST_MEM - 24); /* 48-byte struct, written by the monitor */
		returned(0);
	} else if (!strcmp(c, "wallclock-struct-outside")) {
		hc(HEXO_HC_WALLCLOCK, 0xfffffff8u);
		returned(0);
	} else if (!strcmp(c, "unknown-nr-max")) {
		hc(HEXO_HC_MAX, (uintptr_t)&rw);
		returned(0);
	} else if (!strcmp(c, "unknown-nr-0")) {
		hc(0, (uintptr_t)&rw);
		returned(0);
	} else if (!strcmp(c, "unknown-nr-255")) {
		hc(255, (uintptr_t)&rw);
		returned(0);
	} else if (!strcmp(c, "open-path-outside")) {
		op = (struct hexo_hc_open){.path = OUTSIDE, .flags = HEXO_O_RDONLY};
		hc(HEXO_HC_OPEN, (uintptr_t)&op);
		returned(op.ret);
	} else if (!strcmp(c, "open-path-unterminated")) {
		/* The last 8 bytes of memory hold kernel_main's return address
		 * (pushed by _start at stack_top; kernel_main never returns, and
		 * neither does this case): 'A's there, and no NUL, make a path that
		 * runs off the end of memory. */
		top_fill();
		op = (struct hexo_hc_open){.path = GUEST_MEM - 8, .flags = HEXO_O_RDONLY};
		hc(HEXO_HC_OPEN, (uintptr_t)&op);
		returned(op.ret);
		raw_exit(0);
	} else if (!strcmp(c, "unlink-path-unterminated")) {
		top_fill();
		pa = (struct hexo_hc_path){.path = GUEST_MEM - 8};
		hc(HEXO_HC_UNLINK, (uintptr_t)&pa);
		returned(pa.ret);
		raw_exit(0);
	} else if (!strcmp(c, "open-path-too-long")) {
		/* NUL-terminated, but longer than HEXO_PATH_MAX: refused either way */
		static char longpath[3 * HEXO_PATH_MAX];
		memset(longpath, 'a', sizeof longpath - 1);
		op = (struct hexo_hc_open){.path = (uintptr_t)longpath, .flags = HEXO_O_RDONLY};
		hc(HEXO_HC_OPEN, (uintptr_t)&op);
		returned(op.ret);
	} else {
		printf("unknown case\n");
		return 99;
	}
	return 0;
}
