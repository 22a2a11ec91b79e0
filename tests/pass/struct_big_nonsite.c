// A struct of more than 16 bytes passed by value to a function that does
// not migrate: x86-64's byval argument is copied into a temporary of its
// own, as aarch64's ABI does, so both ISAs get the same shadow frame.
#include <hexo/migrate.h>

struct big {
	long v[4];
};

long total(struct big b)
{
	return b.v[0] + b.v[3];
}

long run(int n)
{
	struct big b = {{1, 2, 3, 4}};
	long s = 0;
	for (int i = 0; i < n; i++) {
		hexo_check_migrate();
		s += total(b);
	}
	return s;
}

// CHECK-LABEL: define {{.*}} @run(
// CHECK:         %hexo.frame = getelementptr
// CHECK:         [[T8:%[0-9]+]] = getelementptr i8, i8* %hexo.frame, i64 0
// CHECK-NEXT:    [[T:%hexo.byval]] = bitcast i8* [[T8]] to %struct.big*
// CHECK:         [[D:%[0-9]+]] = bitcast %struct.big* [[T]] to i8*
// CHECK:         call void @llvm.memcpy.p0i8.p0i8.i64(i8* align 8 [[D]], i8* align 1 {{%[0-9]+}}, i64 32, i1 false)
// CHECK-NEXT:    call i64 @total(%struct.big* noundef byval(%struct.big) align 8 [[T]])

// LAYOUT:      fn run id=2acd4eca frame=32 align=16 slots=32@0
// LAYOUT-NEXT: site run 1 callee=point size=52 allocas=i32;{[4 x i64]};i64;i32 values=
