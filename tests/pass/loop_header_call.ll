; A call site first thing in a loop header: the header becomes the loop's
; dispatch block and the call moves to the block after it, which the
; rewind path enters through hexo.enter1.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

@left = internal global i32 3

define dso_local i32 @count() {
entry:
  %n = alloca i32, align 4
  store i32 0, i32* %n, align 4
  br label %head

head:
  %c = call i32 @more()
  %t = icmp ne i32 %c, 0
  br i1 %t, label %body, label %done

body:
  %v = load i32, i32* %n, align 4
  %w = add i32 %v, 1
  store i32 %w, i32* %n, align 4
  br label %head

done:
  %r = load i32, i32* %n, align 4
  ret i32 %r
}

define internal i32 @more() {
entry:
  call void @hexo_check_migrate()
  %l = load i32, i32* @left, align 4
  %m = sub i32 %l, 1
  store i32 %m, i32* @left, align 4
  ret i32 %l
}

declare void @hexo_check_migrate()

; CHECK-LABEL: define dso_local i32 @count()
; CHECK:       head:
; CHECK-NEXT:    %hexo.loopsite = phi i32 [ 0, %body ], [ 0, %hexo.body ], [ 1, %hexo.rewind1 ]
; CHECK-NEXT:    switch i32 %hexo.loopsite, label %head.loop [
; CHECK-NEXT:      i32 1, label %hexo.enter1
; CHECK-NEXT:    ]
; CHECK:       head.loop:
; CHECK-NEXT:    %c = call i32 @more()
; CHECK-NEXT:    %hexo.state1 = load i32, i32* @__hexo_mig_state
; CHECK:       hexo.enter1:
; CHECK-NEXT:    br label %head.loop
; CHECK:       hexo.rewind1:
; CHECK:         store i32 {{%[0-9]+}}, i32* %n
; CHECK-NEXT:    br label %head

; LAYOUT:      fn count id={{[0-9a-f]+}} frame=0 align=16 slots=
; LAYOUT-NEXT: site count 1 callee=more size=8 allocas=i32 values=
