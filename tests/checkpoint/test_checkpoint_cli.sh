#!/usr/bin/env bash
# Checkpoints end to end through the command line: hexo run --migrate-after /
# SIGUSR1 / --checkpoint-every, hexo resume, inspect and check, and every way
# `hexo resume` must refuse (exit 125, one line on stderr, nothing on stdout,
# the job's files untouched). One PASS/FAIL line per case, then
# "N passed, N failed, N skipped".
# Environment: HEXO, HEXOCC, TEST_OUT (build/tests/checkpoint).
set -uo pipefail
RESULT_PREFIX=checkpoint/
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
T=${TEST_OUT:-$root/build/tests/checkpoint}

if ! kvm_usable; then
	skip "all (no usable /dev/kvm)"
	finish
fi
rm -rf "$T"
mkdir -p "$T"
cd "$T" || exit 1
if ! "$HEXOCC" -O2 -o prog.hexo "$root/tests/checkpoint/prog.c" >build.log 2>&1 ||
	! "$HEXOCC" -O2 -o other.hexo -DOTHER "$root/tests/checkpoint/prog.c" >>build.log 2>&1; then
	fail "build (see $T/build.log)"
	finish
fi

# The reference: an unmigrated run.
mkdir ref && (cd ref && "$HEXO" run ../prog.hexo 20 >../ref.out 2>../ref.err)
ref_status=$?

# expect_same NAME DIR OUT STATUS: output, log and status equal the reference
expect_same() {
	local why=
	[[ $4 == "$ref_status" ]] || why+=" status $4, expected $ref_status;"
	cmp -s "$3" ref.out || why+=" stdout differs;"
	cmp -s "$2/log.txt" ref/log.txt || why+=" log.txt differs;"
	if [[ -z $why ]]; then pass "$1"; else fail "$1:$why (see $T)"; fi
}

# stop_and_resume NAME: one stop at the first point, then a resume
mkdir j1
(cd j1 && "$HEXO" run --checkpoint ../j1.ckpt --migrate-after 0 ../prog.hexo 20 >../j1.out 2>../j1.err)
st=$?
if [[ $st -ne 0 || ! -s j1.ckpt || -s j1.err ]]; then
	fail "migrate-after 0 (status $st, stderr: $(head -c 200 j1.err))"
	finish
fi
pass "migrate-after 0 stops with status 0, quietly"
cp j1.ckpt good.ckpt
(cd j1 && "$HEXO" resume ../j1.ckpt >>../j1.out 2>>../j1.err)
expect_same "resume continues to the same end" j1 j1.out $?

# Three hops: each resume stops again at its first point.
mkdir j2
(cd j2 && "$HEXO" run --checkpoint ../j2.ckpt --migrate-after 0 ../prog.hexo 20 >../j2.out)
for _ in 1 2 3; do (cd j2 && "$HEXO" resume --migrate-after 0 ../j2.ckpt >>../j2.out); done
(cd j2 && "$HEXO" resume ../j2.ckpt >>../j2.out)
expect_same "four hops" j2 j2.out $?
if "$HEXO" inspect j2.ckpt | grep -q "after 3 restore"; then pass "restore count"; else fail "restore count"; fi

# SIGUSR1 while running (20 steps of 50 ms).
mkdir j3
(cd j3 && exec "$HEXO" run --checkpoint ../j3.ckpt ../prog.hexo 20 50 >../j3.out 2>../j3.err) &
pid=$!
sleep 0.4
kill -USR1 $pid
wait $pid
st=$?
if [[ $st -eq 0 && -s j3.ckpt ]]; then
	(cd j3 && "$HEXO" resume ../j3.ckpt >>../j3.out)
	expect_same "SIGUSR1 stops, resume continues" j3 j3.out $?
else
	fail "SIGUSR1 (status $st, $(head -c 200 j3.err))"
fi

# Periodic checkpoints leave the run unchanged; the last one resumes.
mkdir j4
(cd j4 && "$HEXO" run --stats --checkpoint ../j4.ckpt --checkpoint-every 0.05 ../prog.hexo 20 20 \
	>../j4.out 2>../j4.err)
st=$?
n=$(awk '/checkpoints written/ { print $NF }' j4.err)
if [[ $st -eq $ref_status ]] && cmp -s j4.out ref.out && [[ ${n:-0} -ge 2 ]] && "$HEXO" check j4.ckpt >/dev/null; then
	pass "checkpoint-every ($n checkpoints, output unchanged)"
else
	fail "checkpoint-every (status $st, ${n:-0} checkpoints)"
fi

