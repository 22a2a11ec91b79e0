// A struct returned by value (sret): the caller's temporary escapes (its
// address is the hidden argument) and lives on the shadow stack; the
// callee saves the sret pointer it still needs after its point.
#include <hexo/migrate.h>

struct big {
	long v[4];
};

struct big make(long x)
{
	struct big b;
	hexo_check_migrate();
	for (int i = 0; i < 4; i++)
		b.v[i] = x + i;
	return b;
}

long run(void)
{
	struct big b = make(5);
	return b.v[3];
}

// CHECK-LABEL: define {{.*}} @make(%struct.big* noalias sret(%struct.big) align 8 %0, i64 %1)
// CHECK:       hexo.unwind1:
// CHECK:         store %struct.big* {{%[0-9]+}}, %struct.big** {{%[0-9]+}}, align 1
// CHECK-LABEL: define {{.*}} @run()
// CHECK:         [[B8:%[0-9]+]] = getelementptr i8, i8* %hexo.frame, i64 0
// CHECK-NEXT:    [[B:%[0-9]+]] = bitcast i8* [[B8]] to %struct.big*
// CHECK:         call void @make(%struct.big* sret(%struct.big) align 8 [[B]], i64 5)

// LAYOUT:      fn make id=e18c56af frame=0 align=16 slots=
// LAYOUT-NEXT: site make 1 callee=point size=20 allocas=i64 values=ptr
// LAYOUT-NEXT: fn run id=2acd4eca frame=32 align=16 slots=32@0
// LAYOUT-NEXT: site run 1 callee=make size=4 allocas= values=
