// An address-taken function is instrumented, so every indirect call is a
// call site; the callee pointer is saved in the record.
#include <hexo/migrate.h>

static int step(int x)
{
	hexo_check_migrate();
	return x + 1;
}

int (*pick(int k))(int)
{
	return k ? step : 0;
}

int apply(int (*f)(int), int n)
{
	int r = 0;
	for (int i = 0; i < n; i++)
		r = f(r);
	return r;
}

int run(void)
{
	return apply(pick(1), 10);
}

// CHECK-LABEL: define {{.*}} @pick(
// CHECK-NOT:     hexo
// CHECK:         ret
// CHECK-LABEL: define {{.*}} @apply(
// The callee, saved, comes back in the block that ends the rewind path
// into the loop; the record pointer reaches it through the loop header.
// CHECK:       {{^}}[[HDR:[0-9]+]]:
// CHECK-NEXT:    [[REC:%hexo.rec[0-9]+]] = phi i8* [ %hexo.rec{{[0-9]+}}, {{%[0-9]+}} ], [ undef, %hexo.body ], [ %hexo.rec, %hexo.rewind1 ]
// CHECK:       hexo.call1:
// CHECK-NEXT:    [[ARG:%[0-9]+]] = phi i32 [ 0, %hexo.enter1 ], [ {{%[0-9]+}}, {{%[0-9]+}} ]
// CHECK-NEXT:    [[FN:%[0-9]+]] = phi i32 (i32)* [ %.r, %hexo.enter1 ], [ {{%[0-9]+}}, {{%[0-9]+}} ]
// CHECK-NEXT:    call i32 [[FN]](i32 [[ARG]])
// CHECK:       hexo.enter1:
// CHECK-NEXT:    [[P:%[0-9]+]] = getelementptr i8, i8* [[REC]], i64 20
// CHECK-NEXT:    [[Q:%[0-9]+]] = bitcast i8* [[P]] to i32 (i32)**
// CHECK-NEXT:    %.r = load i32 (i32)*, i32 (i32)** [[Q]], align 1
// CHECK-NEXT:    br label %hexo.call1

// LAYOUT:      fn step id=c7441a0f frame=0 align=16 slots=
// LAYOUT-NEXT: site step 1 callee=point size=8 allocas=i32 values=
// LAYOUT-NEXT: fn apply id=24bc4a3b frame=0 align=16 slots=
// LAYOUT-NEXT: site apply 1 callee=indirect size=28 allocas=ptr;i32;i32 values=ptr
// LAYOUT-NEXT: fn run id=2acd4eca frame=0 align=16 slots=
// LAYOUT-NEXT: site run 1 callee=apply size=4 allocas= values=
// STDERR:      hexo-instrument: step: address taken, calls hexo_check_migrate
// STDERR-NEXT: hexo-instrument: apply: makes an indirect call (step is address-taken and instrumented)
// STDERR-NEXT: hexo-instrument: run: calls apply (instrumented)
