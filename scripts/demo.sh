#!/usr/bin/env bash
# `make demo`: build a small C program with hexocc and run it under hexo's
# KVM monitor. (Board start-up and migration join the demo as they land:
# see README.md "Status".)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bin
work=$(mktemp -d /tmp/hexo-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

cp "$top/examples/pi.c" "$work/"
echo "== hexocc -O2 -o pi.hexo pi.c -lm"
"$bin/hexocc" -O2 -o "$work/pi.hexo" "$work/pi.c" -lm
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "demo: /dev/kvm is not usable here: the image was built but cannot run" >&2
	exit 1
fi
echo "== hexo run --stats pi.hexo 2000000"
"$bin/hexo" run --stats --dir "$work" "$work/pi.hexo" 2000000
echo "== files the job wrote in its directory:"
ls -l "$work" | grep -v -e pi.c -e pi.hexo -e '^total' || true
cat "$work/pi.txt"
