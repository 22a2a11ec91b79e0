/* SPDX-License-Identifier: MIT */
/*
 * stdio buffering of the job's streams (see check.sh):
 *   lines N    print N short lines to stdout with printf
 *   isatty     print isatty(0..2) as "isatty 0 1 2: A B C" (on stdout)
 * Arguments run in order, e.g. "isatty lines 10".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "lines") && i + 1 < argc) {
			long n = strtol(argv[++i], NULL, 10);

			for (long k = 0; k < n; k++)
				printf("line %ld\n", k);
		} else if (!strcmp(argv[i], "isatty")) {
			int a = isatty(0), b = isatty(1), c = isatty(2);

			printf("isatty 0 1 2: %d %d %d\n", a, b, c);
		} else {
			fprintf(stderr, "stdiobuf: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	return 0;
}
