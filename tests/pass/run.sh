#!/usr/bin/env bash
# Tests of hexo-instrument, the migration instrumentation (toolchain/pass,
# docs/migration.md). Builds nothing: needs build/bin/hexo-instrument
# (make test-build), clang, llvm-dis and FileCheck (llvm-14-tools).
#
#   tests/pass/run.sh [NAME...]     (names: leaf_loop_point, host/recurse, verify/equal, ...)
#
# Three kinds of cases:
#   tests/pass/<case>.ll, <case>.c   FileCheck cases. A .c case is compiled
#       for x86_64 (checked) and for aarch64; when both succeed, their
#       layout files must be equal: "<case> (x86_64 = aarch64)".
#       Directives (after ';' or '//'):
#         ARGS: ...          hexo-instrument options (default: -v)
#         EXIT: N            expected status (default 0)
#         AARCH64-EXIT: N    expected status for aarch64 (default: EXIT)
#         CHECK...:          FileCheck on the instrumented IR (llvm-dis)
#         LAYOUT...:         FileCheck on the layout file
#         STDERR...:         FileCheck on hexo-instrument's stderr
#   tests/pass/verify/<case>.{x86_64,aarch64,expected}: hexo-instrument
#       -verify; .expected is its exact stderr (empty: the layouts are equal).
#   tests/pass/host/<prog>.c: the program is compiled for this Linux host,
#       instrumented, linked with host/hostrt.c (a test runtime that
#       unwinds at every Nth point, wipes the machine and shadow stacks
#       but the records, and rewinds) and run with N = 0, 1, 3, 17; its
#       output and status must be those of the uninstrumented program.
#       "// HOST-MODES: manual auto" lists the -points modes (default both).
#       Compiled for both guest ISAs too (newlib's headers from
#       build/lib/hexo), the layouts must be equal.
#
# Prints "PASS: <case>" / "FAIL: <case>: <why>" / "SKIP: <case>: <reason>"
# per case and ends with "N passed, N failed, N skipped"; exits 1 when
# something failed.
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
here=$root/tests/pass
TOOL=${HEXO_INSTRUMENT:-$root/build/bin/hexo-instrument}
CLANG=${CLANG:-clang}

find_tool() { # find_tool NAME: NAME from LLVM 14, else on PATH
	local t
	for t in "/usr/lib/llvm-14/bin/$1" "$1-14" "$1"; do
		if command -v "$t" >/dev/null 2>&1; then
			command -v "$t"
			return 0
		fi
	done
	return 1
}
FILECHECK=${FILECHECK:-$(find_tool FileCheck)}
LLVM_DIS=${LLVM_DIS:-$(find_tool llvm-dis)}

make_tmp work hexo-pass || exit 1

# The flags hexocc gives every guest compile (Makefile's GUEST_*), to IR.
# GUEST_INCLUDE: more -isystem folders (newlib's headers for host/*.c).
guest_ir() { # guest_ir ISA SRC OUT
	local isa_flags=-mlong-double-128 inc=()
	[ "$1" = aarch64 ] && isa_flags=-mno-outline-atomics
	[ -n "${GUEST_INCLUDE:-}" ] && inc=(-isystem "${GUEST_INCLUDE/ISA/$1}")
	"$CLANG" --target="$1-unknown-none-elf" -nostdinc -isystem "$root/include" "${inc[@]}" \
		-isystem "$("$CLANG" -print-resource-dir)/include" \
		-ffunction-sections -fdata-sections -ffp-contract=off -fno-pic -fno-pie \
		-fno-stack-protector -fsigned-char $isa_flags -D__hexo__ \
		-O2 -emit-llvm -Xclang -disable-llvm-passes -c "$2" -o "$3"
}

directive() { # directive FILE NAME: the value of "NAME:" (first one)
	sed -n -E "s@^[[:space:]]*(;|//)[[:space:]]*$2:[[:space:]]*(.*)\$@\2@p" "$1" | head -n 1
}

has_prefix() { grep -qE "(;|//)[[:space:]]*$2(-[A-Z]+)?:" "$1"; }

# filecheck CASEFILE PREFIX INPUT: "" when it matches, else the first lines of FileCheck's report.
filecheck() {
	has_prefix "$1" "$2" || return 0
	"$FILECHECK" --allow-empty --check-prefix="$2" "$1" --input-file="$3" >"$work/fc.log" 2>&1 && return 0
	head -n 12 "$work/fc.log" | sed 's/^/    /'
	return 1
}

