// Mutual recursion: both functions are instrumented and call each other.
#include <hexo/migrate.h>

int is_odd(unsigned n);

int is_even(unsigned n)
{
	hexo_check_migrate();
	return n == 0 ? 1 : is_odd(n - 1);
}

int is_odd(unsigned n)
{
	return n == 0 ? 0 : is_even(n - 1);
}

// CHECK-LABEL: define {{.*}} @is_even(
// CHECK:         call void @__hexo_migrate_point()
// CHECK:         call i32 @is_odd(
// CHECK-LABEL: define {{.*}} @is_odd(
// CHECK:         call i32 @is_even(
// CHECK:         call i8* @__hexo_rec_push(i32 -1992531437, i64 4)

// LAYOUT:      fn is_even id=e6f7e85a frame=0 align=16 slots=
// LAYOUT-NEXT: site is_even 1 callee=point size=8 allocas=i32 values=
// LAYOUT-NEXT: site is_even 2 callee=is_odd size=4 allocas= values=
// LAYOUT-NEXT: fn is_odd id=893c6213 frame=0 align=16 slots=
// LAYOUT-NEXT: site is_odd 1 callee=is_even size=4 allocas= values=
// STDERR:      hexo-instrument: is_even: calls hexo_check_migrate
// STDERR-NEXT: hexo-instrument: is_odd: calls is_even (instrumented)
