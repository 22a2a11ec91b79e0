#!/usr/bin/env bash
# Behaviour tests of the hexocc driver (docs/hexocc.md).
#
#   tests/hexocc/test_driver.sh        (or: make test-hexocc)
#
# Uses build/bin/hexocc and the guest runtime in build/lib/hexo (override
# with HEXOCC=... and HEXO_LIB_DIR=...). Building needs no KVM; the steps
# that run the images need build/bin/hexo (HEXO=...) and a usable /dev/kvm
# and print "SKIP: <reason>" otherwise. Last line: "N passed, N failed, N skipped".
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

make_tmp work hexocc-test || exit 1
# hexocc's own temporary folders go here, so leaks can be seen.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR" "$work/src"
cd "$work/src" || exit 1

# hx ARGS...: runs hexocc; stdout in out, stderr in err, status in rc.
rc=0
hx() {
	"$HEXOCC" "$@" >out 2>err
	rc=$?
}
ok() { [ "$rc" -eq 0 ] || { sed 's/^/    /' err; return 1; }; }
failed_with() { [ "$rc" -ne 0 ] && grep -qF -- "$1" err; }
err_is() { [ "$rc" -ne 0 ] && [ "$(cat err)" = "$1" ]; }
no_temps() { [ -z "$(ls -A "$TMPDIR")" ]; }

# le_u64 FILE OFFSET / le_u16 FILE OFFSET: little-endian integers.
le_u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
le_u16() { od -An -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }

# elf_entry FILE N ISA MACHINE: entry N of the image's table (32 bytes an
# entry, from offset 64: kind, ISA, offset, size) is an ELF (kind 1) for ISA
# (1 x86_64, 2 aarch64), a static executable (ET_EXEC) with e_machine MACHINE.
elf_entry() {
	local at=$((64 + 32 * $2)) off size
	[ "$(od -An -t u4 -j "$at" -N 8 "$1" | tr -s ' ')" = " 1 $3" ] || return 1
	off=$(le_u64 "$1" $((at + 8)))
	size=$(le_u64 "$1" $((at + 16)))
	tail -c +$((off + 1)) "$1" | head -c "$size" >"$work/entry.elf"
	[ "$(head -c 4 "$work/entry.elf" | od -An -c | tr -d ' ')" = '177ELF' ] &&
		[ "$(le_u16 "$work/entry.elf" 16)" = 2 ] && # ET_EXEC
		[ "$(le_u16 "$work/entry.elf" 18)" = "$4" ]
}

# is_image FILE: a .hexo whose first entry is an x86-64 static ELF executable.
is_image() {
	[ "$(head -c 8 "$1" | od -An -c | tr -d ' ')" = 'HEXOIMG032' ] &&
		elf_entry "$1" 0 1 62 # EM_X86_64
}

# has_aarch64 FILE: the image's second entry is an aarch64 static ELF executable.
has_aarch64() {
	[ "$(od -An -t u4 -j 12 -N 4 "$1" | tr -d ' ')" -ge 2 ] &&
		elf_entry "$1" 1 2 183 # EM_AARCH64
}

# carries_aarch64 FILE: a hexocc -c object with the aarch64 object inside.
carries_aarch64() { grep -qa '\.hexo\.obj\.aarch64' "$1"; }
# carries_bitcode FILE: a hexocc -c object with both ISAs' bitcode and the -O level.
carries_bitcode() {
	grep -qa '\.hexo\.bc\.x86_64' "$1" && grep -qa '\.hexo\.bc\.aarch64' "$1" &&
		grep -qa '\.hexo\.opt' "$1"
}

# is_x86_object FILE: an x86-64 ELF relocatable object.
is_x86_object() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] &&
		[ "$(le_u16 "$1" 16)" = 1 ] && [ "$(le_u16 "$1" 18)" = 62 ]
}

