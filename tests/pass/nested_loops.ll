; A rewind into a call in an inner loop goes through the header of every
; loop around it (outer, then inner), then a block of its own: the loops
; keep a single entry, so later passes still see natural loops.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

define dso_local void @grid(i32 %n) {
entry:
  %i = alloca i32, align 4
  %j = alloca i32, align 4
  store i32 0, i32* %i, align 4
  br label %outer

outer:
  %0 = load i32, i32* %i, align 4
  %c = icmp slt i32 %0, %n
  br i1 %c, label %outer.body, label %exit

outer.body:
  store i32 0, i32* %j, align 4
  br label %inner

inner:
  %1 = load i32, i32* %j, align 4
  %c2 = icmp slt i32 %1, %n
  br i1 %c2, label %inner.body, label %outer.latch

inner.body:
  %x = mul i32 %1, 3
  call void @hexo_check_migrate()
  %y = add i32 %x, %1
  store i32 %y, i32* %j, align 4
  br label %inner

outer.latch:
  %2 = add i32 %0, 1
  store i32 %2, i32* %i, align 4
  br label %outer

exit:
  ret void
}

declare void @hexo_check_migrate()

; CHECK-LABEL: define dso_local void @grid(i32 %n)
; CHECK:       outer:
; CHECK:         %hexo.loopsite = phi i32 [ 0, %outer.latch ], [ 0, %hexo.body ], [ 1, %hexo.rewind1 ]
; CHECK-NEXT:    switch i32 %hexo.loopsite, label %outer.loop [
; CHECK-NEXT:      i32 1, label %inner
; CHECK-NEXT:    ]
; CHECK:       outer.loop:
; CHECK-NEXT:    load i32, i32* %i
; CHECK:       inner:
; CHECK:         %hexo.loopsite1 = phi i32 [ 0, %hexo.after ], [ 0, %outer.body ], [ %hexo.loopsite, %outer ]
; CHECK-NEXT:    switch i32 %hexo.loopsite1, label %inner.loop [
; CHECK-NEXT:      i32 1, label %hexo.enter1
; CHECK-NEXT:    ]
; CHECK:       inner.loop:
; CHECK-NEXT:    load i32, i32* %j
; The SSA values live across the point (%n, %0, %1, %x) are restored in
; hexo.enter1 and reach their uses through phis. i and j are dead there
; (both are stored before they are read again): the record has no locals.
; CHECK:       hexo.point:
; CHECK-NEXT:    [[X:%x[0-9]*]] = phi i32 [ %x.r, %hexo.enter1 ], [ %x, %inner.body ]
; CHECK:       hexo.after:
; CHECK-NEXT:    [[X2:%x[0-9]*]] = phi i32 [ %x, %inner.body ], [ [[X]], %hexo.cont1 ]
; CHECK:         %y = add i32 [[X2]], {{%[0-9]+}}
; CHECK:       hexo.enter1:
; CHECK:         %n.r = load i32
; CHECK:         load i32
; CHECK:         load i32
; CHECK:         %x.r = load i32
; CHECK-NEXT:    br label %hexo.point

; LAYOUT:      fn grid id=af871a91 frame=0 align=16 slots=
; LAYOUT-NEXT: site grid 1 callee=point size=20 allocas= values=i32;i32;i32;i32
