#!/usr/bin/env bash
# Boots one emulated ARM64 board and checks `hexo board up|status|down`
# (docs/board.md), and on that same board runs every guest test program
# under the aarch64 monitor (tests/board/test_guests_on_board.sh --on) and
# migrates the tests/migrate programs between this host and the board in
# every direction (tests/run-migrate-tests.sh --on), so `make test` boots
# one board. Loopback only: the agent is on 127.0.0.1.
# HEXO_TEST_BOARD_XZ=1 adds a second boot, of a kernel package whose modules
# are .ko.xz.
#
#   tests/board/test_board.sh          (after `make board`)
#
# Uses `build/bin/hexo board`; HEXO_BOARD_CMD overrides. The board's state goes to a temporary HEXO_STATE;
# the kernel cache (~/.cache/hexo/board-kernel, or HEXO_CACHE) is shared.
# Prints "SKIP: <reason>" when QEMU or the arm64 kernel cannot be had, and
# ends with "N passed, N failed, N skipped".
set -uo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh" # board_kill_qemu
cd "$root" || exit 2
NAME=tb$$

pick_cmd() {
	if [[ -n "${HEXO_BOARD_CMD:-}" ]]; then
		read -r -a BOARD <<<"$HEXO_BOARD_CMD"
	else
		BOARD=("$HEXO" board)
	fi
}

make_tmp STATE hexo-board-test || exit 2
export HEXO_STATE=$STATE
OUT=$STATE/out
ERR=$STATE/err

# Stops any QEMU this test started, whatever happened (before $STATE goes).
at_exit 'board_kill_qemu "$STATE"'

run() { # run ARGS...: the board command; stdout in $OUT, stderr in $ERR, status in $rc
	"${BOARD[@]}" "$@" >"$OUT" 2>"$ERR"
	rc=$?
}

qemu_alive() { # qemu_alive PID: a live (not zombie) process
	local st
	[[ -r /proc/$1/stat ]] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)
	[[ $st != Z && $st != X ]]
}

pick_cmd
if ! command -v qemu-system-aarch64 >/dev/null; then
	skip "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)"
	finish
fi
if [[ ! -x ${BOARD[0]} || ! -f build/aarch64/bin/hexo-init ]]; then
	fail "${BOARD[0]} or build/aarch64/bin/hexo-init missing: run make board"
	finish
fi
have_agent=0
[[ -f build/aarch64/bin/hexod ]] && have_agent=1

# 1. up
t0=$(date +%s.%N)
run up --name "$NAME" --mem 2G
t1=$(date +%s.%N)
if [[ $rc -ne 0 ]]; then
	if grep -qE "no arm64 packages|cannot resolve|no installable|apt-get download|kernel package" "$ERR"; then
		skip "the arm64 kernel cannot be had: $(tail -1 "$ERR")"
		finish
	fi
	fail "up --name $NAME: exit $rc: $(tail -1 "$ERR")"
	cat "$ERR"
	finish
fi
up_out=$(cat "$OUT")
ready=$(sed -n 's/.*ready in \([0-9.]*\) s.*/\1/p' "$OUT")
pass "up: $(cat "$OUT")"
echo "boot-to-ready: ${ready:-?} s from QEMU start to agent ready ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s for the whole 'up' command)"

# 2. status
run status
if [[ $rc -eq 0 ]] && grep -qE "^$NAME +running +127\.0\.0\.1:[0-9]+ " "$OUT"; then
	pass "status lists $NAME as running"
else
	fail "status: exit $rc: $(cat "$OUT" "$ERR")"
fi
run status --name "$NAME"
[[ $rc -eq 0 ]] && pass "status --name $NAME: exit 0" || fail "status --name $NAME: exit $rc"
pid=$(awk -v n="$NAME" '$1 == n { print $7 }' "$OUT")
port=$(awk -v n="$NAME" '$1 == n { split($3, a, ":"); print a[2] }' "$OUT")

# 3. the registry entry
node=$STATE/nodes/$NAME.json
if [[ -f $node && $(stat -c %a "$node") == 600 ]] && grep -q '"board"' "$node" &&
	grep -q "$port" "$node"; then
	pass "registry: $node (kind board, port $port, mode 0600)"
else
	fail "registry entry $node missing or wrong"
fi

# 4. the agent answered an authenticated PING
if [[ $have_agent -eq 1 ]]; then
	if grep -q "(hexod .* on aarch64)" <<<"$up_out"; then
		pass "agent: authenticated PING answered ($(sed -n 's/.*(\(hexod[^)]*\)).*/\1/p' <<<"$up_out"))"
	else
		fail "agent: no PONG recorded"
	fi
else
	skip "agent ping: build/aarch64/bin/hexod is not built"
fi
if grep -q "kvm: /dev/kvm ready" "$STATE/boards/$NAME/console.log"; then
	pass "KVM works inside the board: $(grep -o 'kvm: /dev/kvm ready.*' "$STATE/boards/$NAME/console.log")"
else
	fail "no /dev/kvm inside the board: $(grep 'kvm:' "$STATE/boards/$NAME/console.log")"
fi

# 5. a second up with the same name is refused while it runs
run up --name "$NAME"
if [[ $rc -ne 0 ]] && grep -q "already running" "$ERR"; then
	pass "second up refused: $(tail -1 "$ERR")"
