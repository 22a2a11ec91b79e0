// Inline assembly in a function that reaches a point is refused; in one
// that does not, it is fine.
// EXIT: 1
#include <hexo/migrate.h>

int run(void)
{
	__asm__ volatile("" ::: "memory");
	hexo_check_migrate();
	return 0;
}

int quiet(void)
{
	__asm__ volatile("" ::: "memory");
	return 0;
}

// Only run is refused.
// STDERR:      {{^}}hexocc: error: function run: contains inline assembly, which cannot be migrated: move it into a function that reaches no migration point{{$}}
// STDERR-NOT:  error
