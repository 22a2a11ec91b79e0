; Without a point nothing is instrumented: no runtime calls, no state
; tests, and the functions come out as they went in.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

@table = dso_local global i32 (i32)* @twice

define dso_local i32 @twice(i32 %x) {
entry:
  %y = shl i32 %x, 1
  ret i32 %y
}

define dso_local i32 @main() {
entry:
  %f = load i32 (i32)*, i32 (i32)** @table
  %a = call i32 %f(i32 3)
  %b = call i32 @twice(i32 %a)
  %c = call i32 @ext(i32 %b)
  ret i32 %c
}

declare i32 @ext(i32)

; CHECK:       @table = dso_local global i32 (i32)* @twice
; CHECK-LABEL: define dso_local i32 @twice(i32 %x) {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %y = shl i32 %x, 1
; CHECK-NEXT:    ret i32 %y
; CHECK-NEXT:  }
; CHECK-LABEL: define dso_local i32 @main() {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %f = load i32 (i32)*, i32 (i32)** @table
; CHECK-NEXT:    %a = call i32 %f(i32 3)
; CHECK-NEXT:    %b = call i32 @twice(i32 %a)
; CHECK-NEXT:    %c = call i32 @ext(i32 %b)
; CHECK-NEXT:    ret i32 %c
; CHECK-NEXT:  }
; CHECK-NOT:   hexo
; LAYOUT-NOT:  {{.}}
; STDERR:      hexo-instrument: 0 functions instrumented, 0 call sites, 0 automatic points, 0 calls out of the program guarded (x86_64)
