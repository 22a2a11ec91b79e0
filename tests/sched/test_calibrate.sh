#!/usr/bin/env bash
# `hexo node calibrate` (docs/sched.md, "Slowdown estimates: calibration"):
#   - refusals that need no board, each one line on stderr and status 125:
#     an unknown node, an unknown --against node, --against naming the node
#     itself, a bad option, kernel images missing, (on a host without
#     /dev/kvm) a calibration without --against, which must say there is no
#     /dev/kvm here and suggest --against NODE; and a reference node that
#     does not answer (the failing kernel run named, its reason quoted,
#     nothing saved);
#   - two emulated ARM64 boards A and B (--mem 1G each, a temporary
#     HEXO_STATE of their own), then `hexo node calibrate B --against A
#     --quick --json`: every kernel present with the same checksum on both,
#     slowdowns finite and > 0, the geometric mean between the smallest and
#     the largest, one progress line per kernel run and the counters line on
#     stderr, the saved STATE/calib/B.json equal to what was printed; then A
#     against B as a table (--reps 1). The boards are powered off at the end
#     whatever happens.
# The board cases are SKIPped with the reason when no board can run here
# (no qemu-system-aarch64, aarch64 programs not built, no arm64 kernel) or
# with HEXO_TEST_NO_BOARD=1. About a minute on a 2-core host.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail
RESULT_PREFIX=calibrate/
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh" # board_missing, board_kill_qemu, board_no_kernel
cd "$root" || exit 2
make_tmp T hexo-calib-test
export HEXO_STATE=$T/state
mkdir -p "$HEXO_STATE"
KERNELS=(fp triad chase sort branch)

# refused LABEL WANT ARGS...: `hexo node calibrate ARGS` exits 125 with one
# line on stderr that starts with "hexo: " and contains WANT, nothing on stdout
refused() {
	local label=$1 want=$2 st=0
	shift 2
	"$HEXO" node calibrate "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
	if [[ $st -eq 125 && ! -s $T/out && $(wc -l <"$T/err") -eq 1 ]] &&
		grep -q '^hexo: ' "$T/err" && grep -qF -- "$want" "$T/err"; then
		pass "$label: $(cat "$T/err")"
	else
		fail "$label" "status $st, stdout $(wc -c <"$T/out") bytes, stderr: $(head -3 "$T/err")"
	fi
}

if [[ ! -x $HEXO ]]; then
	fail "build" "$HEXO is not built (make all)"
	finish
fi

# ---------------------------------------------------- without a board --
refused "unknown node" "no node named 'nosuch'" nosuch --quick
# a registered node that is never contacted: every refusal below comes first
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secret"
"$HEXO" node add ghost 127.0.0.1:9 --secret-file "$T/secret" --no-check >/dev/null ||
	fail "node add ghost (--no-check)"
refused "unknown --against node" "no node named 'nosuch'" ghost --against nosuch
refused "--against the node itself" "--against names 'ghost' itself" ghost --against ghost
refused "unknown option" "unknown option '--fast'" ghost --fast
refused "bad --reps" "--reps '0'" ghost --reps 0
if [[ -e /dev/kvm ]]; then
	skip "no /dev/kvm: refused with a hint" "this host has /dev/kvm"
else
	refused "no /dev/kvm: refused with a hint" "there is no /dev/kvm here" ghost --quick
	check "no /dev/kvm: the line suggests --against NODE" grep -q -- "--against NODE" "$T/err"
fi
"$HEXO" node add ghost2 127.0.0.1:9 --secret-file "$T/secret" --no-check >/dev/null ||
	fail "node add ghost2 (--no-check)"
HEXO_CALIB_DIR=$T/none refused "kernel images missing" "build it with 'make'" ghost --against ghost2
# a reference node that does not answer: the first kernel run fails, and the
# last line on stderr says which kernel, where, and quotes hexo run's reason
st=0
"$HEXO" node calibrate ghost --against ghost2 --quick </dev/null >"$T/out" 2>"$T/err" || st=$?
if [[ $st -eq 125 && ! -s $T/out ]] && tail -1 "$T/err" | grep -q "^hexo: node calibrate: kernel 'fp' on ghost2 failed (exit 125): hexo: " &&
	[[ ! -e $HEXO_STATE/calib/ghost.json ]]; then
	pass "unreachable reference: $(tail -1 "$T/err")"
else
	fail "unreachable reference" "status $st, stderr: $(tail -2 "$T/err")"
fi
"$HEXO" node rm ghost >/dev/null
"$HEXO" node rm ghost2 >/dev/null

# ------------------------------------------------------- two boards --
skip_boards() {
	local c
	for c in "B against A, --json" "the saved file" "A against B, table"; do skip "$c" "$1"; done
	finish
}
[[ ${HEXO_TEST_NO_BOARD:-0} == 1 ]] && skip_boards "HEXO_TEST_NO_BOARD=1: no board booted"
if why=$(board_missing); then skip_boards "$why"; fi
for k in "${KERNELS[@]}"; do
	[[ -f build/calib/$k.hexo ]] || { fail "build" "build/calib/$k.hexo is not built (make all)"; finish; }
