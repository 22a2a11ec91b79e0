/* Files in the job directory: POSIX calls (open/read/write/lseek/fstat/close/
 * unlink, O_APPEND, O_EXCL, O_TRUNC) and stdio (fopen/fprintf/fgets/fread/
 * fseek/ftell), a file the test prepared (input.txt), and result files the
 * test checks from the host afterwards (verify.sh). Relative paths only, so
 * the same program runs natively in a directory with the same contents. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL line %d: %s: ", __LINE__, #cond);                             \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static const char *errname(int e)
{
	switch (e) {
	case 0:
		return "0";
	case ENOENT:
		return "ENOENT";
	case EEXIST:
		return "EEXIST";
	case EBADF:
		return "EBADF";
	case EINVAL:
		return "EINVAL";
	case EACCES:
		return "EACCES";
	case EISDIR:
		return "EISDIR";
	case ENOTDIR:
		return "ENOTDIR";
	case EPERM:
		return "EPERM";
	case ESPIPE:
		return "ESPIPE";
	default:
		return "other";
	}
}

static void prepared_file(void)
{
	FILE *f = fopen("input.txt", "r");
	CHECK(f != NULL, "fopen input.txt: %s", errname(errno));
	if (!f)
		return;
	char line[256];
	int n = 0;
	long total = 0;
	while (fgets(line, sizeof line, f)) {
		total += (long)strlen(line);
		line[strcspn(line, "\n")] = '\0';
		printf("input line %d: [%s]\n", ++n, line);
	}
	printf("input.txt: %d lines, %ld bytes, feof %d ferror %d\n", n, total, feof(f) != 0,
	       ferror(f) != 0);
	fclose(f);
	struct stat st;
	CHECK(stat("input.txt", &st) == 0, "stat: %s", errname(errno));
	printf("stat input.txt size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
	/* A prepared file in a sub-directory of the job directory. */
	f = fopen("sub/nested.txt", "r");
	CHECK(f != NULL, "fopen sub/nested.txt: %s", errname(errno));
	if (f) {
		if (fgets(line, sizeof line, f))
			printf("nested: %s", line);
		fclose(f);
	}
}