# ------------------------------------------------------------ FileCheck --
run_case() { # run_case FILE
	local f=$1 name base args want want_a st st_a d=$work/case
	base=$(basename "$f")
	name=${base%.*}
	rm -rf "$d" && mkdir -p "$d"
	if [ -z "$FILECHECK" ] || [ -z "$LLVM_DIS" ]; then
		skip "$name" "FileCheck or llvm-dis not found: install llvm-14-tools"
		return
	fi
	args=$(directive "$f" ARGS)
	[ -n "$args" ] || args=-v
	want=$(directive "$f" EXIT)
	want=${want:-0}
	want_a=$(directive "$f" AARCH64-EXIT)
	want_a=${want_a:-$want}

	if [[ $f == *.c ]]; then
		if ! guest_ir x86_64 "$f" "$d/in.bc" 2>"$d/cc.err"; then
			fail "$name" "clang failed: $(head -n 3 "$d/cc.err")"
			return
		fi
	else
		cp "$f" "$d/in.ll"
	fi
	local in=$d/in.bc
	[[ $f == *.c ]] || in=$d/in.ll
	# shellcheck disable=SC2086
	"$TOOL" $args -isa=x86_64 -layout="$d/x86_64.layout" "$in" "$d/out.bc" 2>"$d/stderr"
	st=$?
	if [ "$st" -ne "$want" ]; then
		fail "$name" "exit status $st, expected $want: $(head -n 3 "$d/stderr")"
		return
	fi
	if [ "$st" -eq 0 ]; then
		"$LLVM_DIS" "$d/out.bc" -o "$d/out.ll" || { fail "$name" "llvm-dis failed"; return; }
		filecheck "$f" CHECK "$d/out.ll" || { fail "$name" "CHECK lines do not match the IR"; return; }
		filecheck "$f" LAYOUT "$d/x86_64.layout" || { fail "$name" "LAYOUT lines do not match"; return; }
	fi
	filecheck "$f" STDERR "$d/stderr" || { fail "$name" "STDERR lines do not match"; return; }
	pass "$name"

	[[ $f == *.c ]] || return
	name="$name (x86_64 = aarch64)"
	if ! guest_ir aarch64 "$f" "$d/in.a.bc" 2>"$d/cc.err"; then
		fail "$name" "clang failed for aarch64: $(head -n 3 "$d/cc.err")"
		return
	fi
	# shellcheck disable=SC2086
	"$TOOL" $args -isa=aarch64 -layout="$d/aarch64.layout" "$d/in.a.bc" "$d/out.a.bc" 2>"$d/stderr.a"
	st_a=$?
	if [ "$st_a" -ne "$want_a" ]; then
		fail "$name" "aarch64 exit status $st_a, expected $want_a: $(head -n 3 "$d/stderr.a")"
	elif [ "$st" -ne 0 ] || [ "$st_a" -ne 0 ]; then
		pass "$name"
	elif "$TOOL" -verify "$d/x86_64.layout" "$d/aarch64.layout" -names=x86_64,aarch64 \
		2>"$d/verify.err"; then
		pass "$name"
	else
		fail "$name" "$(head -n 1 "$d/verify.err")"
	fi
}

# --------------------------------------------------------------- verify --
run_verify() { # run_verify BASE (verify/NAME without extension)
	local b=$1 name st want
	name=verify/$(basename "$b")
	"$TOOL" -verify "$b.x86_64" "$b.aarch64" -names=x86_64,aarch64 >"$work/v.out" 2>"$work/v.err"
	st=$?
	want=1
	[ -s "$b.expected" ] || want=0
	if [ "$st" -ne "$want" ]; then
		fail "$name" "exit status $st, expected $want: $(head -n 1 "$work/v.err")"
	elif ! cmp -s "$work/v.err" "$b.expected"; then
		fail "$name" "message differs: $(head -n 1 "$work/v.err")"
	else
		pass "$name"
	fi
}

# ----------------------------------------------------------------- host --
host_built=
host_runtime() { # builds the host runtime objects once
	[ -n "$host_built" ] && return "$host_built"
	host_built=0
	"$CLANG" -O2 -c "$here/host/hostrt.c" -o "$work/hostrt.o" 2>"$work/hostrt.err" &&
		"$CLANG" -O2 -DHEXO_HOST_PLAIN -c "$here/host/hostrt.c" -o "$work/hostrt-plain.o" \
			2>>"$work/hostrt.err" || host_built=1
	return "$host_built"
}

