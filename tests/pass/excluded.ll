; Functions named __hexo* and the definitions of the point functions are
; never instrumented, even when they call points.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

define dso_local void @hexo_check_migrate() {
entry:
  ret void
}

define dso_local void @__hexo_helper() {
entry:
  call void @hexo_check_migrate()
  ret void
}

define dso_local void @work() {
entry:
  call void @hexo_check_migrate()
  call void @__hexo_helper()
  ret void
}

; CHECK-LABEL: define dso_local void @hexo_check_migrate() {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    ret void
; CHECK-LABEL: define dso_local void @__hexo_helper() {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    call void @hexo_check_migrate()
; CHECK-NEXT:    ret void
; CHECK-LABEL: define dso_local void @work() {
; CHECK:         call void @__hexo_migrate_point()
; CHECK:         call void @__hexo_helper()
; CHECK-NEXT:    ret void
; LAYOUT:      fn work id=5b98d260 frame=0 align=16 slots=
; LAYOUT-NEXT: site work 1 callee=point size=4 allocas= values=
; LAYOUT-NOT:  {{.}}
