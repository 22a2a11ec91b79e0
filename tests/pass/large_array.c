// A local larger than 256 bytes goes to the shadow stack even though its
// address does not escape; a 256-byte one stays on the machine stack.
#include <hexo/migrate.h>

int sum(void)
{
	long big[40];  /* 320 bytes */
	long small[32]; /* 256 bytes */
	long s = 0;

	for (int i = 0; i < 40; i++)
		big[i] = i;
	for (int i = 0; i < 32; i++)
		small[i] = i;
	hexo_check_migrate();
	for (int i = 0; i < 32; i++)
		s += big[i] + small[i];
	return (int)s;
}

// big (320 bytes) is a shadow slot; small (256 bytes) is saved by value.
// CHECK-LABEL: define {{.*}} @sum()
// CHECK:         [[SMALL:%[0-9]+]] = alloca [32 x i64]
// CHECK-NOT:     alloca [40 x i64]
// CHECK:         %hexo.frame = getelementptr
// CHECK:         [[BIG8:%[0-9]+]] = getelementptr i8, i8* %hexo.frame, i64 0
// CHECK-NEXT:    bitcast i8* [[BIG8]] to [40 x i64]*
// CHECK:       hexo.rewind1:
// CHECK:         [[S8:%[0-9]+]] = bitcast [32 x i64]* [[SMALL]] to i8*
// CHECK-NEXT:    call void @llvm.memcpy.p0i8.p0i8.i64(i8* align 16 [[S8]], i8* align 1 {{%[0-9]+}}, i64 256, i1 false)
// CHECK:       hexo.unwind1:
// CHECK-NEXT:    call i8* @__hexo_rec_push(i32 -582075736, i64 268)

// LAYOUT:      fn sum id=dd4e3aa8 frame=320 align=16 slots=320@0
// LAYOUT-NEXT: site sum 1 callee=point size=268 allocas=[32 x i64];i64 values=
