/* Aligned allocation: C11 aligned_alloc, POSIX posix_memalign, and memalign,
 * at alignments from 16 bytes to 512 KiB; blocks are written, checked and
 * freed (through volatile pointers, so the compiler cannot drop them). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(const char *what, size_t align, unsigned char *volatile p, size_t size)
{
	if (!p) {
		printf("%s(%zu, %zu): NULL\n", what, align, size);
		return 1;
	}
	int ok = (uintptr_t)p % align == 0;
	memset(p, 0x5a, size);
	for (size_t i = 0; i < size; i += 512)
		ok &= p[i] == 0x5a;
	printf("%s(%zu, %zu): %s\n", what, align, size, ok ? "aligned, usable" : "WRONG");
	free(p);
	return !ok;
}

int main(void)
{
	int bad = 0;
	for (size_t align = 16; align <= (512u << 10); align *= 8) {
		size_t size = align * 3;
		bad += check("aligned_alloc", align, aligned_alloc(align, size), size);
		void *p = NULL;
		int r = posix_memalign(&p, align, size + 5);
		if (r)
			printf("posix_memalign(%zu): error %d\n", align, r);
		bad += check("posix_memalign", align, p, size + 5);
		bad += check("memalign", align, memalign(align, size + 1), size + 1);
	}
	void *p = (void *)1;
	int r = posix_memalign(&p, 24, 64); /* not a power of two */
	printf("posix_memalign(24): %s\n", r == EINVAL ? "EINVAL" : "WRONG");
	printf("bad %d\n", bad);
	return bad != 0;
}