static void posix_io(void)
{
	static unsigned char buf[10000], back[10000];
	for (int i = 0; i < 10000; i++)
		buf[i] = (unsigned char)(i * 13 + 7);

	int fd = open("data.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0, "open data.bin for writing: %s", errname(errno));
	ssize_t w = write(fd, buf, sizeof buf);
	printf("write returned %zd\n", w);
	CHECK(close(fd) == 0, "close");

	fd = open("data.bin", O_RDONLY);
	CHECK(fd >= 0, "open data.bin for reading: %s", errname(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", errname(errno));
	printf("fstat size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
	ssize_t r = read(fd, back, sizeof back);
	printf("read returned %zd, same %d\n", r, memcmp(buf, back, sizeof buf) == 0);
	r = read(fd, back, 100);
	printf("read at EOF returned %zd\n", r);
	off_t o = lseek(fd, 5000, SEEK_SET);
	r = read(fd, back, 10);
	printf("lseek SET 5000 -> %lld, read %zd same %d\n", (long long)o, r,
	       memcmp(back, buf + 5000, 10) == 0);
	o = lseek(fd, -10, SEEK_END);
	r = read(fd, back, 100);
	printf("lseek END -10 -> %lld, read %zd same %d\n", (long long)o, r,
	       memcmp(back, buf + 9990, 10) == 0);
	o = lseek(fd, -20, SEEK_CUR);
	printf("lseek CUR -20 -> %lld\n", (long long)o);
	o = lseek(fd, 0, SEEK_CUR);
	printf("lseek CUR 0 -> %lld\n", (long long)o);
	errno = 0;
	o = lseek(fd, -1, SEEK_SET);
	printf("lseek to -1 -> %lld errno %s\n", (long long)o, errname(errno));
	errno = 0;
	w = write(fd, "x", 1);
	printf("write to O_RDONLY fd -> %zd errno %s\n", w, errname(errno));
	close(fd);

	/* O_APPEND: writes go to the end whatever the offset */
	fd = open("data.bin", O_WRONLY | O_APPEND);
	CHECK(fd >= 0, "open O_APPEND: %s", errname(errno));
	lseek(fd, 0, SEEK_SET);
	w = write(fd, "tail", 4);
	CHECK(fstat(fd, &st) == 0, "fstat");
	printf("append wrote %zd, size now %lld\n", w, (long long)st.st_size);
	close(fd);

	/* a read/write descriptor: overwrite in the middle, read it back */
	fd = open("data.bin", O_RDWR);
	CHECK(fd >= 0, "open O_RDWR: %s", errname(errno));
	lseek(fd, 100, SEEK_SET);
	write(fd, "MIDDLE", 6);
	lseek(fd, 98, SEEK_SET);
	char mid[11] = {0};
	read(fd, mid, 10);
	printf("rdwr: %02x %02x [%.6s] %02x %02x\n", (unsigned char)mid[0], (unsigned char)mid[1],
	       mid + 2, (unsigned char)mid[8], (unsigned char)mid[9]);
	/* writing past the end leaves a hole of zeros */
	lseek(fd, 20000, SEEK_SET);
	write(fd, "Z", 1);
	fstat(fd, &st);
	lseek(fd, 15000, SEEK_SET);
	char hole[4] = {1, 1, 1, 1};
	read(fd, hole, 4);
	printf("sparse: size %lld hole bytes %d %d %d %d\n", (long long)st.st_size, hole[0],
	       hole[1], hole[2], hole[3]);
	close(fd);

	/* O_EXCL on an existing file, O_TRUNC */
	errno = 0;
	fd = open("data.bin", O_CREAT | O_EXCL | O_WRONLY, 0644);
	printf("O_EXCL on existing -> %d errno %s\n", fd < 0 ? -1 : fd, errname(errno));
	if (fd >= 0)
		close(fd);
	fd = open("data.bin", O_WRONLY | O_TRUNC);
	fstat(fd, &st);
	printf("O_TRUNC size %lld\n", (long long)st.st_size);
	close(fd);

	/* errors */
	errno = 0;
	fd = open("missing.txt", O_RDONLY);
	printf("open missing -> %d errno %s\n", fd, errname(errno));
	errno = 0;
	r = read(12345, back, 1);
	printf("read bad fd -> %zd errno %s\n", r, errname(errno));
	errno = 0;
	printf("close bad fd -> %d errno %s\n", close(9999), errname(errno));
	errno = 0;
	fd = open("missing-dir/x.txt", O_CREAT | O_WRONLY, 0644);
	printf("create in missing dir -> %d errno %s\n", fd, errname(errno));

	/* unlink */
	printf("unlink data.bin -> %d\n", unlink("data.bin"));
	errno = 0;
	fd = open("data.bin", O_RDONLY);
	printf("open after unlink -> %d errno %s\n", fd, errname(errno));
	errno = 0;
	printf("unlink again -> %d errno %s\n", unlink("data.bin"), errname(errno));
	errno = 0;
	printf("stat after unlink -> %d errno %s\n", stat("data.bin", &st), errname(errno));
}

static void many_descriptors(void)
{
	/* 20 files open at once, interleaved writes, then read back */
	int fds[20];
	char name[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "multi%02d.txt", i);
		fds[i] = open(name, O_CREAT | O_RDWR | O_TRUNC, 0644);
		CHECK(fds[i] >= 0, "open %s: %s", name, errname(errno));
	}
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 20; i++) {
			char line[32];
			int n = snprintf(line, sizeof line, "file %d round %d\n", i, round);
			write(fds[i], line, (size_t)n);
		}
	unsigned long sum = 0;
	for (int i = 0; i < 20; i++) {
		char back[200];
		lseek(fds[i], 0, SEEK_SET);
		ssize_t n = read(fds[i], back, sizeof back);
		for (ssize_t k = 0; k < n; k++)
			sum = sum * 33 + (unsigned char)back[k];
		close(fds[i]);
		snprintf(name, sizeof name, "multi%02d.txt", i);
		if (i % 2)
			unlink(name);
	}
	printf("20 descriptors checksum %lu\n", sum);
}

static void stdio_files(void)
{
	FILE *f = fopen("notes.txt", "w");
	CHECK(f != NULL, "fopen notes.txt w: %s", errname(errno));
	for (int i = 1; i <= 5; i++)
		fprintf(f, "note %d: value %.3f %s\n", i, i * 1.25, i % 2 ? "odd" : "even");
	fclose(f);
	f = fopen("notes.txt", "a");
	fprintf(f, "appended line\n");
	fclose(f);
	f = fopen("notes.txt", "a+");
	fputs("appended again\n", f);
	fclose(f);

	f = fopen("notes.txt", "r");
	char line[128];
	while (fgets(line, sizeof line, f))
		printf("notes: %s", line);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	int c = fgetc(f);
	printf("notes.txt ftell at end %ld, first char %c\n", size, c);
	fseek(f, -15, SEEK_END);
	fgets(line, sizeof line, f);
	printf("last line via fseek: %s", line);
	fclose(f);

	/* big buffered write and read: 3 MiB through fwrite/fread */
	f = fopen("big.dat", "wb");
	unsigned char *blk = malloc(1 << 20);
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < (1 << 20); i++)
			blk[i] = (unsigned char)(i ^ (i >> 11) ^ k);
		CHECK(fwrite(blk, 1, 1 << 20, f) == (1 << 20), "fwrite 1 MiB");
	}
	fclose(f);
	f = fopen("big.dat", "rb");
	unsigned long bad = 0;
	size_t got = 0, n;
	while ((n = fread(blk, 1, 65536 + 3, f)) > 0) {
		for (size_t i = 0; i < n; i++) {
			size_t pos = got + i;
			int k = (int)(pos >> 20), j = (int)(pos & ((1 << 20) - 1));
			bad += blk[i] != (unsigned char)(j ^ (j >> 11) ^ k);
		}
		got += n;
	}
	fclose(f);
	free(blk);
	printf("big.dat read %zu bytes, mismatches %lu\n", got, bad);
	struct stat st;
	stat("big.dat", &st);
	printf("big.dat stat size %lld\n", (long long)st.st_size);
	unlink("big.dat");

	/* a result file left for the host to check */
	f = fopen("result.txt", "w");
	fprintf(f, "written by the files test\nanswer=%d\n", 42);
	fclose(f);
	/* and one in the prepared sub-directory */
	f = fopen("sub/out.txt", "w");
	CHECK(f != NULL, "fopen sub/out.txt: %s", errname(errno));
	if (f) {
		fputs("sub-directory output\n", f);
		fclose(f);
	}
	errno = 0;
	f = fopen("nothere.txt", "r");
	printf("fopen missing for reading: %s errno %s\n", f ? "opened" : "NULL", errname(errno));
}

int main(void)
{
	prepared_file();
	posix_io();
	many_descriptors();
	stdio_files();
	printf("failures %d\n", failures);
	return failures ? 1 : 0;
}
