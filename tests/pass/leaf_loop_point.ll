; A migration point in a leaf loop: the inline test of the request flag, the
; rewind dispatch, and a record holding the loop's three locals by value.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

define dso_local i32 @sum(i32 %n) {
entry:
  %n.addr = alloca i32, align 4
  %s = alloca i32, align 4
  %i = alloca i32, align 4
  store i32 %n, i32* %n.addr, align 4
  store i32 0, i32* %s, align 4
  store i32 0, i32* %i, align 4
  br label %cond

cond:
  %0 = load i32, i32* %i, align 4
  %1 = load i32, i32* %n.addr, align 4
  %c = icmp slt i32 %0, %1
  br i1 %c, label %body, label %end

body:
  call void @hexo_check_migrate()
  %2 = load i32, i32* %s, align 4
  %3 = load i32, i32* %i, align 4
  %4 = add i32 %2, %3
  store i32 %4, i32* %s, align 4
  %5 = add i32 %3, 1
  store i32 %5, i32* %i, align 4
  br label %cond

end:
  %r = load i32, i32* %s, align 4
  ret i32 %r
}

declare void @hexo_check_migrate()

; CHECK-LABEL: define dso_local i32 @sum(i32 %n)
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %n.addr = alloca i32
; CHECK-NEXT:    %s = alloca i32
; CHECK-NEXT:    %i = alloca i32
; CHECK-NEXT:    %hexo.state = load i32, i32* @__hexo_mig_state
; CHECK-NEXT:    %hexo.rewinding = icmp eq i32 %hexo.state, 2
; CHECK-NEXT:    br i1 %hexo.rewinding, label %hexo.rewind, label %hexo.body
; The rewind enters the loop through its header (it stays a natural loop).
; CHECK:       {{^}}cond:
; CHECK-NEXT:    %hexo.loopsite = phi i32 [ 0, %hexo.after ], [ 0, %hexo.body ], [ 1, %hexo.rewind1 ]
; CHECK-NEXT:    switch i32 %hexo.loopsite, label %cond.loop [
; CHECK-NEXT:      i32 1, label %hexo.enter1
; CHECK-NEXT:    ]
; CHECK:       cond.loop:
; CHECK-NEXT:    load i32, i32* %i
; CHECK:       {{^}}body:
; CHECK-NEXT:    %hexo.pts = load volatile i64, i64* @__hexo_points, align 8
; CHECK-NEXT:    %hexo.pts.next = add i64 %hexo.pts, 1
; CHECK-NEXT:    store volatile i64 %hexo.pts.next, i64* @__hexo_points, align 8
; CHECK-NEXT:    %hexo.req = load volatile i32, i32* inttoptr (i64 4208 to i32*), align 4
; CHECK-NEXT:    %hexo.asked = icmp ne i32 %hexo.req, 0
; CHECK-NEXT:    br i1 %hexo.asked, label %hexo.point, label %hexo.after
; CHECK:       hexo.point:
; CHECK-NEXT:    call void @__hexo_migrate_point()
; CHECK-NEXT:    %hexo.state1 = load i32, i32* @__hexo_mig_state
; CHECK-NEXT:    %hexo.unwinding = icmp ne i32 %hexo.state1, 0
; CHECK-NEXT:    br i1 %hexo.unwinding, label %hexo.unwind1, label %hexo.cont1
; CHECK:       hexo.rewind:
; CHECK-NEXT:    %hexo.rec = call i8* @__hexo_rec_pop(i32 -582075736)
; CHECK:         %hexo.site = load i32, i32* {{%[0-9]+}}, align 1
; CHECK-NEXT:    switch i32 %hexo.site, label %hexo.badsite [
; CHECK-NEXT:      i32 1, label %hexo.rewind1
; CHECK-NEXT:    ]
; CHECK:       hexo.enter1:
; CHECK-NEXT:    br label %hexo.point
; CHECK:       hexo.badsite:
; CHECK-NEXT:    call void @__hexo_rewind_bad_site(i32 -582075736, i32 %hexo.site)
; CHECK-NEXT:    unreachable
; CHECK:       hexo.rewind1:
; CHECK-NEXT:    [[P:%[0-9]+]] = getelementptr i8, i8* %hexo.rec, i64 4
; CHECK-NEXT:    [[Q:%[0-9]+]] = bitcast i8* [[P]] to i32*
; CHECK-NEXT:    [[V:%[0-9]+]] = load i32, i32* [[Q]], align 1
; CHECK-NEXT:    store i32 [[V]], i32* %n.addr
; CHECK:         getelementptr i8, i8* %hexo.rec, i64 8
; CHECK:         store i32 {{%[0-9]+}}, i32* %s
; CHECK:         getelementptr i8, i8* %hexo.rec, i64 12
; CHECK:         store i32 {{%[0-9]+}}, i32* %i
; CHECK-NEXT:    br label %cond
; CHECK:       hexo.unwind1:
; CHECK-NEXT:    %hexo.rec2 = call i8* @__hexo_rec_push(i32 -582075736, i64 16)
; CHECK:         store i32 1, i32* {{%[0-9]+}}, align 1
; CHECK:         load i32, i32* %n.addr
; CHECK:         load i32, i32* %s
; CHECK:         load i32, i32* %i
; CHECK:         ret i32 0
; CHECK-NOT:   lifetime
; CHECK:       declare void @__hexo_migrate_point()

; FNV-1a 32 of "sum" is 0xdd4e3aa8 (= -582075736).
; LAYOUT:      fn sum id=dd4e3aa8 frame=0 align=16 slots=
; LAYOUT-NEXT: site sum 1 callee=point size=16 allocas=i32;i32;i32 values=
; STDERR:      hexo-instrument: sum: calls hexo_check_migrate
