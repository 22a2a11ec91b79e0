/* A job that stops with its checkpoint in its own job directory, and once
 * resumed (check.sh: HEXO_RESTORE=mmap, memory mapped from that file) tries
 * to truncate and rewrite the checkpoint, then reads all its memory: it must
 * end normally, its memory intact (not with SIGBUS, status 135). */
#include <errno.h>
#include <fcntl.h>
#include <hexo/migrate.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZE (16u << 20)

static uint64_t sum(const uint64_t *h, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = s * 31 + h[i];
	return s;
}

int main(void)
{
	uint64_t *h = malloc(SIZE), x = 88172645463325252ull, before;
	size_t n = SIZE / sizeof(*h);
	int fd;

	if (!h) {
		puts("malloc failed");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		h[i] = x;
	}
	before = sum(h, n);
	printf("before: %016llx\n", (unsigned long long)before);
	fflush(stdout);
	hexo_force_migration(HEXO_MIGRATE_STOP);
	hexo_check_migrate();

	fd = open("self.ckpt", O_WRONLY | O_TRUNC);
	printf("truncate self.ckpt: %s\n", fd < 0 ? strerror(errno) : "done");
	if (fd >= 0)
		close(fd);
	fd = open("self.ckpt", O_RDWR);
	if (fd >= 0) {
		char junk[4096];

		memset(junk, 0x5a, sizeof(junk));
		for (int i = 0; i < 1024; i++)
			if (write(fd, junk, sizeof(junk)) != (ssize_t)sizeof(junk))
				break;
		close(fd);
	}
	printf("rewrite self.ckpt: %s\n", fd < 0 ? strerror(errno) : "done");
	printf("after: %s\n", sum(h, n) == before ? "same memory" : "memory changed");
	return 0;
}
