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
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh" # board_kill_qemu, board_no_kernel
cd "$root" || exit 2
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
alone() { # alone skip|fail TEXT
	"$1" "board guests: $2"
	finish
}

STATE=
stop_board() {
	[[ -n $STATE ]] || return 0
	"$HEXO" board down --name "$NODE" >/dev/null 2>&1
	# If down failed, stop the QEMU this script started (its pid file).
	board_kill_qemu "$STATE"
	rm -rf "$STATE"
	STATE=
}
at_exit stop_board
trap 'exit 130' INT TERM

boot_board() {
	local t0 t1
	command -v "${HEXO_QEMU:-qemu-system-aarch64}" >/dev/null ||
		alone skip "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)"
	for f in "$HEXO" build/aarch64/bin/hexo build/aarch64/bin/hexod build/aarch64/bin/hexo-init; do
		[[ -x $f ]] || alone fail "$f is not built (make all)"
	done
	STATE=$(mktemp -d /tmp/hexo-board-guests.XXXXXX)
	export HEXO_STATE=$STATE
	NODE=bg$$
	t0=$(date +%s.%N)
	if ! "$HEXO" board up --name "$NODE" --mem "$BOARD_MEM" >"$STATE/up.out" 2>"$STATE/up.err"; then
		board_no_kernel "$STATE/up.err" && alone skip "the arm64 kernel cannot be had: $(tail -1 "$STATE/up.err")"
		cat "$STATE/up.err"
		alone fail "hexo board up failed: $(tail -1 "$STATE/up.err")"
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
