#!/usr/bin/env bash
# Runs every guest test program of tests/guest/ on an emulated ARM64 board,
# under the aarch64 monitor, with the x86-64 expectations: it is
# tests/run-guest-tests.sh --on NODE, on a board booted for it (one boot,
# powered off at the end whatever happens) unless --on names a running one.
# Cases listed in tests/board/known-differences may differ, for the reason
# given there. Ends with "N passed, N failed, N skipped"; everything is
# SKIPped, with the reason, when the board cannot boot (no
# qemu-system-aarch64, no arm64 kernel).
#
# usage: tests/board/test_guests_on_board.sh [--on NODE] [-k] [-v] [NAME...]
#   --on NODE   use this running board/node (the caller's HEXO_STATE)
#   -k, -v      passed to tests/run-guest-tests.sh
# Environment: HEXO (build/bin/hexo), TEST_OUT (build/tests/board-guest),
# HEXO_BOARD_MEM (the board's RAM, 2G); see tests/run-guest-tests.sh.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2
HEXO=${HEXO:-$root/build/bin/hexo}
export TEST_OUT=${TEST_OUT:-$root/build/tests/board-guest}
BOARD_MEM=${HEXO_BOARD_MEM:-2G}

NODE=
pass_on=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--on)
		[[ $# -ge 2 ]] || { echo "test_guests_on_board: --on needs a node name" >&2; exit 2; }
		NODE=$2
		shift
		;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) pass_on+=("$1") ;;
	esac
	shift
done

# One result line and the summary, for when no guest can run at all.
alone() { # alone SKIP|FAIL TEXT
	echo "$1: board guests: $2"
	[[ $1 == SKIP ]] && { echo "0 passed, 0 failed, 1 skipped"; exit 0; }
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}

STATE=
stop_board() {
	[[ -n $STATE ]] || return 0
	"$HEXO" board down --name "$NODE" >/dev/null 2>&1
	# If down failed, stop the QEMU this script started (its pid file).
	local f pid
	for f in "$STATE"/boards/*/qemu.pid; do
		[[ -f $f ]] || continue
		pid=$(cat "$f")
		if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$STATE"; then
			kill "$pid" 2>/dev/null
		fi
	done
	rm -rf "$STATE"
	STATE=
}
trap stop_board EXIT
trap 'exit 130' INT TERM

boot_board() {
	local t0 t1
	command -v "${HEXO_QEMU:-qemu-system-aarch64}" >/dev/null ||
		alone SKIP "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)"
	for f in "$HEXO" build/aarch64/bin/hexo build/aarch64/bin/hexod build/aarch64/bin/hexo-init; do
		[[ -x $f ]] || alone FAIL "$f is not built (make all)"
	done
	STATE=$(mktemp -d /tmp/hexo-board-guests.XXXXXX)
	export HEXO_STATE=$STATE
	NODE=bg$$
	t0=$(date +%s.%N)
	if ! "$HEXO" board up --name "$NODE" --mem "$BOARD_MEM" >"$STATE/up.out" 2>"$STATE/up.err"; then
		grep -qE "no arm64 packages|cannot resolve|no installable|apt-get download|kernel package|add-architecture" \
			"$STATE/up.err" && alone SKIP "the arm64 kernel cannot be had: $(tail -1 "$STATE/up.err")"
		cat "$STATE/up.err"
		alone FAIL "hexo board up failed: $(tail -1 "$STATE/up.err")"
	fi
	t1=$(date +%s.%N)
	echo "board: $(cat "$STATE/up.out") ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s for 'up')"
}

# Boot-to-main and start-to-exit of a small guest on the board (--stats).
board_timing() {
	local img=$TEST_OUT/argv/argv.hexo err=$TEST_OUT/timing.err main=() wall=() job
	[[ -f $img ]] || return 0
	job=$(mktemp -d "$TEST_OUT/timing.XXXXXX")
	for _ in 1 2 3 4 5; do
		"$HEXO" run --on "$NODE" --dir "$job" --stats "$img" >/dev/null 2>"$err" </dev/null ||
			break
		main+=("$(awk '/guest boot to main\(\)/ { print $(NF-1) }' "$err")")
		wall+=("$(awk '/total wall time/ { print $(NF-1) }' "$err")")
	done
	rm -rf "$job"
	[[ ${#main[@]} -eq 5 ]] || return 0
	echo "board timing (argv test, 5 runs, ms): guest boot to main() ${main[*]};" \
		"start to exit (monitor wall time) ${wall[*]}"
}

[[ -n $NODE ]] || boot_board
st=0
tests/run-guest-tests.sh --on "$NODE" --known tests/board/known-differences "${pass_on[@]}" ||
	st=$?
board_timing # after the summary line: readers take the last such line
exit "$st"