if [ ! -x "$HEXOCC" ]; then
	fail "$HEXOCC not built: run make"
	finish
fi

# ---- test programs --------------------------------------------------------

cat >hello.c <<'EOF'
#include <stdio.h>
int main(void)
{
	printf("hello, world\n");
	return 0;
}
EOF
cat >main.c <<'EOF'
#include <stdio.h>
#include "sum.h"
int main(void)
{
	int s = sum(10);
	printf("sum=%d scale=%d\n", s, SCALE);
	return s == 55 * SCALE ? 0 : 1;
}
EOF
cat >sum.c <<'EOF'
#include "sum.h"
int sum(int n)
{
	int s = 0;
	for (int i = 1; i <= n; i++)
		s += i * SCALE;
	return s;
}
EOF
mkdir -p inc
cat >inc/sum.h <<'EOF'
#ifndef SCALE
#define SCALE 1
#endif
int sum(int n);
EOF
cat >math.c <<'EOF'
#include <math.h>
#include <stdio.h>
int main(void)
{
	volatile double x = 2.0;
	printf("%.6f %.6f %.6f\n", sqrt(x), sin(x), exp(x));
	return 0;
}
EOF
cat >status.c <<'EOF'
int main(void)
{
	return VALUE;
}
EOF
cat >bad.c <<'EOF'
int main(void)
{
	return not_declared_anywhere +;
}
EOF
cat >undef.c <<'EOF'
int missing_function(void);
int main(void)
{
	return missing_function();
}
EOF

# ---- driver basics ----------------------------------------------------------

hx --help
check "--help prints usage" eval 'ok && grep -q "^Usage: hexocc" out'
hx --version
check "--version names the image format" eval 'ok && grep -q "image format 1" out'
hx
check "no input files is an error" failed_with "hexocc: no input files"
hx nope.c
check "missing source: one clear line" err_is "hexocc: nope.c: No such file or directory"
hx hello.c nope.o
check "missing object: one clear line" err_is "hexocc: nope.o: No such file or directory"
hx -Ofast hello.c
check "-Ofast refused" failed_with "hexocc: -Ofast: refused"
hx -ffast-math hello.c
check "-ffast-math refused" failed_with "hexocc: -ffast-math: refused"
hx -ffp-contract=fast hello.c
check "-ffp-contract=fast refused" failed_with "hexocc: -ffp-contract=fast: refused"
hx -mavx2 hello.c
check "-m options refused" failed_with "hexocc: -mavx2: refused"
hx --frobnicate hello.c
check "unknown option refused" failed_with "hexocc: --frobnicate: unknown option"
hx notes.txt
check "unknown file type refused" failed_with "hexocc: notes.txt: unknown file type"
hx hello.c -o
check "-o without a value" failed_with "hexocc: -o: missing argument"
hx -c -o x.o hello.c sum.c
check "-c -o with two sources refused" failed_with "cannot name one output for several sources"
hx hello.c -o hello.c
check "output over an input refused" failed_with "would overwrite an input file"
check "no temporary folder left so far" no_temps

# ---- building -----------------------------------------------------------------

runtime=${HEXO_LIB_DIR:-$root/build/lib/hexo}/x86_64
if [ ! -f "$runtime/crt0.o" ] || [ ! -e "$runtime/newlib/lib/libc.a" ]; then
	fail "guest runtime missing in $runtime: run make"
fi

hx -O2 hello.c
check "hello world builds a.hexo" eval 'ok && is_image a.hexo'
hx -O2 -o hello.hexo hello.c
check "-o names the image" eval 'ok && is_image hello.hexo'
check "the image holds an aarch64 ELF too" has_aarch64 hello.hexo
cp hello.hexo hello2.hexo
hx -O2 -o hello.hexo hello.c
check "images are reproducible" cmp -s hello.hexo hello2.hexo

