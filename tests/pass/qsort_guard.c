// A comparator with a point is address-taken and instrumented: the call to
// qsort (defined outside the program) is wrapped in the uninstrumented-depth
// guard, so a request waits until qsort has returned. memcpy, known not to
// call back, is not wrapped.
#include <hexo/migrate.h>
#include <stddef.h>

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *memcpy(void *dst, const void *src, size_t n);

static int cmp(const void *a, const void *b)
{
	hexo_check_migrate();
	return *(const int *)a - *(const int *)b;
}

void sort(int *v, const int *src, size_t n)
{
	memcpy(v, src, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp);
}

// CHECK-LABEL: define {{.*}} @sort(
// CHECK-NOT:     __hexo_uninstr_depth
// CHECK:         call void @llvm.memcpy
// CHECK-NOT:     hexo.state
// CHECK:         %hexo.depth = load i32, i32* @__hexo_uninstr_depth
// CHECK-NEXT:    [[INC:%[0-9]+]] = add i32 %hexo.depth, 1
// CHECK-NEXT:    store i32 [[INC]], i32* @__hexo_uninstr_depth
// CHECK-NEXT:    call void @qsort(
// CHECK-NEXT:    %hexo.depth1 = load i32, i32* @__hexo_uninstr_depth
// CHECK-NEXT:    [[DEC:%[0-9]+]] = sub i32 %hexo.depth1, 1
// CHECK-NEXT:    store i32 [[DEC]], i32* @__hexo_uninstr_depth
// CHECK-NEXT:    ret void

// LAYOUT:      fn cmp id=0a927767 frame=0 align=16 slots=
// LAYOUT-NEXT: site cmp 1 callee=point size=20 allocas=ptr;ptr values=
// LAYOUT-NOT:  sort
// STDERR:      hexo-instrument: cmp: address taken, calls hexo_check_migrate
// STDERR:      1 calls out of the program guarded
