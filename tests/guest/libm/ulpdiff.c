// SPDX-License-Identifier: MIT
/*
 * Review aid for expected.out (not part of `make test`): compares two outputs
 * of this test line by line, word by word, and prints every number that
 * differs with its distance in units in the last place, as a double and as a
 * float. Used to check that where newlib's libm differs from glibc's (whose
 * output a native build gives), it is by at most 1 ulp. See README.
 *
 *   cc -O2 -o ulpdiff ulpdiff.c && ./ulpdiff native.out guest.out
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *tok, double *v)
{
	char buf[128];
	size_t n = strcspn(tok, ")],");
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	char *end;
	*v = strtod(buf, &end);
	return *end == '\0';
}

static int64_t ordered(double d)
{
	int64_t i;
	memcpy(&i, &d, sizeof i);
	return i < 0 ? INT64_MIN - i : i;
}

static int32_t orderedf(float f)
{
	int32_t i;
	memcpy(&i, &f, sizeof i);
	return i < 0 ? INT32_MIN - i : i;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ulpdiff A B\n");
		return 2;
	}
	FILE *a = fopen(argv[1], "r"), *b = fopen(argv[2], "r");
	if (!a || !b) {
		perror("ulpdiff");
		return 2;
	}
	char la[4096], lb[4096];
	int line = 0, diffs = 0, worst = 0;
	while (fgets(la, sizeof la, a) && fgets(lb, sizeof lb, b)) {
		line++;
		if (!strcmp(la, lb))
			continue;
		char *sa, *sb;
		char ca[4096], cb[4096];
		strcpy(ca, la);
		strcpy(cb, lb);
		char *ta = strtok_r(ca, " \n", &sa), *tb = strtok_r(cb, " \n", &sb);
		while (ta && tb) {
			double x, y;
			if (strcmp(ta, tb)) {
				if (parse(ta, &x) && parse(tb, &y)) {
					long long du = llabs((long long)(ordered(x) - ordered(y)));
					int fu = abs(orderedf((float)x) - orderedf((float)y));
					printf(
					    "line %d: %s vs %s: %lld double ulps, %d float ulps\n",
					    line, ta, tb, du, fu);
					if (fu > worst)
						worst = fu;
				} else {
					printf("line %d: words differ: [%s] vs [%s]\n", line, ta,
					       tb);
					worst = 1 << 30;
				}
				diffs++;
			}
			ta = strtok_r(NULL, " \n", &sa);
			tb = strtok_r(NULL, " \n", &sb);
		}
	}
	printf("%d differing numbers in %d lines\n", diffs, line);
	return 0;
}
