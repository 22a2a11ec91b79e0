/* Attempts to leave the job directory. check.sh lays out
 *   $T/outside.txt          a host file with a secret, outside the job dir
 *   $T/job/                 the job directory (guest "/")
 *   $T/job/inside.txt       a file the guest may read
 *   $T/job/link-out         -> ../outside.txt
 *   $T/job/abslink-out      -> $T/outside.txt (absolute)
 *   $T/job/dirlink          -> ..            (the parent directory)
 *   [$T/job/etc/passwd]     a harmless stand-in, in one of the runs
 * and passes $T/outside.txt and $T as argv[1], argv[2]. Every attempt prints
 * one line, "refused" or what it read; check.sh then asserts that no secret
 * was read, that the host files outside are untouched and that nothing was
 * created outside. The host's real /etc/passwd is only ever opened for
 * reading. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_read(const char *path)
{
	char buf[200];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("read %s: refused\n", path);
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("read %s: got [%s]\n", path, buf);
}

static void try_fopen_read(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("fopen-r %s: refused\n", path);
		return;
	}
	char buf[200] = "";
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	printf("fopen-r %s: got [%s]\n", path, buf);
}

static void try_write(const char *path, int flags)
{
	int fd = open(path, flags, 0644);
	if (fd < 0) {
		printf("write %s flags %#x: refused\n", path, (unsigned)flags);
		return;
	}
	ssize_t n = write(fd, "PWNED by the guest\n", 19);
	close(fd);
	printf("write %s flags %#x: opened, wrote %zd (must have stayed inside)\n", path,
	       (unsigned)flags, n);
}

static void try_fopen_write(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);
	if (!f) {
		printf("fopen-%s %s: refused\n", mode, path);
		return;
	}
	fprintf(f, "PWNED by the guest via fopen\n");
	fclose(f);
	printf("fopen-%s %s: opened (must have stayed inside)\n", mode, path);
}

static void try_unlink(const char *path)
{
	int r = unlink(path);
	printf("unlink %s: %s\n", path, r == 0 ? "removed (must have been inside)" : "refused");
}

static void try_stat(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		printf("stat %s: refused\n", path);
	else
		printf("stat %s: size %lld\n", path, (long long)st.st_size);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		printf("usage: escape HOST-OUTSIDE-FILE HOST-PARENT-DIR\n");
		return 2;
	}
	const char *abs_outside = argv[1];
	char abs_new[600];
	snprintf(abs_new, sizeof abs_new, "%s/created-by-guest-abs.txt", argv[2]);

	/* Positive controls: the job directory itself works, as "/" too. */
	try_read("inside.txt");
	try_read("/inside.txt");
	try_fopen_read("./inside.txt");
	try_write("inside-new.txt", O_CREAT | O_WRONLY | O_TRUNC);

	/* Reads that would leave the job directory. */
	const char *reads[] = {
	    "../outside.txt",  abs_outside,           "link-out",
	    "abslink-out",     "dirlink/outside.txt", "sub/../../outside.txt",
	    "/../outside.txt", "./../outside.txt",    "../../../../../../../../etc/passwd",
	    "/etc/passwd",     "//etc//passwd",       "/proc/self/environ",
	};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		try_read(reads[i]);
		try_fopen_read(reads[i]);
	}
	try_stat("../outside.txt");
	try_stat(abs_outside);

	/* Writes, creations and removals that would leave it. */
	const char *writes[] = {
	    "../outside.txt", abs_outside, "link-out", "abslink-out", "dirlink/outside.txt",
	};
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		try_write(writes[i], O_WRONLY);
		try_write(writes[i], O_WRONLY | O_TRUNC);
		try_write(writes[i], O_WRONLY | O_APPEND);
		try_fopen_write(writes[i], "a");
	}
	try_write("../created-by-guest.txt", O_CREAT | O_WRONLY | O_EXCL);
	try_write(abs_new, O_CREAT | O_WRONLY);
	try_write("dirlink/created-by-guest-link.txt", O_CREAT | O_WRONLY);
	try_fopen_write("../created-by-guest-fopen.txt", "w");
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
		try_unlink(writes[i]);
	try_unlink("../job");
	printf("done\n");
	return 0;
}
