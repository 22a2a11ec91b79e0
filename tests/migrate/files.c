/* Files read and written across migrations: offsets, buffers, flags. */
#include <hexo/migrate.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	FILE *out = fopen("out.txt", "w");
	FILE *log = fopen("log.txt", "a");
	int in = open("in.txt", O_RDONLY);
	char buf[8];
	ssize_t n;
	int chunk = 0;

	if (!out || !log || in < 0) {
		perror("open");
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		fprintf(out, "chunk %d: %.*s|\n", chunk, (int)n, buf);
		hexo_check_migrate();
		fprintf(log, "read %zd\n", n);
		if (chunk % 3 == 0)
			fflush(out);
		chunk++;
	}
	close(in);
	fclose(out);
	fclose(log);
	hexo_check_migrate();
	out = fopen("out.txt", "r");
	while (fgets((char[64]){0}, 64, out))
		chunk++;
	fclose(out);
	printf("chunks+lines=%d\n", chunk);
	return 0;
}
