/* Buffered stdout with a partial line when the job stops. */
#include <hexo/migrate.h>
#include <stdio.h>

int main(void)
{
	for (int i = 0; i < 6; i++) {
		printf("line %d begins", i);
		hexo_check_migrate();
		printf(" ... continues");
		fputs(" and", stdout);
		hexo_check_migrate();
		printf(" ends %d\n", i * i);
	}
	fprintf(stderr, "to stderr\n");
	printf("no newline at the end");
	return 0;
}
