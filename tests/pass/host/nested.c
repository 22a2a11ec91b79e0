/* Call sites in nested loops, two in the same inner loop: the rewind path
 * enters every loop through its header (tests/pass/nested_loops.ll). */
#include <hexo/migrate.h>
#include <stdio.h>

static int f(int x)
{
	hexo_check_migrate();
	return x + 1;
}

int main(void)
{
	int s = 0;

	for (int i = 0; i < 5; i++) {
		for (int j = 0; j < 4; j++) {
			s += f(i) * 3;
			s ^= f(j);
			for (int k = 0; k < 3; k++)
				s = s * 7 + f(k + j);
			s &= 0xffffff;
		}
		s += f(s & 15);
	}
	printf("%d\n", s);
	return 0;
}
