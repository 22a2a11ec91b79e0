// A variable-length array in a function that reaches a point is refused.
// EXIT: 1
#include <hexo/migrate.h>

int run(int n)
{
	int v[n];
	for (int i = 0; i < n; i++) {
		v[i] = i;
		hexo_check_migrate();
	}
	return v[n - 1];
}

// STDERR:      {{^}}hexocc: error: function run: has a variable-length array or an alloca() of run-time size, which cannot be rewound: use a fixed-size array or malloc{{$}}
// STDERR-NOT:  error
