; SSA values live across a call are saved and restored (SSAUpdater phis);
; an argument live after a call is saved by the callee itself; an operand
; not needed after the call is passed as 0 on the rewind path.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

define dso_local i64 @f(i64 %x) {
entry:
  %a = call i64 @g(i64 %x)
  %b = mul i64 %a, 3
  %c = call i64 @g(i64 %b)
  %d = add i64 %b, %c
  %t = add i64 %d, 1
  %e = call i64 @g(i64 %t)
  %r = add i64 %e, %x
  ret i64 %r
}

define internal i64 @g(i64 %v) {
entry:
  call void @hexo_check_migrate()
  ret i64 %v
}

declare void @hexo_check_migrate()

; Site 1: %x (an argument, used at the end) is saved by f itself.
; Site 2: %b and %x are saved; %b reaches the call and the add through a phi.
; Site 3: %t is not needed after the call: 0 on the rewind path.
; CHECK-LABEL: define dso_local i64 @f(i64 %x)
; CHECK:       hexo.body:
; CHECK-NEXT:    [[X1:%x[0-9]+]] = phi i64 [ %x.r, %hexo.rewind1 ], [ %x, %entry ]
; CHECK-NEXT:    %a = call i64 @g(i64 [[X1]])
; CHECK:       hexo.call2:
; CHECK-NEXT:    [[B:%b[0-9]+]] = phi i64 [ %b.r, %hexo.rewind2 ], [ %b, %hexo.cont1 ]
; CHECK-NEXT:    [[X2:%x[0-9]+]] = phi i64 [ %x.r1, %hexo.rewind2 ], [ [[X1]], %hexo.cont1 ]
; CHECK-NEXT:    %c = call i64 @g(i64 [[B]])
; CHECK:       hexo.cont2:
; CHECK-NEXT:    %d = add i64 [[B]], %c
; CHECK:       hexo.call3:
; CHECK-NEXT:    [[T:%t[0-9]+]] = phi i64 [ 0, %hexo.rewind3 ], [ %t, %hexo.cont2 ]
; CHECK-NEXT:    [[X3:%x[0-9]+]] = phi i64 [ %x.r2, %hexo.rewind3 ], [ [[X2]], %hexo.cont2 ]
; CHECK-NEXT:    %e = call i64 @g(i64 [[T]])
; CHECK:       hexo.cont3:
; CHECK-NEXT:    %r = add i64 %e, [[X3]]
; CHECK:       hexo.rewind2:
; CHECK:         %x.r1 = load i64, i64* {{%[0-9]+}}, align 1
; CHECK:         getelementptr i8, i8* %hexo.rec, i64 12
; CHECK:         %b.r = load i64, i64* {{%[0-9]+}}, align 1
; CHECK-NEXT:    br label %hexo.call2
; CHECK:       hexo.unwind2:
; CHECK-NEXT:    call i8* @__hexo_rec_push(i32 -485742695, i64 20)
; CHECK:         store i32 2, i32* {{%[0-9]+}}, align 1
; CHECK:         store i64 [[X2]], i64* {{%[0-9]+}}, align 1
; CHECK:         store i64 [[B]], i64* {{%[0-9]+}}, align 1
; CHECK-NEXT:    ret i64 0

; LAYOUT:      fn f id=e30c2799 frame=0 align=16 slots=
; LAYOUT-NEXT: site f 1 callee=g size=12 allocas= values=i64
; LAYOUT-NEXT: site f 2 callee=g size=20 allocas= values=i64;i64
; LAYOUT-NEXT: site f 3 callee=g size=12 allocas= values=i64
; LAYOUT-NEXT: fn g id=e20c2606 frame=0 align=16 slots=
; LAYOUT-NEXT: site g 1 callee=point size=12 allocas= values=i64
