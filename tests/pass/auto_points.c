// -points=auto: a point at the entry of every function that loops or
// calls into the program, and at the header of every outermost loop that
// calls or holds an inner loop; none in a tight leaf loop.
// ARGS: -v -points=auto
double leaf(double x)
{
	return x * 0.5;
}

double tight(const double *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

double outer(const double *v, int n)
{
	double s = 0;
	for (int r = 0; r < n; r++)
		for (int i = 0; i < n; i++)
			s += v[i] * r;
	return s;
}

double caller(const double *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += leaf(v[i]);
	return s + tight(v, n) + outer(v, n);
}

// CHECK-LABEL: define {{.*}} @leaf(
// CHECK-NOT:     hexo
// CHECK:         ret double
// A point at the entry, after the arguments are stored; none in the loop.
// CHECK-LABEL: define {{.*}} @tight(
// CHECK:       hexo.body:
// CHECK-NEXT:    store double* %0
// CHECK-NEXT:    store i32 %1
// CHECK-NEXT:    %hexo.pts = load volatile i64
// CHECK-NEXT:    %hexo.pts.next = add i64 %hexo.pts, 1
// CHECK-NEXT:    store volatile i64 %hexo.pts.next
// CHECK-NEXT:    %hexo.req = load volatile i32
// CHECK:         call void @__hexo_migrate_point()
// CHECK-NOT:     call void @__hexo_migrate_point()
// CHECK:         ret double
// Entry, and the header of the outer loop (it holds a loop).
// CHECK-LABEL: define {{.*}} @outer(
// CHECK:         call void @__hexo_migrate_point()
// CHECK:       {{^}}[[HDR:[0-9]+]]:{{.*}}preds
// CHECK-NEXT:    %hexo.loopsite = phi i32
// CHECK-NEXT:    switch i32 %hexo.loopsite, label %[[LOOP:hexo.loop[0-9]*]] [
// CHECK-NEXT:      i32 2, label %hexo.enter2
// CHECK-NEXT:    ]
// CHECK:       {{^}}[[LOOP]]:
// CHECK-NEXT:    %hexo.pts{{[0-9]+}} = load volatile i64
// CHECK-NEXT:    %hexo.pts.next{{[0-9]*}} = add i64 %hexo.pts{{[0-9]+}}, 1
// CHECK-NEXT:    store volatile i64 %hexo.pts.next
// CHECK-NEXT:    %hexo.req{{[0-9]+}} = load volatile i32
// CHECK:         call void @__hexo_migrate_point()
// CHECK-NOT:     call void @__hexo_migrate_point()
// CHECK:         br label %[[HDR]], !llvm.loop
// CHECK-NOT:     call void @__hexo_migrate_point()
// CHECK:         ret double
// Entry, and the header of the loop that calls leaf.
// CHECK-LABEL: define {{.*}} @caller(
// CHECK:         call void @__hexo_migrate_point()
// CHECK:       {{^}}[[HDR2:[0-9]+]]:{{.*}}preds
// CHECK-NEXT:    %hexo.loopsite = phi i32
// CHECK:       {{^}}hexo.loop{{[0-9]*}}:
// CHECK-NEXT:    %hexo.pts{{[0-9]+}} = load volatile i64
// CHECK-NEXT:    %hexo.pts.next{{[0-9]*}} = add i64 %hexo.pts{{[0-9]+}}, 1
// CHECK-NEXT:    store volatile i64 %hexo.pts.next
// CHECK-NEXT:    %hexo.req{{[0-9]+}} = load volatile i32
// CHECK:         call double @leaf(
// CHECK:         br label %[[HDR2]], !llvm.loop

// LAYOUT:      fn tight id=f654e087 frame=0 align=16 slots=
// LAYOUT-NEXT: site tight 1 callee=point size=16 allocas=ptr;i32 values=
// LAYOUT-NEXT: fn outer id=a20bc574 frame=0 align=16 slots=
// LAYOUT-NEXT: site outer 1 callee=point size=16 allocas=ptr;i32 values=
// LAYOUT-NEXT: site outer 2 callee=point size=28 allocas=ptr;i32;double;i32 values=
// LAYOUT-NEXT: fn caller id=6af0fe62 frame=0 align=16 slots=
// LAYOUT-NEXT: site caller 1 callee=point size=16 allocas=ptr;i32 values=
// LAYOUT-NEXT: site caller 2 callee=point size=28 allocas=ptr;i32;double;i32 values=
// LAYOUT-NEXT: site caller 3 callee=tight size=24 allocas=ptr;i32 values=double
// LAYOUT-NEXT: site caller 4 callee=outer size=12 allocas= values=double
// STDERR:      hexo-instrument: tight: has migration points (auto)
// STDERR-NEXT: hexo-instrument: outer: has migration points (auto)
// STDERR-NEXT: hexo-instrument: caller: has migration points (auto)
// STDERR-NEXT: hexo-instrument: tight: migration point at entry (auto)
// STDERR-NEXT: hexo-instrument: outer: migration point at entry (auto)
// STDERR-NEXT: hexo-instrument: outer: migration point at a loop header (auto)
// STDERR-NEXT: hexo-instrument: caller: migration point at entry (auto)
// STDERR-NEXT: hexo-instrument: caller: migration point at a loop header (auto)
// STDERR-NEXT: hexo-instrument: 3 functions instrumented, 7 call sites, 5 automatic points, 0 calls out of the program guarded (x86_64)
