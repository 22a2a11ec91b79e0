// A struct of more than 16 bytes passed by value is byval on x86-64:
// refused in a function that reaches a point, and at a call that can
// migrate. On aarch64 it is passed by address and works.
// EXIT: 1
// AARCH64-EXIT: 0
#include <hexo/migrate.h>

struct big {
	long v[4];
};

long total(struct big b)
{
	hexo_check_migrate();
	return b.v[0] + b.v[3];
}

long run(void)
{
	struct big b = {{1, 2, 3, 4}};
	return total(b);
}

// STDERR:      {{^}}hexocc: error: function total: takes a struct of 32 bytes by value (a byval argument on x86_64), which cannot be rewound: pass a pointer to it instead{{$}}
// STDERR-NEXT: {{^}}hexocc: error: function run: passes a struct of 32 bytes by value (byval on x86_64) to total at a call that can migrate: pass a pointer instead{{$}}
// STDERR-NOT:  error
