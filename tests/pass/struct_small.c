// Structs of up to 16 bytes passed and returned by value work, with the
// same record on x86-64 and aarch64 although the ABIs pass them
// differently ({i64, i32} against [2 x i64]).
#include <hexo/migrate.h>

struct p3 {
	int a, b, c;
};
struct cx {
	double re, im;
};

struct p3 rot(struct p3 q)
{
	hexo_check_migrate();
	return (struct p3){q.b, q.c, q.a};
}

struct cx sq(struct cx z)
{
	hexo_check_migrate();
	return (struct cx){z.re * z.re - z.im * z.im, 2 * z.re * z.im};
}

double run(int n)
{
	struct p3 q = {1, 2, 3};
	struct cx z = {0.5, 0.5};
	for (int i = 0; i < n; i++) {
		q = rot(q);
		z = sq(z);
	}
	return q.a + z.re;
}

// The ABI's coercion temporaries (x86-64: {i64, i32}) hold nothing across
// a call and are not saved; the arguments are passed as 0 on the rewind path.
// CHECK-LABEL: define {{.*}} @run(
// CHECK:       hexo.call1:
// CHECK-NEXT:    [[B:%[0-9]+]] = phi i32 [ 0, %hexo.enter1 ], [ {{%[0-9]+}}, {{%[0-9]+}} ]
// CHECK-NEXT:    [[A:%[0-9]+]] = phi i64 [ 0, %hexo.enter1 ], [ {{%[0-9]+}}, {{%[0-9]+}} ]
// CHECK-NEXT:    call { i64, i32 } @rot(i64 [[A]], i32 [[B]])
// CHECK:       hexo.call2:
// CHECK-NEXT:    phi double [ 0.000000e+00, %hexo.enter2 ]
// CHECK-NEXT:    phi double [ 0.000000e+00, %hexo.enter2 ]
// CHECK-NEXT:    call { double, double } @sq(

// LAYOUT:      fn rot id=450e1f0e frame=0 align=16 slots=
// LAYOUT-NEXT: site rot 1 callee=point size=16 allocas={i32,i32,i32} values=
// LAYOUT-NEXT: fn sq id=48521d89 frame=0 align=16 slots=
// LAYOUT-NEXT: site sq 1 callee=point size=20 allocas={double,double} values=
// LAYOUT-NEXT: fn run id=2acd4eca frame=0 align=16 slots=
// LAYOUT-NEXT: site run 1 callee=rot size=28 allocas=i32;{double,double};i32 values=
// LAYOUT-NEXT: site run 2 callee=sq size=24 allocas=i32;{i32,i32,i32};i32 values=
