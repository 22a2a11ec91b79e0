/* argc/argv as the guest sees them: everything after IMAGE on the hexo
 * command line, unchanged (including "--", options-looking words, empty and
 * non-ASCII arguments). argv[0] is only checked to exist: its text is the
 * monitor's choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	printf("argc %d\n", argc);
	printf("argv[0] %s\n", argv[0] && argv[0][0] ? "present" : "MISSING");
	for (int i = 1; i < argc; i++) {
		printf("argv[%d] len %zu [%s]", i, strlen(argv[i]), argv[i]);
		for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++)
			if (*p < 0x20 || *p >= 0x7f)
				printf(" \\x%02x", *p);
		printf("\n");
	}
	printf("argv[argc] %s\n", argv[argc] == NULL ? "NULL" : "NOT NULL");
	/* argv strings are writable, as C requires */
	if (argc > 1 && argv[1][0]) {
		argv[1][0] = 'W';
		printf("argv[1] after write [%s]\n", argv[1]);
	}
	return 0;
}
