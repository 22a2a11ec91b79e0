#!/usr/bin/env bash
# Runs every test suite and prints one overall summary line,
#   N passed, N failed, N skipped
# adding up:
#   - each unit-test binary given as an argument (cmocka): its own test cases,
#     read from cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)"
#     / "[  SKIPPED ] N test(s)" lines; a binary that is missing, crashes or
#     prints no cmocka summary counts as one failure;
#   - tests/hexocc/test_driver.sh when present: its last
#     "N passed, N failed, N skipped" line (else 1 test, by exit status);
#   - each tests/hexod/test_agent_*.sh (suite hexod-agent-*),
#     tests/run-migrate-tests.sh, tests/board/test_board.sh, tests/pass/run.sh,
#     tests/checkpoint/test_checkpoint_cli.sh, tests/sched/test_sched_cli.sh and
#     tests/sched/test_calibrate.sh (suite calibrate: two boards), the same way;
#   - the fuzzers (tests/fuzz/run.sh --brief, suite "fuzz"): each libFuzzer
#     harness 8 s, one case each (SKIP when not built: no libFuzzer
#     runtime);
#   - the guest tests (tests/run-guest-tests.sh), case by case;
#   - the build: HEXO_TEST_BUILD_OK=0 (set by `make test` when `make all`
#     failed) adds one failure named "build".
# HEXO_TEST_NO_BOARD=1 leaves the board suite out (one SKIP, no board boot), and
# the board cases of the calibrate suite (SKIPs).
# The scripts share tests/lib.sh (their PASS/FAIL/SKIP lines and summary).
# Exit status 0 only when nothing failed.
#
# usage: tests/run-tests.sh [--only unit|hexocc|hexod|migrate|board|pass|checkpoint|sched|calibrate|fuzz|guest] [UNIT_TEST_BINARY...]
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # root, summary_of
cd "$root"

only=
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
fi
if [[ ${1:-} == --only ]]; then
	only=$2
	shift 2
fi
units=("$@")

out=$root/build/tests
mkdir -p "$out/unit"
summary=$out/summary.txt
: >"$summary"

total_p=0 total_f=0 total_s=0
failures=()

add() { # add SUITE PASSED FAILED SKIPPED
	total_p=$((total_p + $2))
	total_f=$((total_f + $3))
	total_s=$((total_s + $4))
	printf '%-28s %4d passed, %4d failed, %4d skipped\n' "$1" "$2" "$3" "$4" >>"$summary"
	if [[ $3 -gt 0 ]]; then failures+=("$1"); fi
}

banner() { printf '\n==== %s ====\n' "$*"; }

want() { [[ -z $only || $only == "$1" ]]; }

if [[ ${HEXO_TEST_BUILD_OK:-1} == 0 ]]; then
	banner "build"
	echo "FAIL: build ('make all' failed: see the compiler output above)"
	add build 0 1 0
fi

