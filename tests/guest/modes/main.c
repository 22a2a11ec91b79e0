/* Files created with set-user-ID, set-group-ID and sticky bits, and
 * group/other write, asked for (a guest cannot create directories: there is
 * no mkdir hypercall): check.sh then checks that none of
 * those bits reached the job directory. Prints each file's mode as the guest
 * sees it (fstat), which check.sh checks too (with --on, the job directory
 * comes back through a transfer that keeps only 0777). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void create(const char *name, int mode)
{
	struct stat st;
	int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, mode);

	if (fd < 0) {
		printf("create %s %#o: refused (%s)\n", name, (unsigned)mode, strerror(errno));
		return;
	}
	if (write(fd, "#!/bin/sh\nid\n", 13) != 13)
		printf("create %s: short write\n", name);
	if (fstat(fd, &st) == 0)
		printf("create %s %#o: mode %04o\n", name, (unsigned)mode,
		       (unsigned)(st.st_mode & 07777));
	close(fd);
}

int main(void)
{
	create("suid", 06755);
	create("sticky", 01777);
	create("plain", 0666);
	create("private", 0600);
	create("everything", 07777);
	printf("done\n");
	return 0;
}