done

A=ca$$ B=cb$$
boards_down() {
	"$HEXO" board down --name "$A" >/dev/null 2>&1
	"$HEXO" board down --name "$B" >/dev/null 2>&1
	board_kill_qemu "$HEXO_STATE"
}
at_exit boards_down
trap 'exit 130' INT TERM

t0=$SECONDS
"$HEXO" board up --name "$A" --mem 1G </dev/null >"$T/upA.out" 2>"$T/upA.err" &
pa=$!
"$HEXO" board up --name "$B" --mem 1G </dev/null >"$T/upB.out" 2>"$T/upB.err" &
pb=$!
sa=0 sb=0
wait $pa || sa=$?
wait $pb || sb=$?
if [[ $sa -ne 0 || $sb -ne 0 ]]; then
	for e in "$T/upA.err" "$T/upB.err"; do
		board_no_kernel "$e" && skip_boards "the arm64 kernel cannot be had: $(tail -1 "$e")"
	done
	fail "boot two boards" "A: $(tail -1 "$T/upA.err"); B: $(tail -1 "$T/upB.err")"
	finish
fi
pass "two boards up in $((SECONDS - t0)) s: $(cat "$T/upA.out"); $(cat "$T/upB.out")"

t0=$SECONDS
st=0
"$HEXO" node calibrate "$B" --against "$A" --quick --json </dev/null >"$T/b.json" 2>"$T/b.err" || st=$?
secs=$((SECONDS - t0))
cat "$T/b.err"
if [[ $st -ne 0 ]]; then
	fail "B against A, --json" "status $st: $(tail -1 "$T/b.err")"
else
	pass "B against A, --json: status 0 in $secs s"
	if python3 - "$T/b.json" "$A" "$B" "${KERNELS[@]}" >"$T/check" 2>&1 <<'PY'; then
import json, math, sys
path, ref, node, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
d = json.load(open(path))
assert d["node"] == node, "node is %r" % d["node"]
assert d["reference"] == ref, "reference is %r" % d["reference"]
assert d["quick"] is True and d["version"] == 1
got = [k["name"] for k in d["kernels"]]
assert got == names, "kernels %r, want %r" % (got, names)
sd = []
for k in d["kernels"]:
    s = k["slowdown"]
    assert isinstance(s, (int, float)) and math.isfinite(s) and s > 0, "%s: slowdown %r" % (k["name"], s)
    assert k["checksums_agree"] is True and len(k["checksum"]) == 16, k["name"] + ": checksum"
    assert len(k["here_s"]) == len(k["node_s"]) == 2, k["name"] + ": 2 runs a side"
    assert k["iters"] >= 1 and k["here_s_per_iter"] > 0 and k["node_s_per_iter"] > 0
    assert abs(k["node_s_per_iter"] / k["here_s_per_iter"] - s) < 1e-6 * s, k["name"] + ": ratio"
    sd.append(s)
g = d["geomean"]
assert min(sd) <= g <= max(sd), "geomean %r outside [%r, %r]" % (g, min(sd), max(sd))
want = math.exp(sum(math.log(s) for s in sd) / len(sd))
assert abs(g - want) < 1e-6 * want, "geomean %r, want %r" % (g, want)
assert d["model"] is None or isinstance(d["model"], dict)
print(" ".join("%s %.2f" % (k["name"], k["slowdown"]) for k in d["kernels"]) + ", geomean %.2f" % g)
PY
		pass "B against A: every kernel, checksums agree, slowdowns > 0, geomean within them: $(cat "$T/check")"
	else
		fail "B against A: the JSON" "$(tail -2 "$T/check")"
	fi
	n=$(grep -cE '^calibrate: [a-z]+ +[0-9]+/[0-9]+ on ' "$T/b.err")
	check "B against A: one progress line per kernel run ($n, want 20)" test "$n" -eq 20
	check "B against A: the counters line, once" test "$(grep -c '^counters: ' "$T/b.err")" -eq 1
	f=$HEXO_STATE/calib/$B.json
	if [[ -f $f ]] && cmp -s "$f" "$T/b.json"; then
		pass "the saved file: $f is what --json printed"
	else
		fail "the saved file" "$f missing or different from the --json output"
	fi
	check "the saved file: no temporary file left beside it" \
		test "$(find "$HEXO_STATE/calib" -type f | wc -l)" -eq 1
fi

st=0
"$HEXO" node calibrate "$A" --against "$B" --quick --reps 1 </dev/null >"$T/a.txt" 2>"$T/a.err" || st=$?
rows=0
for k in "${KERNELS[@]}"; do grep -q "^$k " "$T/a.txt" && rows=$((rows + 1)); done
if [[ $st -eq 0 && $rows -eq 5 && -f $HEXO_STATE/calib/$A.json ]] &&
	grep -q "^node $A against $B" "$T/a.txt" && grep -q '^geomean ' "$T/a.txt"; then
	pass "A against B, table: $(grep '^geomean' "$T/a.txt" | tr -s ' ')"
	cat "$T/a.txt"
else
	fail "A against B, table" "status $st: $(tail -1 "$T/a.err")"
fi

finish
