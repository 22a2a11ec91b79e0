// setjmp in a function that reaches a point is refused.
// EXIT: 1
#include <hexo/migrate.h>

typedef long jmp_buf[32];
int setjmp(jmp_buf env);

int run(void)
{
	jmp_buf env;
	if (setjmp(env))
		return 1;
	hexo_check_migrate();
	return 0;
}

// STDERR:      {{^}}hexocc: error: function run: calls setjmp (or another function that returns twice), which cannot be unwound and rewound: keep setjmp/longjmp out of the functions that reach a migration point{{$}}
// STDERR-NOT:  error
