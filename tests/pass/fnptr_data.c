// Function pointers in a table in data: the functions are address-taken;
// the ones that reach a point make every indirect call a call site.
#include <hexo/migrate.h>

static int twice(int x)
{
	hexo_check_migrate();
	return 2 * x;
}

static int inc(int x)
{
	return x + 1;
}

static int (*const ops[])(int) = {twice, inc};

int run(int n)
{
	int x = 1;
	for (int i = 0; i < n; i++)
		x = ops[i & 1](x);
	return x;
}

// CHECK:       @ops = internal constant [2 x i32 (i32)*] [i32 (i32)* @twice, i32 (i32)* @inc]
// CHECK-LABEL: define {{.*}} @run(
// CHECK:       hexo.call1:
// CHECK:         [[FN:%[0-9]+]] = phi i32 (i32)* [
// CHECK:         call i32 [[FN]](
// CHECK-LABEL: define internal i32 @inc(
// CHECK-NOT:     hexo
// CHECK:         ret

// LAYOUT:      fn run id=2acd4eca frame=0 align=16 slots=
// LAYOUT-NEXT: site run 1 callee=indirect size=20 allocas=i32;i32 values=ptr
// LAYOUT-NEXT: fn twice id=b4a7d5f3 frame=0 align=16 slots=
// LAYOUT-NEXT: site twice 1 callee=point size=8 allocas=i32 values=
// STDERR:      hexo-instrument: run: makes an indirect call (twice is address-taken and instrumented)
// STDERR-NEXT: hexo-instrument: twice: address taken, calls hexo_check_migrate
