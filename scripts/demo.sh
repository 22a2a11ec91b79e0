#!/usr/bin/env bash
# `make demo`: build a C program once with hexocc (one image, x86-64 and
# aarch64), start it under hexo's KVM monitor here, stop it at a migration
# point, resume it on an emulated ARM64 board, bring it back and let it
# finish here; then check that it computed exactly what a run that never
# moved computes. Without a usable /dev/kvm here, every run happens on the
# board (its KVM is inside QEMU) and the job still moves through a
# checkpoint that comes home. Then the scheduler daemon runs a small
# queue and moves a job to the board and back on its own.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bin
work=$(mktemp -d /tmp/hexo-demo.XXXXXX)
board=demo$$
board_up=0

cleanup() {
	if [[ $board_up -eq 1 ]]; then
		"$bin/hexo" board down --name "$board" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

mkdir -p "$work/here" "$work/job"
cp "$top/examples/pi.c" "$work/"
step "hexocc -O2 -o pi.hexo pi.c -lm        (one image, both ISAs)"
"$bin/hexocc" -O2 -o "$work/pi.hexo" "$work/pi.c" -lm
ls -l "$work/pi.hexo"

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	here=x86-64
else
	# No KVM on this machine (a VM without nested virtualization, say): the
	# job runs only on the emulated board, whose KVM is inside QEMU. It
	# still stops there, comes home as a checkpoint and resumes from it.
	here=
	echo "demo: /dev/kvm is not usable here: every run below happens on the board" >&2
fi

step "hexo board up --name $board          (emulated ARM64 board: QEMU + KVM inside)"
"$bin/hexo" board up --name "$board"
board_up=1

if [[ $here ]]; then
	args=(1000000000 20)   # terms, blocks: a migration point after each block
	step "hexo run --migrate-after 0.5 --checkpoint pi.ckpt pi.hexo ${args[*]}   (x86-64, this machine)"
	"$bin/hexo" run --dir "$work/job" --migrate-after 0.5 --checkpoint "$work/pi.ckpt" \
		"$work/pi.hexo" "${args[@]}"
else
	args=(200000000 20)    # the board's guests run about 10x slower
	step "hexo run --on $board --migrate-after 1 --checkpoint pi.ckpt pi.hexo ${args[*]}   (aarch64, the board)"
	"$bin/hexo" run --on "$board" --dir "$work/job" --migrate-after 1 \
		--checkpoint "$work/pi.ckpt" "$work/pi.hexo" "${args[@]}"
fi
"$bin/hexo" inspect "$work/pi.ckpt" | sed -n '1,12p'

if [[ $here ]]; then
	step "hexo resume --on $board --migrate-after 3 --checkpoint back.ckpt pi.ckpt   (aarch64, on the board)"
	"$bin/hexo" resume --on "$board" --dir "$work/job" --migrate-after 3 \
		--checkpoint "$work/back.ckpt" "$work/pi.ckpt"
	step "hexo resume back.ckpt                 (x86-64 again, to the end)"
	"$bin/hexo" resume --stats --dir "$work/job" "$work/back.ckpt"
	step "the same program, never moved"
	"$bin/hexo" run --dir "$work/here" "$work/pi.hexo" "${args[@]}" | tail -1
	path="x86-64 -> aarch64 -> x86-64"
else
	step "hexo resume --on $board pi.ckpt       (the checkpoint this machine holds, back on the board, to the end)"
	"$bin/hexo" resume --on "$board" --dir "$work/job" "$work/pi.ckpt"
	step "the same program, never moved"
	"$bin/hexo" run --on "$board" --dir "$work/here" "$work/pi.hexo" "${args[@]}" | tail -1
	path="stopped, checkpoint home, resumed"
fi

step "results written by the job in its directory: migrated and never moved"
printf '%-34s %s\n' "$path:" "$(cat "$work/job/pi.txt")"
printf '%-34s %s\n' "never moved:" "$(cat "$work/here/pi.txt")"
if cmp -s "$work/job/pi.txt" "$work/here/pi.txt"; then
	echo "identical, bit for bit"
else
	echo "demo: the two results differ" >&2
	exit 1
fi

# Part two: the scheduler decides. A queue of three jobs on a server with
# one core and the board as its node: the second job makes the daemon
# offload the first to the board at a migration point; once the queue is
# empty it brings it back. Without KVM here, a second board is the server.
sched_board=
if [[ $here ]]; then
	server=local
	sched_args=(--cores 1 --node "$board")
else
	sched_board=demos$$
	server=$sched_board
	step "hexo board up --name $sched_board        (a second board, the server: no KVM here)"
	"$bin/hexo" board up --name "$sched_board"
	sched_args=(--cores 0 --server "$sched_board" --node "$board")
fi
export HEXO_SCHED=$work/sched.sock
step "hexo sched ${sched_args[*]} --idle 3 &   (the scheduler daemon; its log below)"
"$bin/hexo" sched "${sched_args[@]}" --idle 3 --state "$work/sched" >"$work/sched.log" 2>&1 &
sched_pid=$!
stop_sched() {
	kill "$sched_pid" 2>/dev/null && wait "$sched_pid" 2>/dev/null
	[[ -z $sched_board ]] || "$bin/hexo" board down --name "$sched_board" >/dev/null 2>&1 || true
}
trap 'stop_sched; cleanup' EXIT
for _ in $(seq 100); do
	"$bin/hexo" sched status 2>/dev/null | grep -q "^$board .* yes " && break
	sleep 0.2
done
"$bin/hexo" sched status
small=("$((args[0] / 4))" 5)
step "hexo submit: job 1 pi ${args[*]}, then jobs 2 and 3: pi ${small[*]}"
for d in q1 q2 q3; do mkdir -p "$work/$d"; done
"$bin/hexo" submit --dir "$work/q1" "$work/pi.hexo" "${args[@]}"
sleep 1
"$bin/hexo" submit --dir "$work/q2" "$work/pi.hexo" "${small[@]}"
"$bin/hexo" submit --dir "$work/q3" "$work/pi.hexo" "${small[@]}"
while "$bin/hexo" jobs | grep -qE ' (queued|running|migrating) '; do
	sleep 2
	echo "-- $(date +%T)"
	"$bin/hexo" jobs
done
for id in 1 2 3; do "$bin/hexo" wait "$id"; done
step "what the daemon decided (hexo sched's log)"
grep -E "job [0-9]+: (start|migrate|resum|checkpoint|ended)" "$work/sched.log" | sed 's/^hexo sched: //'
step "job 1's own output: where each block ran"
cat "$work/q1/hexo-1.out"
printf '%-34s %s
' "job 1, moved by the scheduler:" "$(cat "$work/q1/pi.txt")"
printf '%-34s %s
' "never moved:" "$(cat "$work/here/pi.txt")"
if cmp -s "$work/q1/pi.txt" "$work/here/pi.txt" && grep -q "job 1: migrate $server -> $board" "$work/sched.log"; then
	echo "the scheduler offloaded job 1 and the result is identical, bit for bit"
else
	echo "demo: job 1 was not offloaded, or its result differs" >&2
	exit 1
fi
stop_sched
trap cleanup EXIT

step "hexo board down --name $board"
"$bin/hexo" board down --name "$board"
board_up=0
