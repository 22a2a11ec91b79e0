// va_start in a function that reaches a point is refused.
// EXIT: 1
#include <hexo/migrate.h>
#include <stdarg.h>

int sum(int n, ...)
{
	va_list ap;
	int s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		hexo_check_migrate();
		s += va_arg(ap, int);
	}
	va_end(ap);
	return s;
}

// STDERR:      {{^}}hexocc: error: function sum: is variadic and calls va_start, which cannot be rewound: take a va_list or an array instead{{$}}
// STDERR-NOT:  error