# ------------------------------------------------------------- unit tests --
if want unit; then
	for bin in "${units[@]}"; do
		name=$(basename "$bin")
		log=$out/unit/$name.log
		banner "unit: $name"
		if [[ ! -x $bin ]]; then
			echo "FAIL: $name (not built: $bin)"
			add "unit/$name" 0 1 0
			continue
		fi
		st=0
		timeout -k 5 600 stdbuf -oL -eL "$bin" >"$log" 2>&1 || st=$?
		cat "$log"
		read -r p f s < <(awk '
			/^\[  PASSED  \] [0-9]+ test/ { p += $4 }
			/^\[  FAILED  \] [0-9]+ test\(s\), listed below/ { f += $4 }
			/^\[  SKIPPED \] [0-9]+ test\(s\), listed below/ { s += $4 }
			END { print p + 0, f + 0, s + 0 }' "$log")
		runs=$(grep -c '^\[==========\] [0-9]* test(s) run' "$log" || true)
		if [[ $runs -eq 0 ]]; then
			echo "FAIL: $name printed no cmocka summary (exit status $st): counted as 1 failure"
			add "unit/$name" "$p" $((f + 1)) "$s"
		elif [[ $st -ne 0 && $f -eq 0 ]]; then
			echo "FAIL: $name exited with status $st but reported no failed test: counted as 1 failure"
			add "unit/$name" "$p" 1 "$s"
		else
			add "unit/$name" "$p" "$f" "$s"
		fi
	done
fi

# --------------------------------------------------------- script suites --
# run_suite NAME SCRIPT TIMEOUT [ARG...]: runs a test script (with ARGs)
# that ends with its own "N passed, N failed, N skipped" line and adds its
# counts.
run_suite() {
	local name=$1 script=$2 limit=$3 log=$out/$1.log st=0 res p f s
	shift 3
	banner "$name: $script${*:+ $*}"
	timeout -k 5 "$limit" "$script" "$@" 2>&1 | tee "$log" || st=${PIPESTATUS[0]}
	res=$(summary_of "$log")
	if [[ -n $res ]]; then
		read -r p f s <<<"$res"
		if [[ $st -ne 0 && $f -eq 0 ]]; then
			echo "FAIL: $script exited with status $st but reported no failure"
			f=1
		fi
		add "$name" "$p" "$f" "$s"
	elif [[ $st -eq 0 ]]; then
		add "$name" 1 0 0
	else
		echo "FAIL: $script exited with status $st (no summary line)"
		add "$name" 0 1 0
	fi
}

if want hexocc && [[ -x tests/hexocc/test_driver.sh ]]; then
	run_suite hexocc-driver tests/hexocc/test_driver.sh 1800
fi
if want hexod; then
	for t in tests/hexod/test_agent_*.sh; do
		[[ -x $t ]] || continue
		n=${t##*/test_agent_}
		run_suite "hexod-agent-${n%.sh}" "$t" 600
	done
fi
if want migrate && [[ -x tests/run-migrate-tests.sh ]]; then
	run_suite migrate tests/run-migrate-tests.sh 1800
fi
if want board && [[ ${HEXO_TEST_NO_BOARD:-0} == 1 ]]; then
	banner "board: tests/board/test_board.sh"
	echo "SKIP: board (HEXO_TEST_NO_BOARD=1: no board booted)"
	add board 0 0 1
elif want board && [[ -x tests/board/test_board.sh ]]; then
	run_suite board tests/board/test_board.sh 900
fi
if want pass && [[ -x tests/pass/run.sh ]]; then
	run_suite pass tests/pass/run.sh 600
fi
if want checkpoint && [[ -x tests/checkpoint/test_checkpoint_cli.sh ]]; then
	run_suite checkpoint tests/checkpoint/test_checkpoint_cli.sh 900
fi
if want sched && [[ -x tests/sched/test_sched_cli.sh ]]; then
	run_suite sched tests/sched/test_sched_cli.sh 300
	run_suite sched-daemon tests/sched/test_sched_daemon.sh 900
fi
if want calibrate && [[ -x tests/sched/test_calibrate.sh ]]; then
	run_suite calibrate tests/sched/test_calibrate.sh 300
fi
if want fuzz && [[ -x tests/fuzz/run.sh ]]; then
	run_suite fuzz tests/fuzz/run.sh 180 --brief
fi

# ------------------------------------------------------------------ guest --
if want guest; then
	banner "guest tests: tests/run-guest-tests.sh"
	log=$out/guest.log
	st=0
	tests/run-guest-tests.sh 2>&1 | tee "$log" || st=${PIPESTATUS[0]}
	res=$(summary_of "$log")
	if [[ -n $res ]]; then
		read -r p f s <<<"$res"
		if [[ $st -ne 0 && $f -eq 0 ]]; then f=1; fi
		add guest "$p" "$f" "$s"
	else
		echo "FAIL: run-guest-tests.sh stopped (status $st) before its summary"
		add guest 0 1 0
	fi
fi

banner "summary"
cat "$summary"
if [[ ${#failures[@]} -gt 0 ]]; then
	echo "failures in: ${failures[*]}"
fi
if [[ $total_s -gt 0 ]]; then
	echo "skipped tests print 'SKIP: <reason>' above (e.g. no /dev/kvm)"
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
[[ $total_f -eq 0 ]]