else
	fail "second up --name $NAME: exit $rc: $(tail -1 "$ERR")"
fi

# 6. every guest test program on this board, compared with the x86-64
#    expectations (its own PASS/FAIL/SKIP lines, counted here)
glog=$STATE/guests.log
tests/board/test_guests_on_board.sh --on "$NAME" 2>&1 | tee "$glog"
read -r gp gf gs < <(summary_of "$glog")
if [[ -n ${gp:-} ]]; then
	add_counts "$gp" "$gf" "$gs"
else
	fail "guests on the board: no summary line from test_guests_on_board.sh"
fi

# 6b. migrations across ISAs through this board: x86->arm, arm->x86,
#     arm->arm and x86->arm->x86->arm->x86 (tests/run-migrate-tests.sh --plan;
#     the last entry of a plan repeats)
mlog=$STATE/migrate.log
TEST_OUT=$root/build/tests/migrate-board tests/run-migrate-tests.sh --on "$NAME" \
	--plan L,N --plan N,L --plan N --plan L,N,L,N,L 2>&1 | tee "$mlog"
read -r mp mf ms < <(summary_of "$mlog")
if [[ -n ${mp:-} ]]; then
	add_counts "$mp" "$mf" "$ms"
else
	fail "migrations through the board: no summary line from run-migrate-tests.sh"
fi
cp "$STATE/nodes/$NAME.json" "$STATE/entry.json"

# 7. down: QEMU gone, entry gone
run down --name "$NAME"
if [[ $rc -eq 0 ]] && ! qemu_alive "$pid"; then
	pass "down: $(cat "$OUT"); QEMU pid $pid is gone"
else
	fail "down: exit $rc, QEMU pid $pid alive: $(tail -1 "$ERR")"
fi
run status --name "$NAME"
if [[ $rc -eq 1 && ! -e $node ]]; then
	pass "after down: no registry entry, status --name says: $(tail -1 "$ERR")"
else
	fail "after down: status exit $rc, entry $( [[ -e $node ]] && echo present || echo absent)"
fi

# 8. a board whose QEMU died is reported as dead and cleaned by down
#    (the saved entry, pointing at a process that has exited: no boot)
sleep 30 &
dead=$!
kill -9 "$dead"
wait "$dead" 2>/dev/null
sed "s/\"pid\": *[0-9]*/\"pid\": $dead/" "$STATE/entry.json" >"$node"
chmod 600 "$node"
run status --name "$NAME"
if [[ $rc -eq 3 ]] && grep -qE "^$NAME +dead " "$OUT"; then
	pass "stale board reported: $(grep "^$NAME" "$OUT" | tr -s ' ')"
else
	fail "stale board: status exit $rc: $(cat "$OUT")"
fi
run down --name "$NAME"
if [[ $rc -eq 0 && ! -e $node ]]; then
	pass "down of a stale board: $(cat "$OUT")"
else
	fail "down of a stale board: exit $rc: $(tail -1 "$ERR")"
fi


# 9. a kernel .deb whose modules are .ko.xz under usr/lib/modules (newer
#    Debian layout), given with HEXO_BOARD_KERNEL_DEB: unpacked and booted
if [[ ${HEXO_TEST_BOARD_XZ:-0} != 1 ]]; then
	skip ".ko.xz kernel package boot: a second board boot, run with HEXO_TEST_BOARD_XZ=1"
	finish
fi
kdir=$(ls -d "${HEXO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hexo}"/board-kernel/*/ok 2>/dev/null | head -1)
kdir=${kdir%/ok}
if [[ -z $kdir ]] || ! command -v xz >/dev/null || ! command -v dpkg-deb >/dev/null; then
	skip ".ko.xz kernel package: no cached kernel, xz or dpkg-deb"
	finish
fi
rel=$(cut -d' ' -f1 "$kdir/release")
pkg=$STATE/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/boot" "$pkg/usr/lib/modules/$rel/kernel/drivers"
cp "$kdir/vmlinuz" "$pkg/boot/vmlinuz-$rel"
for m in "$kdir"/modules/*.ko; do
	xz --check=crc32 -c "$m" >"$pkg/usr/lib/modules/$rel/kernel/drivers/$(basename "$m").xz"
done
printf 'Package: hexo-test-kernel\nVersion: 1\nArchitecture: arm64\nMaintainer: hexo <hexo@localhost>\nDescription: test\n' >"$pkg/DEBIAN/control"
dpkg-deb -Zxz -z1 -b "$pkg" "$STATE/hexo-test-kernel_1_arm64.deb" >/dev/null
HEXO_CACHE=$STATE/cache HEXO_BOARD_KERNEL_DEB=$STATE/hexo-test-kernel_1_arm64.deb run up --name "$NAME-xz"
nmods=$(ls "$STATE"/cache/board-kernel/*/modules/*.ko 2>/dev/null | wc -l)
if [[ $rc -eq 0 ]] && grep -q "modules: $nmods loaded, 0 failed" "$STATE/boards/$NAME-xz/console.log"; then
	pass ".ko.xz kernel package: $nmods modules unpacked and loaded; $(cat "$OUT")"
else
	fail ".ko.xz kernel package: exit $rc: $(tail -1 "$ERR")"
fi
run down --name "$NAME-xz"
[[ $rc -eq 0 ]] || fail "down --name $NAME-xz: exit $rc: $(tail -1 "$ERR")"

finish