hx -c -Iinc -DSCALE=3 main.c sum.c
check "-c compiles each source to NAME.o" eval 'ok && is_x86_object main.o && is_x86_object sum.o'
hx -o multi.hexo main.o sum.o
check "-c objects carry the aarch64 object" eval 'carries_aarch64 main.o && carries_aarch64 sum.o'
check "objects link into an image" eval 'ok && is_image multi.hexo && has_aarch64 multi.hexo'
hx -c -Iinc -DSCALE=3 -o renamed.o "$work/src/sum.c"
check "-c -o names the object" eval 'ok && is_x86_object renamed.o'
hx -O1 -I inc -D SCALE=3 -o multi2.hexo main.c sum.c
check "several sources, separate -I/-D values" eval 'ok && is_image multi2.hexo'

mkdir -p libs
hx -c -Iinc -DSCALE=3 -o libs/sum.o sum.c
ar rcs libs/libsum.a libs/sum.o
hx -Iinc -DSCALE=3 -o withlib.hexo main.c -Llibs -lsum
check "-L/-l link a static library" eval 'ok && is_image withlib.hexo'
hx -Iinc -DSCALE=3 -o withlib.hexo main.c -lsum
check "-l not found: clear error" failed_with "hexocc: -lsum: libsum.a not found"
hx -o archive.hexo main.o libs/libsum.a
check "an archive given as a file links" eval 'ok && is_image archive.hexo && has_aarch64 archive.hexo'
cp sum.o plain.o
objcopy_ok=0
if command -v llvm-objcopy >/dev/null; then
	# as another compiler would make it: no aarch64 object, no bitcode
	llvm-objcopy --remove-section=.hexo.obj.aarch64 --remove-section=.hexo.bc.x86_64 \
		--remove-section=.hexo.bc.aarch64 --remove-section=.hexo.opt plain.o && objcopy_ok=1
fi
if [ $objcopy_ok -eq 1 ]; then
	hx -o plain.hexo main.o plain.o
	check "an object without aarch64 code is refused" \
		eval 'failed_with "hexocc: plain.o: holds no aarch64 code" && [ ! -e plain.hexo ]'
else
	skip "an object without aarch64 code is refused: no llvm-objcopy"
fi
hx -c -MD -Iinc -o dep.o sum.c
check "-c -MD: one dependency file naming the object" \
	eval 'ok && grep -q "^dep.o: sum.c" dep.d'

hx -O2 -o math.hexo math.c -lm
check "-lm program builds" eval 'ok && is_image math.hexo'
hx -O2 -o math-nolm.hexo math.c
check "libm is linked even without -lm" eval 'ok && is_image math-nolm.hexo'

hx -E -DSCALE=7 -Iinc main.c
check "-E preprocesses with -I/-D" eval 'ok && grep -q "55 \* 7" out && grep -q "int sum(int n);" out'
hx -E hello.c
check "-E finds newlib headers" eval 'ok && grep -q "printf" out'
hx -S -O2 sum.c -Iinc
check "-S writes NAME.s" eval 'ok && grep -q "sum:" sum.s'

hx -DVALUE=7 -o status7.hexo status.c
check "-D value builds" eval 'ok && is_image status7.hexo'
hx -UVALUE -DVALUE=9 -o status9.hexo status.c
check "-U then -D builds" ok

hx -o bad.hexo bad.c
check "failing compile: non-zero, clang's error shown" failed_with "error:"
check "failing compile: no image written" test ! -e bad.hexo
hx -o two.hexo bad.c hello.c
check "failing compile: other sources still compiled, no link" \
	eval '[ $rc -ne 0 ] && [ ! -e two.hexo ]'
hx -o undef.hexo undef.c
check "failing link: non-zero, lld's error shown" failed_with "undefined symbol: missing_function"
check "failing link: no image written" test ! -e undef.hexo

hx -v -o verbose.hexo hello.c
check "-v prints the clang and ld.lld commands" \
	eval 'ok && grep -q -- "--target=x86_64-unknown-none-elf" err && grep -q "ld.lld.* -T .*hexo.ld" err'
