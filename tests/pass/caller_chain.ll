; main -> middle -> leaf, which has a point: all three are instrumented;
; helper reaches no point: it and the call to it are left alone.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

define dso_local i32 @main() {
entry:
  %x = call i32 @helper(i32 1)
  %y = call i32 @middle(i32 %x)
  ret i32 %y
}

define internal i32 @middle(i32 %v) {
entry:
  %a = call i32 @leaf(i32 %v)
  ret i32 %a
}

define internal i32 @leaf(i32 %v) {
entry:
  call void @popcorn_check_migrate()
  ret i32 %v
}

define internal i32 @helper(i32 %v) {
entry:
  %w = add i32 %v, 1
  ret i32 %w
}

declare void @popcorn_check_migrate()

; CHECK-LABEL: define dso_local i32 @main()
; CHECK:         br i1 %hexo.rewinding, label %hexo.rewind, label %hexo.body
; CHECK:       hexo.body:
; CHECK-NEXT:    %x = call i32 @helper(i32 1)
; CHECK-NEXT:    br label %hexo.call1
; CHECK:       hexo.call1:
; CHECK-NEXT:    [[X:%[a-z0-9.]+]] = phi i32 [ 0, %hexo.rewind1 ], [ %x, %hexo.body ]
; CHECK-NEXT:    %y = call i32 @middle(i32 [[X]])
; CHECK:       hexo.unwind1:
; CHECK-NEXT:    call i8* @__hexo_rec_push(i32 -359603704, i64 4)
; CHECK-LABEL: define internal i32 @middle(i32 %v)
; CHECK:         call i32 @leaf(
; CHECK:         call i8* @__hexo_rec_push(
; CHECK-LABEL: define internal i32 @leaf(i32 %v)
; CHECK:         call void @__hexo_migrate_point()
; CHECK-LABEL: define internal i32 @helper(i32 %v)
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %w = add i32 %v, 1
; CHECK-NEXT:    ret i32 %w
; CHECK-NEXT:  }

; LAYOUT:      fn main id=ea90e208 frame=0 align=16 slots=
; LAYOUT-NEXT: site main 1 callee=middle size=4 allocas= values=
; LAYOUT-NEXT: fn middle id=c982a718 frame=0 align=16 slots=
; LAYOUT-NEXT: site middle 1 callee=leaf size=4 allocas= values=
; LAYOUT-NEXT: fn leaf id=2648cd55 frame=0 align=16 slots=
; LAYOUT-NEXT: site leaf 1 callee=point size=8 allocas= values=i32
; LAYOUT-NOT:  helper
; STDERR:      hexo-instrument: main: calls middle (instrumented)
; STDERR-NEXT: hexo-instrument: middle: calls leaf (instrumented)
; STDERR-NEXT: hexo-instrument: leaf: calls popcorn_check_migrate
; STDERR-NEXT: hexo-instrument: 3 functions instrumented, 3 call sites, 0 automatic points, 0 calls out of the program guarded (x86_64)