run_host() { # run_host PROG.c MODE
	local f=$1 mode=$2 prog name d every st st0 m
	prog=$(basename "$f" .c)
	name="host/$prog ($mode)"
	d=$work/host-$prog-$mode
	mkdir -p "$d"
	if ! host_runtime; then
		fail "$name" "host runtime does not build: $(head -n 2 "$work/hostrt.err")"
		return
	fi
	local cflags=(-I"$root/include" -Dmain=hexo_prog_main -O2)
	if ! "$CLANG" "${cflags[@]}" -c "$f" -o "$d/plain.o" 2>"$d/err" ||
		! "$CLANG" "$d/plain.o" "$work/hostrt-plain.o" -lm -o "$d/plain" 2>"$d/err" ||
		! "$CLANG" "${cflags[@]}" -emit-llvm \
			-Xclang -disable-llvm-passes -c "$f" -o "$d/in.bc" 2>"$d/err"; then
		fail "$name" "does not compile: $(head -n 2 "$d/err")"
		return
	fi
	if ! "$TOOL" -points="$mode" -request-flag-symbol=hexo_host_request "$d/in.bc" \
		"$d/inst.bc" 2>"$d/err"; then
		fail "$name" "hexo-instrument failed: $(head -n 2 "$d/err")"
		return
	fi
	if ! "$CLANG" -O2 "$d/inst.bc" "$work/hostrt.o" -lm -o "$d/inst" 2>"$d/err"; then
		fail "$name" "the instrumented program does not compile: $(head -n 2 "$d/err")"
		return
	fi
	"$d/plain" >"$d/expected" 2>/dev/null
	st0=$?
	for every in 0 1 3 17; do
		HEXO_HOST_EVERY=$every timeout 60 "$d/inst" >"$d/out" 2>"$d/err"
		st=$?
		if [ "$st" -ne "$st0" ]; then
			fail "$name" "migrating every $every points: exit status $st, expected $st0: $(grep -v '^hexo-host: [0-9]' "$d/err" | head -n 2)"
			return
		fi
		if ! cmp -s "$d/expected" "$d/out"; then
			fail "$name" "migrating every $every points: output differs: $(diff "$d/expected" "$d/out" | sed -n 2p)"
			return
		fi
		m=$(sed -n -E 's/^hexo-host: ([0-9]+) migrations.*/\1/p' "$d/err")
		if [ "$every" -gt 0 ] && [ "${m:-0}" -eq 0 ]; then
			fail "$name" "migrating every $every points: no migration happened"
			return
		fi
	done
	pass "$name"
	host_isas "$f" "$mode"
}

# The same program for both guest ISAs (with newlib's headers from the
# guest runtime build): equal layouts.
host_isas() { # host_isas PROG.c MODE
	local f=$1 mode=$2 name d isa
	name="host/$(basename "$f" .c) (x86_64 = aarch64, $mode)"
	d=$work/isa-$(basename "$f" .c)-$mode
	mkdir -p "$d"
	for isa in x86_64 aarch64; do
		if [ ! -d "$root/build/lib/hexo/$isa/newlib/include" ]; then
			skip "$name" "no newlib headers in build/lib/hexo/$isa: make guest-runtime"
			return
		fi
		if ! GUEST_INCLUDE="$root/build/lib/hexo/ISA/newlib/include" \
			guest_ir "$isa" "$f" "$d/$isa.bc" 2>"$d/err" ||
			! "$TOOL" -points="$mode" -layout="$d/$isa.layout" "$d/$isa.bc" "$d/$isa.out.bc" \
				2>"$d/err"; then
			fail "$name" "$isa: $(head -n 2 "$d/err")"
			return
		fi
	done
	if "$TOOL" -verify "$d/x86_64.layout" "$d/aarch64.layout" -names=x86_64,aarch64 2>"$d/err"; then
		pass "$name"
	else
		fail "$name" "$(head -n 1 "$d/err")"
	fi
}

# ----------------------------------------------------------------- main --
if [ ! -x "$TOOL" ]; then
	fail "hexo-instrument" "$TOOL not built: make test-build"
	finish
fi

selected=("$@")
sel() { # sel NAME: selected on the command line (every case by default)
	local a
	[ ${#selected[@]} -eq 0 ] && return 0
	for a in "${selected[@]}"; do [ "$a" = "$1" ] && return 0; done
	return 1
}

for f in "$here"/*.ll "$here"/*.c; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	sel "${n%.*}" && run_case "$f"
done
for e in "$here"/verify/*.x86_64; do
	[ -e "$e" ] || continue
	b=${e%.x86_64}
	sel "verify/$(basename "$b")" && run_verify "$b"
done
for f in "$here"/host/*.c; do
	[ "$(basename "$f")" = hostrt.c ] && continue
	sel "host/$(basename "$f" .c)" || continue
	modes=$(directive "$f" HOST-MODES)
	for mode in ${modes:-manual auto}; do
		run_host "$f" "$mode"
	done
done

finish