check "-v uses the Makefile's guest flags" grep -q -- "-ffp-contract=off .*-fsigned-char .*-mlong-double-128" err

hx -save-temps -o kept.hexo hello.c
check "-save-temps keeps the temporary folder" eval 'ok && grep -q "temporary files kept in" err'
rm -rf "${TMPDIR:?}"/*

HEXO_LIB_DIR=/nonexistent/lib/hexo hx hello.c
check "missing runtime: says to run make" \
	failed_with "hexocc: /nonexistent/lib/hexo/x86_64/"
check "missing runtime: message" grep -q "missing: run 'make' in the hexo tree" err
HEXO_CLANG=/nonexistent/clang hx hello.c
check "missing clang: clear error" failed_with "hexocc: /nonexistent/clang: not found"
HEXO_LLD=/nonexistent/ld.lld hx hello.c
check "missing ld.lld: clear error" failed_with "hexocc: /nonexistent/ld.lld: not found"

# ---- -c objects in the IR pipeline (docs/hexocc.md, "-c") ----------------------

mkdir -p mig
cat >mig/main.c <<'EOF'
#include <stdio.h>
#include <hexo/migrate.h>
int work(int n);
int asm_seven(void);
int main(void)
{
	long s = 0;
	for (int i = 0; i < 100; i++) {
		hexo_check_migrate();
		s += work(i);
	}
	printf("s=%ld seven=%d\n", s, asm_seven());
	return 0;
}
EOF
cat >mig/work.c <<'EOF'
static int helper(int x) { return x * 3; }
int work(int n) { return helper(n) + 1; }
EOF
cat >mig/seven.S <<'EOF'
	.globl asm_seven
	.section .text.asm_seven,"ax",@progbits
asm_seven:
#if defined(__x86_64__)
	movl $7, %eax
	ret
#elif defined(__aarch64__)
	mov w0, #7
	ret
#endif
EOF
cd mig || exit 1
hx -O2 -c main.c work.c seven.S
check "-c objects carry both ISAs' bitcode and the -O level" \
	eval 'ok && carries_bitcode main.o && carries_bitcode work.o && carries_aarch64 work.o'
check "an assembly object carries no bitcode" \
	eval 'carries_aarch64 seven.o && ! grep -qa "\.hexo\.bc\." seven.o'
# As make's built-in link rule does: no CFLAGS, so no -O, at the link.
hx -v -o objs.hexo main.o work.o seven.o
check "bitcode objects join the IR link in order, the assembly object stays native" \
	eval 'ok && is_image objs.hexo && has_aarch64 objs.hexo &&
	      grep -q "^# main.o: linked from its bitcode (-O2)" err &&
	      grep -q "^# work.o: linked from its bitcode" err && ! grep -q "seven.o: linked" err &&
	      grep -q "llvm-link .*/0-main.x86_64.bc .*/1-work.x86_64.bc$" err'
check "a link without -O uses the objects' -O level" grep -q "^# no -O given: -O2" err
hx -v -O1 -o o1.hexo main.o work.o seven.o
check "a link's own -O applies" eval 'ok && ! grep -q "no -O given" err'
hx -O2 -o srcs.hexo main.c work.c seven.S
mkdir -p again
hx -o again/srcs.hexo main.o work.o seven.o
check "objects then link = sources in one command (same image bytes)" \
	eval 'ok && cmp -s srcs.hexo again/srcs.hexo'