# --stats: the unwind, the write and the rewind of the last checkpoint.
# stat_pos FILE LABEL UNIT: the row is there and its value is above 0
stat_pos() {
	sed -n "s/^ *$2 *\([0-9.]*\) $3\$/\1/p" "$1" | awk 'NR == 1 && $1 > 0 { ok = 1 } END { exit !ok }'
}
if stat_pos j4.err "unwind (last): point to root" us && stat_pos j4.err "rewind (last): root to point" us &&
	stat_pos j4.err "  last: request to checkpoint on disk" ms; then
	pass "checkpoint-every --stats: unwind, rewind, request to disk"
else
	fail "checkpoint-every --stats: no unwind/rewind/request rows above 0 (see $T/j4.err)"
fi
mkdir j6
(cd j6 && "$HEXO" run --stats --checkpoint ../j6.ckpt --migrate-after 0 ../prog.hexo 20 >../j6.out 2>../j6.err)
st=$?
(cd j6 && "$HEXO" resume --stats ../j6.ckpt >>../j6.out 2>../j6r.err)
st2=$?
if [[ $st -eq 0 ]] && stat_pos j6.err "unwind (last): point to root" us &&
	! grep -q "rewind (last)" j6.err && stat_pos j6r.err "rewind (last): root to point" us &&
	! grep -q "unwind (last)" j6r.err; then
	expect_same "stop --stats: unwind; resume --stats: rewind" j6 j6.out $st2
else
	fail "stop/resume --stats: unwind or rewind row missing or 0 (see $T/j6.err, j6r.err)"
fi

# A checkpoint that cannot be written: a warning, the job goes on.
mkdir j5
(cd j5 && "$HEXO" run --checkpoint /nonexistent/dir/x.ckpt --migrate-after 0 ../prog.hexo 20 \
	>../j5.out 2>../j5.err)
st=$?
if [[ $(wc -l <j5.err) -eq 1 ]] && grep -q "warning: no checkpoint written" j5.err &&
	[[ $st -eq $ref_status ]] && cmp -s j5.out ref.out; then
	pass "failed write: one warning, the job goes on"
else
	fail "failed write (status $st: $(cat j5.err))"
fi

# inspect, check
if "$HEXO" inspect good.ckpt | grep -q "^checkpoint: good.ckpt" &&
	"$HEXO" inspect --json good.ckpt | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and d["kind"] == "checkpoint"' &&
	"$HEXO" check good.ckpt | grep -q "checkpoint OK"; then
	pass "inspect and check"
else
	fail "inspect and check"
fi

# refuse NAME CKPT WANT [hexo resume options]: 125, one line naming WANT, no output,
# the job directory untouched
refuse() {
	local name=$1 ck=$2 want=$3 st
	shift 3
	rm -rf jr && cp -a j1 jr && cp jr/log.txt jr.before
	(cd jr && "$HEXO" resume "$@" "../$ck" >../r.out 2>../r.err)
	st=$?
	if [[ $st -eq 125 && ! -s r.out && $(wc -l <r.err) -eq 1 ]] && grep -q -- "$want" r.err &&
		cmp -s jr/log.txt jr.before; then
		pass "refused: $name"
	else
		fail "refused: $name (status $st, stderr: $(head -c 300 r.err))"
	fi
}
size=$(stat -c %s good.ckpt)
for len in 0 7 100 320 4096 $((size / 2)) $((size - 1)); do
	head -c $len good.ckpt >t.ckpt
	if [[ $len -eq 0 ]]; then w="empty file"; else w="truncated checkpoint"; fi
	refuse "truncated to $len bytes" t.ckpt "$w"
done
flip() { # flip FILE OFFSET
	printf "$(printf '\\x%02x' $(($(od -An -tu1 -j "$2" -N1 "$1") ^ 0x40)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp good.ckpt t.ckpt && flip t.ckpt 40
refuse "header bit flip" t.ckpt "header checksum mismatch"
cp good.ckpt t.ckpt && flip t.ckpt 330
refuse "section table bit flip" t.ckpt "table checksum mismatch"
last=$((size - 10))
cp good.ckpt t.ckpt && flip t.ckpt $last
refuse "data bit flip" t.ckpt "section [0-9]* (.*checksum mismatch"
cp good.ckpt t.ckpt && flip t.ckpt 8
refuse "unknown version" t.ckpt "format version 65 is not supported"
refuse "not a checkpoint" prog.hexo "not a hexo checkpoint"
refuse "another image" good.ckpt "taken from another image" --image "$T/other.hexo"
mv prog.hexo prog.moved
refuse "image missing" good.ckpt "give it with --image"
mv prog.moved prog.hexo
mkdir empty
refuse "a job file missing" good.ckpt "cannot reopen the job's file 'log.txt'" --dir "$T/empty"

finish
