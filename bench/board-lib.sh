# shellcheck shell=bash
# One emulated ARM64 board for a benchmark (docs/board.md), sourced by
# bench/board.sh (the board section of bench/bench.sh) and bench/migrate.sh
# (x86-64 -> board): booted in a temporary HEXO_STATE of its own (the kernel
# cache is shared), powered off at the end whatever happens. The board tests
# (tests/board/*.sh) take board_kill_qemu from here.
#
# The sourcing script sets HEXO (the monitor), board_name, board_mem and
# board_console (where to keep the console log, or empty), then:
#   board_missing              prints why no board can run here (qemu or the
#                              aarch64 programs missing) and returns 0, or
#                              returns 1 when one can
#   board_up PREFIX OUT ERR    boots it (hexo board up, 1 CPU) with its state
#                              in /tmp/PREFIX.XXXXXX, stdout to OUT, stderr
#                              to ERR; returns hexo's exit status; installs
#                              board_stop as the EXIT trap
#   board_no_kernel ERR        0 when ERR says the arm64 kernel cannot be had
#                              (a SKIP, not a failure)
#   board_stop                 hexo board down (if that failed, kills the QEMU
#                              this script started, by its pid file), keeps
#                              the console log, removes the state; idempotent
#   board_kill_qemu STATE      kills the QEMU of each board in the HEXO_STATE
#                              folder STATE, by its pid file, if that process
#                              is one started with STATE on its command line
# board_state is the temporary HEXO_STATE while the board is up.

board_state=
board_is_up=0

board_missing() {
	local qemu=${HEXO_QEMU:-qemu-system-aarch64} f
	local a64=${HEXO_AARCH64_BIN:-$(dirname "$HEXO")/../aarch64/bin}

	if ! command -v "$qemu" >/dev/null; then
		echo "$qemu is not installed (apt-get install qemu-system-arm)"
		return 0
	fi
	for f in hexo hexod hexo-init; do
		if [[ ! -x $a64/$f ]]; then
			echo "$a64/$f is not built (make all)"
			return 0
		fi
	done
	return 1
}

board_stop() {
	if [[ $board_is_up -eq 1 ]]; then
		board_is_up=0
		"$HEXO" board down --name "$board_name" </dev/null >/dev/null 2>&1 || true
	fi
	[[ -n $board_state ]] || return 0
	board_kill_qemu "$board_state"
	if [[ -n ${board_console:-} && -f $board_state/boards/$board_name/console.log ]]; then
		cp "$board_state/boards/$board_name/console.log" "$board_console" || true
	fi
	rm -rf "$board_state"
	board_state=
}

board_kill_qemu() {
	local f pid
	for f in "$1"/boards/*/qemu.pid; do
		[[ -f $f ]] || continue
		pid=$(cat "$f")
		if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$1"; then
			kill "$pid" 2>/dev/null || true
		fi
	done
}

board_up() {
	local st=0

	trap board_stop EXIT
	trap 'exit 130' INT TERM
	board_state=$(mktemp -d "/tmp/$1.XXXXXX")
	export HEXO_STATE=$board_state
	board_is_up=1
	"$HEXO" board up --name "$board_name" --mem "$board_mem" --cpus 1 </dev/null >"$2" 2>"$3" || st=$?
	return "$st"
}

board_no_kernel() {
	grep -qE "no arm64 packages|cannot resolve|no installable|apt-get download|kernel package|add-architecture" "$1"
}