if command -v ld >/dev/null; then
	ld -static -e work -o work.elf work.o 2>ld.err
	check "-c objects still link with plain ld (x86-64), no .hexo sections in the output" \
		eval '[ -s work.elf ] && ! grep -qa "\.hexo\." work.elf || { sed "s/^/    /" ld.err; false; }'
	ld -r -o merged.o main.o work.o 2>/dev/null
	hx -o merged.hexo merged.o seven.o
	check "ld -r output of hexocc objects refused" \
		failed_with "merged.o: holds several hexocc objects merged into one (ld -r)"
	ld -r -o merged2.o work.o seven.o 2>/dev/null # one of them with bitcode
	hx -o merged2.hexo main.o merged2.o
	check "ld -r output of a bitcode and an assembly object refused" \
		failed_with "merged2.o: holds several hexocc objects merged into one (ld -r)"
else
	skip "plain ld on -c objects: no ld"
fi
ar rcs libwork.a work.o
check "ar and nm read -c objects" eval 'nm libwork.a 2>/dev/null | grep -q " T work"'
hx -o lib.hexo main.o seven.o -L. -lwork
check "an archive of bitcode objects links (natively)" \
	eval 'ok && is_image lib.hexo && has_aarch64 lib.hexo'
if [ $objcopy_ok -eq 1 ]; then
	cp work.o half.o
	llvm-objcopy --remove-section=.hexo.bc.aarch64 half.o
	hx -v -o half.hexo main.o half.o seven.o
	check "an object without every ISA's bitcode links natively" \
		eval 'ok && is_image half.hexo && ! grep -q "half.o: linked" err'
else
	skip "an object without every ISA's bitcode links natively: no llvm-objcopy"
fi
HEXOCC_PIPELINE=native hx -c -o native.o work.c
check "HEXOCC_PIPELINE=native -c: objects without bitcode" \
	eval 'ok && carries_aarch64 native.o && ! grep -qa "\.hexo\.bc\." native.o'
cd .. || exit 1

# SIGTERM while clang runs: hexocc dies of it and removes its folder.
cat >"$work/slowclang" <<'EOF'
#!/bin/sh
case "$1" in -print-resource-dir) exec clang "$@" ;; esac
exec sleep 5
EOF
chmod +x "$work/slowclang"
HEXO_CLANG=$work/slowclang "$HEXOCC" -o sig.hexo hello.c 2>/dev/null &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM: dies of the signal, no image" eval '[ $rc -eq 143 ] && [ ! -e sig.hexo ]'
check "no temporary folder left after all builds" no_temps

# ---- one address space: manifest, hexo check, hexo inspect (docs/layout.md) ----

# Real-world style: several files, static functions of one name in two
# files, const tables of function pointers, libm, -c then link.
cat >rw1.c <<'EOF'
#include <math.h>
#include <stdio.h>
static int helper(int x) { return x + 1; }
typedef int (*fn)(int);
extern const fn rw2_table[2];
const fn rw1_table[2] = {helper, 0};
const char *rw1_name = "rw1";
int main(void)
{
	volatile double d = 0.5;
	printf("%s %d %d %.6f\n", rw1_name, rw1_table[0](1), rw2_table[0](1), sin(d));
	return 0;
}
EOF
cat >rw2.c <<'EOF'
static int helper(int x) { return x * 10; }
typedef int (*fn)(int);
const fn rw2_table[2] = {helper, helper};
EOF
hx -O2 -c rw1.c rw2.c
hx -o rw.hexo rw1.o rw2.o -lm
check "real-world style program links (-c, static twins, fn tables, -lm)" eval 'ok && is_image rw.hexo'
check "images carry a manifest entry (third, kind 2)" \
	eval '[ "$(od -An -t u4 -j 12 -N 4 hello.hexo | tr -d " ")" = 3 ] &&
	      [ "$(od -An -t u4 -j 128 -N 8 hello.hexo | tr -s " ")" = " 2 0" ]'

# hc ARGS...: runs hexo; stdout in hout, stderr in herr, status in hrc.
hc() {
	"$HEXO" "$@" >hout 2>herr
	hrc=$?
}
if [ ! -x "$HEXO" ]; then
	skip "hexo check/inspect: $HEXO not built"
