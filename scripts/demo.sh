#!/usr/bin/env bash
# `make demo`: build a C program once with hexocc (one image, x86-64 and
# aarch64), run it under hexo's KVM monitor here, start an emulated ARM64
# board, run the same image there, and compare the results.
# (Migration between the two joins the demo when it lands: README "Status".)
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

mkdir -p "$work/here" "$work/board"
cp "$top/examples/pi.c" "$work/"
step "hexocc -O2 -o pi.hexo pi.c -lm        (one image, both ISAs)"
"$bin/hexocc" -O2 -o "$work/pi.hexo" "$work/pi.c" -lm
ls -l "$work/pi.hexo"

if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "demo: /dev/kvm is not usable here: the image was built but cannot run" >&2
	exit 1
fi

step "hexo run --stats pi.hexo 5000000     (x86-64, this machine)"
"$bin/hexo" run --stats --dir "$work/here" "$work/pi.hexo" 5000000

step "hexo board up --name $board          (emulated ARM64 board: QEMU + KVM inside)"
"$bin/hexo" board up --name "$board"
board_up=1

step "hexo run --on $board pi.hexo 5000000  (aarch64, on the board)"
"$bin/hexo" run --on "$board" --dir "$work/board" "$work/pi.hexo" 5000000

step "results written by the job in its directory, here and on the board"
echo "x86-64:  $(cat "$work/here/pi.txt")"
echo "aarch64: $(cat "$work/board/pi.txt")"
if cmp -s "$work/here/pi.txt" "$work/board/pi.txt"; then
	echo "identical, bit for bit"
else
	echo "demo: the two results differ" >&2
	exit 1
fi

step "hexo board down --name $board"
"$bin/hexo" board down --name "$board"
board_up=0
