// A local whose address is passed to a callee, and one whose address is
// stored in a struct, live on the shadow stack; the others stay allocas.
#include <hexo/migrate.h>

struct ref {
	int *p;
	int tag;
};

void bump(int *p)
{
	hexo_check_migrate();
	*p += 1;
}

int use(void)
{
	int a = 1, b = 2, plain = 3;
	struct ref r = {&b, 7};

	bump(&a);
	bump(r.p);
	return a + b + plain + r.tag;
}

// a and b escape (&a to bump, &b into r): shadow slots; plain and r stay.
// CHECK-LABEL: define {{.*}} @use()
// CHECK-NEXT:    [[PLAIN:%[0-9]+]] = alloca i32
// CHECK-NEXT:    [[R:%[0-9]+]] = alloca %struct.ref
// CHECK-NEXT:    %hexo.ssp = load i8*, i8** @__hexo_shadow_sp
// CHECK-NEXT:    [[SP:%[0-9]+]] = ptrtoint i8* %hexo.ssp to i64
// CHECK-NEXT:    [[LOW:%[0-9]+]] = sub i64 [[SP]], 16
// CHECK-NEXT:    [[MIS:%[0-9]+]] = and i64 [[LOW]], 15
// CHECK-NEXT:    [[DELTA:%[0-9]+]] = sub i64 -16, [[MIS]]
// CHECK-NEXT:    %hexo.frame = getelementptr i8, i8* %hexo.ssp, i64 [[DELTA]]
// CHECK-NEXT:    %hexo.slimit = load i8*, i8** @__hexo_shadow_limit
// CHECK-NEXT:    %hexo.full = icmp ult i8* %hexo.frame, %hexo.slimit
// CHECK-NEXT:    br i1 %hexo.full, label %hexo.overflow, label %hexo.frame1
// CHECK:       hexo.overflow:
// CHECK-NEXT:    call void @__hexo_shadow_overflow(i8* getelementptr inbounds ([4 x i8], [4 x i8]* @hexo.fn.use, i32 0, i32 0))
// CHECK-NEXT:    unreachable
// CHECK:       hexo.frame1:
// CHECK-NEXT:    store i8* %hexo.frame, i8** @__hexo_shadow_sp
// CHECK-NEXT:    [[A8:%[0-9]+]] = getelementptr i8, i8* %hexo.frame, i64 0
// CHECK-NEXT:    [[A:%[0-9]+]] = bitcast i8* [[A8]] to i32*
// CHECK-NEXT:    [[B8:%[0-9]+]] = getelementptr i8, i8* %hexo.frame, i64 4
// CHECK-NEXT:    [[B:%[0-9]+]] = bitcast i8* [[B8]] to i32*
// CHECK-NEXT:    %hexo.state = load i32, i32* @__hexo_mig_state
// CHECK:         store i32* [[B]], i32** {{%[0-9]+}}
// CHECK:         call void @bump(i32* [[A]])
// CHECK:         store i8* %hexo.ssp, i8** @__hexo_shadow_sp
// CHECK-NEXT:    ret i32
// CHECK:       hexo.unwind1:
// CHECK-NEXT:    call i8* @__hexo_rec_push(i32 1469170932, i64 24)
// CHECK:         store i8* %hexo.ssp, i8** @__hexo_shadow_sp
// CHECK-NEXT:    ret i32 0
// CHECK:       hexo.unwind2:
// CHECK:         store i8* %hexo.ssp, i8** @__hexo_shadow_sp
// CHECK-NEXT:    ret i32 0

// LAYOUT:      fn bump id=623c0fb5 frame=0 align=16 slots=
// LAYOUT-NEXT: site bump 1 callee=point size=12 allocas=ptr values=
// LAYOUT-NEXT: fn use id=5791c4f4 frame=16 align=16 slots=4@0,4@4
// LAYOUT-NEXT: site use 1 callee=bump size=24 allocas=i32;{ptr,i32} values=
// LAYOUT-NEXT: site use 2 callee=bump size=24 allocas=i32;{ptr,i32} values=
