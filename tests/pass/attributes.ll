; Promises that stop holding in an instrumented function are dropped: it
; returns 0 when unwinding, and on the rewind path its callers pass 0 for
; the arguments it does not read again (nonnull, noundef, dereferenceable,
; align, returned, memory attributes, noreturn). Others stay.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-none-elf"

define dso_local nonnull i32* @pick(i32* noundef nonnull dereferenceable(4) align 4 %p, i32* noalias nocapture readonly %q) #0 {
entry:
  call void @hexo_check_migrate()
  ret i32* %p
}

define dso_local void @stop() #1 {
entry:
  call void @hexo_check_migrate()
  unreachable
}

define dso_local i32 @main() {
entry:
  %x = alloca i32, align 4
  %y = alloca i32, align 4
  %r = call nonnull i32* @pick(i32* noundef nonnull dereferenceable(4) align 4 %x, i32* noalias nocapture readonly %y) #0
  %v = load i32, i32* %r, align 4
  call void @stop() #1
  unreachable
}

declare void @hexo_check_migrate()

attributes #0 = { nounwind readonly }
attributes #1 = { nounwind noreturn }

; CHECK-LABEL: define dso_local i32* @pick(i32* %p, i32* noalias nocapture readonly %q) #0 {
; CHECK-LABEL: define dso_local void @stop() #0 {
; CHECK-LABEL: define dso_local i32 @main() {
; CHECK:         %r = call i32* @pick(i32* %x, i32* noalias nocapture readonly %y) #0
; CHECK:         call void @stop() #0
; CHECK-NEXT:    %hexo.state{{[0-9]*}} = load i32, i32* @__hexo_mig_state
; CHECK:         attributes #0 = { nounwind }
