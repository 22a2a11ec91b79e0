/* Reading stdin (the monitor's own stdin) to EOF: fgets, getchar, scanf and
 * fread, with a checksum of every byte. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256];
	int a, b;

	/* two header lines through fgets and scanf */
	if (!fgets(line, sizeof line, stdin))
		return 1;
	printf("first line: %s", line);
	if (scanf("%d %d", &a, &b) != 2)
		return 2;
	printf("scanf: %d + %d = %d\n", a, b, a + b);
	int ch = getchar(); /* the newline after the numbers */
	printf("getchar: %d\n", ch);

	/* the rest as binary */
	unsigned long long sum = 0, n = 0;
	unsigned lines = 0;
	unsigned char buf[1000];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, stdin)) > 0) {
		for (size_t i = 0; i < got; i++) {
			sum = sum * 131 + buf[i];
			lines += buf[i] == '\n';
		}
		n += got;
	}
	printf("rest: %llu bytes, %u lines, checksum %llu, eof %d\n", n, lines, sum,
	       feof(stdin) != 0);
	printf("getchar at eof: %d\n", getchar());
	return 0;
}