else
	for img in hello multi withlib rw math; do
		hc check "$img.hexo"
		check "hexo check passes on $img.hexo" \
			eval '[ $hrc -eq 0 ] && grep -q "ok: .* shared symbols at the same address" hout ||
			      { sed "s/^/    /" herr; false; }'
	done
	# Every guest test program (tests/guest/*/: main.c, [sources], [cflags],
	# built as tests/run-guest-tests.sh does) passes hexo check.
	for dir in "$root"/tests/guest/*/; do
		name=$(basename "$dir")
		[ -f "$dir/main.c" ] || continue
		srcs=("$dir/main.c")
		if [ -f "$dir/sources" ]; then
			while read -r f; do [ -n "$f" ] && srcs+=("$dir/$f"); done <"$dir/sources"
		fi
		flags=()
		[ -f "$dir/cflags" ] && read -r -a flags <"$dir/cflags"
		(cd "$root" && "$HEXOCC" -O2 "${flags[@]}" -o "$work/src/guest-$name.hexo" \
			"${srcs[@]}" -lm) >/dev/null 2>&1
		hc check "guest-$name.hexo"
		check "hexo check passes on tests/guest/$name" \
			eval '[ $hrc -eq 0 ] || { sed "s/^/    /" herr; false; }'
	done
	# static twins in an archive made of hexocc -c objects (-l)
	mkdir -p twlib
	printf 'static int twin(int x) { return x + 100; }\nint (*tw_a_ptr)(int) = twin;\nint tw_a(int x) { return twin(x); }\n' >twlib/a.c
	printf 'static int twin(int x) { return x * 3; }\nint (*tw_b_ptr)(int) = twin;\nint tw_b(int x) { return twin(x); }\n' >twlib/b.c
	printf '#include <stdio.h>\nint tw_a(int), tw_b(int);\nextern int (*tw_a_ptr)(int), (*tw_b_ptr)(int);\nint main(void) { printf("%%d %%d %%d\\n", tw_a(1), tw_b(2), tw_a_ptr(3) + tw_b_ptr(4)); return 0; }\n' >tw.c
	(cd twlib && "$HEXOCC" -O2 -c a.c b.c && ar rcs libtw.a a.o b.o) >/dev/null 2>&1
	"$HEXOCC" -O2 -o tw.hexo tw.c -Ltwlib -ltw >/dev/null 2>&1
	hc check tw.hexo
	check "hexo check passes with static twins in an -l archive" \
		eval '[ $hrc -eq 0 ] || { sed "s/^/    /" herr; false; }'
	hc inspect rw.hexo
	check "hexo inspect: ISAs, ranges, manifest" \
		eval '[ $hrc -eq 0 ] && grep -q "^x86_64:" hout && grep -q "^aarch64:" hout &&
		      grep -q "layout common" hout && grep -q "shadow stack" hout &&
		      grep -q "^  text  *0x1000000-" hout'
	hc inspect --json rw.hexo
	check "hexo inspect --json: the manifest, both ELFs, no mismatch" \
		eval '[ $hrc -eq 0 ] && grep -q "\"layout\": \"common\"" hout &&
		      grep -q "\"heap_start\": [1-9]" hout && grep -q "\"mismatched\": 0" hout &&
		      [ "$(grep -c "\"elf_bytes\"" hout)" -eq 2 ]'
	# Linked without the common layout: the ISAs disagree.
	HEXOCC_LAYOUT=separate "$HEXOCC" -O2 -o separate.hexo rw1.c rw2.c -lm 2>/dev/null
	hc check separate.hexo
	check "hexo check fails naming the first symbol on a separately laid out image" \
		eval '[ $hrc -eq 1 ] &&
		      grep -q "symbol .* is at 0x[0-9a-f]* on x86_64 but at 0x[0-9a-f]* on aarch64" herr'
	hc inspect separate.hexo
	check "hexo inspect reports the mismatch, status 0" \
		eval '[ $hrc -eq 0 ] && grep -q "layout separate" hout && grep -q "first mismatch: symbol" hout'
	# Damaged, truncated, foreign and unknown-version images: 125, one line.
	cp hello.hexo flip.hexo
	printf '\x55' | dd of=flip.hexo bs=1 seek=5000 conv=notrunc 2>/dev/null
	head -c 3000 hello.hexo >trunc.hexo
	echo "not an image" >foreign.hexo
	cp hello.hexo version.hexo
	printf '\x07' | dd of=version.hexo bs=1 seek=8 conv=notrunc 2>/dev/null
	for cmd in check inspect; do
		for bad in flip:checksum trunc:truncated foreign:"not a hexo image" version:version; do
			hc $cmd "${bad%%:*}.hexo"
			check "hexo $cmd refuses ${bad%%:*}.hexo (125, one line)" \
				eval '[ $hrc -eq 125 ] && [ "$(wc -l <herr)" -eq 1 ] && grep -q "${bad#*:}" herr'
		done
	done
	hc check
	check "hexo check without IMAGE: 125" eval '[ $hrc -eq 125 ]'
	# -c then link (make's way): the program is instrumented and laid out
	# as one built from sources.
	hc inspect --json mig/objs.hexo
	check "-c then link: migration instrumented (manifest instrumented_functions > 0)" \
		eval '[ $hrc -eq 0 ] && grep -q "\"instrumented_functions\": [1-9]" hout ||
		      { sed "s/^/    /" herr; false; }'
	for img in objs lib half; do
		[ -f "mig/$img.hexo" ] || continue
		hc check "mig/$img.hexo"
		check "hexo check passes on mig/$img.hexo" \
			eval '[ $hrc -eq 0 ] || { sed "s/^/    /" herr; false; }'
	done
fi

# ---- running the images ---------------------------------------------------------

# run_image IMAGE: runs it; stdout in rout, status in rrc.
run_image() {
	"$HEXO" run "$1" >rout 2>rerr
	rrc=$?
}

if [ ! -x "$HEXO" ]; then
	skip "running images: $HEXO not built"
elif ! kvm_usable; then
	skip "running images: /dev/kvm is not usable"
else
	run_image hello.hexo
	check "hello.hexo prints hello, world" eval '[ $rrc -eq 0 ] && [ "$(cat rout)" = "hello, world" ]'
	run_image multi.hexo
	check "multi-file image runs (-c then link)" \
		eval '[ $rrc -eq 0 ] && [ "$(cat rout)" = "sum=165 scale=3" ]'
	run_image withlib.hexo
	check "image linked with -l runs" eval '[ $rrc -eq 0 ]'
	run_image status7.hexo
	check "-DVALUE=7 image exits 7" eval '[ $rrc -eq 7 ]'
	run_image status9.hexo
	check "-DVALUE=9 image exits 9" eval '[ $rrc -eq 9 ]'
	run_image tw.hexo
	check "static twins from an -l archive run" \
		eval '[ $rrc -eq 0 ] && [ "$(cat rout)" = "101 6 115" ]'
	run_image rw.hexo
	check "real-world style image runs" \
		eval '[ $rrc -eq 0 ] && [ "$(cat rout)" = "rw1 2 10 0.479426" ]'
	run_image math.hexo
	check "-lm image prints the libm results" \
		eval '[ $rrc -eq 0 ] && [ "$(cat rout)" = "1.414214 0.909297 7.389056" ]'
	for img in objs o1 lib half; do
		[ -f "mig/$img.hexo" ] || continue
		run_image "mig/$img.hexo"
		check "mig/$img.hexo (bitcode and assembly objects) runs" \
			eval '[ $rrc -eq 0 ] && [ "$(cat rout)" = "s=14950 seven=7" ]'
	done
fi

finish
