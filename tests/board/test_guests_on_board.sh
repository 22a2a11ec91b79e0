#!/usr/bin/env bash
# Runs every guest test program of tests/guest/ on an emulated ARM64 board,
# under the aarch64 monitor, through `hexo run --on`, and checks each case
# exactly as tests/run-guest-tests.sh does on x86-64: the same expected.out
# (byte for byte), expected.status, args, hexo-opts, jobdir/, verify.sh,
# expected.err, and the same check.sh files, sourced with the same case API.
# So a PASS means the aarch64 run gave what the x86-64 run must give.
#
# One board boot per run (temporary HEXO_STATE, the kernel cache is shared),
# powered off at the end whatever happens. Each program is built once with
# hexocc (the image holds both ELFs). Prints PASS/FAIL/SKIP per case and
# ends with "N passed, N failed, N skipped"; exit status 0 when nothing
# failed. Everything is SKIPped, with the reason, when the board cannot boot
# (no qemu-system-aarch64, no arm64 kernel).
#
# usage: tests/board/test_guests_on_board.sh [options] [NAME...]
#   --on NODE   use this running board/node instead of booting one (the
#               node registry of the caller's HEXO_STATE; not powered off)
#   -k, --keep  keep job directories and outputs of passing cases too
#   -v, --verbose  show the commands run
# Environment: HEXO, HEXOCC (build/bin/...), TEST_OUT (build/tests/board-guest),
# TEST_TIMEOUT (seconds per run, 120), HEXO_BOARD_MEM (the board's RAM, 2G).
#
# Known differences (KNOWN below) are cases whose x86-64 expectation cannot
# hold on aarch64 (behaviour C leaves undefined); they are run, and reported
# as SKIP with the reason when they fail (PASS when they pass). Commands run from an empty
# directory: `hexo run --on` without --dir sends the current one.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2

HEXO=${HEXO:-$root/build/bin/hexo}
HEXOCC=${HEXOCC:-$root/build/bin/hexocc}
TEST_OUT=${TEST_OUT:-$root/build/tests/board-guest}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
GUEST_DIR=$root/tests/guest
BOARD_MEM=${HEXO_BOARD_MEM:-2G}

declare -A KNOWN=(
	[faults/div-overflow]="ISA: INT_MIN / -1 does not trap on aarch64 (x86-64: #DE); C leaves it undefined"
)

OPT_KEEP=0
OPT_VERBOSE=0
NODE=
names=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--on)
		[[ $# -ge 2 ]] || { echo "test_guests_on_board: --on needs a node name" >&2; exit 2; }
		NODE=$2
		shift
		;;
	-k | --keep) OPT_KEEP=1 ;;
	-v | --verbose) OPT_VERBOSE=1 ;;
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	-*) echo "test_guests_on_board: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1") ;;
	esac
	shift
done
if [[ ${#names[@]} -eq 0 ]]; then
	for d in "$GUEST_DIR"/*/; do
		[[ -f $d/main.c ]] && names+=("$(basename "$d")")
	done
fi
for n in "${names[@]}"; do
	[[ -f $GUEST_DIR/$n/main.c ]] || { echo "test_guests_on_board: no test '$n'" >&2; exit 2; }
done

mkdir -p "$TEST_OUT"
RESULTS=$TEST_OUT/.results.$$
: >"$RESULTS"

say() { printf '%s\n' "$*"; }
record() { # record PASS|FAIL|SKIP "text"
	say "$1: $2"
	say "$1: $2" >>"$RESULTS"
}
finish() {
	local p f s
	p=$(grep -c '^PASS:' "$RESULTS")
	f=$(grep -c '^FAIL:' "$RESULTS")
	s=$(grep -c '^SKIP:' "$RESULTS")
	if [[ $f -gt 0 ]]; then
		say ""
		say "failed:"
		grep '^FAIL:' "$RESULTS" | sed 's/^FAIL: /  /'
	fi
	rm -f "$RESULTS"
	say "$p passed, $f failed, $s skipped"
	[[ $f -eq 0 ]]
	exit $?
}
show() { # show TITLE FILE [MAXLINES]
	local max=${3:-40} n
	n=$(wc -l <"$2" 2>/dev/null || echo 0)
	say "    --- $1 ($n lines) ---"
	head -n "$max" "$2" | sed 's/^/    | /'
	if [[ $n -gt $max ]]; then say "    | ... ($((n - max)) more lines)"; fi
}

# ------------------------------------------------------------------ board --

STATE=
board_up=0
stop_board() {
	[[ $board_up -eq 1 ]] || return 0
	board_up=0
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
}
cleanup() {
	stop_board
	[[ -n $STATE ]] && rm -rf "$STATE"
	[[ -n ${EMPTY_CWD:-} ]] && rm -rf "$EMPTY_CWD"
	rm -f "$RESULTS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$HEXO" "$HEXOCC" build/aarch64/bin/hexo build/aarch64/bin/hexod build/aarch64/bin/hexo-init; do
	if [[ ! -x $f ]]; then
		record FAIL "board guests: $f is not built (make all)"
		finish
	fi
done

boot_board() {
	local out err t0 t1
	STATE=$(mktemp -d /tmp/hexo-board-guests.XXXXXX)
	export HEXO_STATE=$STATE
	NODE=bg$$
	out=$STATE/up.out
	err=$STATE/up.err
	t0=$(date +%s.%N)
	board_up=1
	if ! "$HEXO" board up --name "$NODE" --mem "$BOARD_MEM" >"$out" 2>"$err"; then
		if grep -qE "no arm64 packages|cannot resolve|no installable|apt-get download|kernel package|add-architecture" "$err"; then
			record SKIP "board guests: the arm64 kernel cannot be had: $(tail -1 "$err")"
		else
			record FAIL "board guests: hexo board up failed: $(tail -1 "$err")"
			show "hexo board up" "$err" 30
		fi
		finish
	fi
	t1=$(date +%s.%N)
	say "board: $(cat "$out") ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s for 'up')"
}

# ---------------------------------------------------- case API (check.sh) --
# The same helpers as tests/run-guest-tests.sh (see there), running the
# guest on the board.

CASE_NAME=
CASE_FAILS=()
CASE_KEEP=()
RUN_STATUS=
RUN_OUT=
RUN_ERR=
RUN_STDIN=/dev/null
RUN_CMD=

new_jobdir() {
	local d
	d=$(mktemp -d "$TEST_OUT/$TEST_NAME/job.XXXXXX")
	if [[ -d $TEST_SRC/jobdir ]]; then cp -a "$TEST_SRC/jobdir/." "$d/"; fi
	say "$d"
}

case_begin() {
	CASE_NAME=$1
	CASE_FAILS=()
	CASE_KEEP=()
	RUN_STATUS=
	RUN_CMD=
	local slug=${1//\//_}
	RUN_OUT=$TEST_OUT/$TEST_NAME/$slug.stdout
	RUN_ERR=$TEST_OUT/$TEST_NAME/$slug.stderr
	: >"$RUN_OUT"
	: >"$RUN_ERR"
}

# The board has KVM: no case is skipped before it runs (check.sh asks).
case_skipped() { false; }

# Runs a command from an empty directory (see the top).
_run() {
	RUN_CMD="$*"
	if [[ $OPT_VERBOSE -eq 1 ]]; then say "+ $RUN_CMD" >&2; fi
	(cd "$EMPTY_CWD" && timeout -k 5 "$TEST_TIMEOUT" "$@") <"$RUN_STDIN" >"$RUN_OUT" 2>"$RUN_ERR"
	RUN_STATUS=$?
	if [[ $RUN_STATUS -eq 124 || $RUN_STATUS -eq 137 ]]; then
		CASE_FAILS+=("timed out after ${TEST_TIMEOUT}s (status $RUN_STATUS)")
	fi
}

run_guest() { # run_guest JOBDIR [OPTS...] -- [ARGS...]
	local job=$1 opts=()
	shift
	while [[ $# -gt 0 && $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	[[ $# -gt 0 ]] && shift
	CASE_KEEP+=("$job")
	_run "$HEXO" run --on "$NODE" --dir "$job" "${opts[@]}" "$IMAGE" "$@"
}

# `hexo run ...` goes to the board; other commands (CLI checks) run here.
run_hexo_cmd() {
	if [[ ${1:-} == run ]]; then
		_run "$HEXO" run --on "$NODE" "${@:2}"
	else
		_run "$HEXO" "$@"
	fi
}

want_status() {
	[[ $RUN_STATUS == "$1" ]] || CASE_FAILS+=("exit status $RUN_STATUS, want $1")
}

want_stdout_file() {
	if ! cmp -s "$1" "$RUN_OUT"; then
		local d=$TEST_OUT/$TEST_NAME/${CASE_NAME//\//_}.diff
		diff -u --label expected --label actual "$1" "$RUN_OUT" >"$d"
		CASE_FAILS+=("stdout differs from ${1#"$root"/}:@@$d")
	fi
}

want_stdout() {
	local exp=$TEST_OUT/$TEST_NAME/${CASE_NAME//\//_}.expected
	printf '%s' "$1" >"$exp"
	want_stdout_file "$exp"
}

want_stdout_re() {
	grep -Eq -- "$1" "$RUN_OUT" || CASE_FAILS+=("no stdout line matches /$1/")
}

want_stdout_no_re() {
	if grep -Eq -- "$1" "$RUN_OUT"; then
		CASE_FAILS+=("stdout line matches forbidden /$1/: $(grep -Em1 -- "$1" "$RUN_OUT")")
	fi
}

want_stderr_re() {
	grep -Eiq -- "$1" "$RUN_ERR" || CASE_FAILS+=("no stderr line matches /$1/")
}

want_stderr_lines() {
	local n
	n=$(wc -l <"$RUN_ERR")
	if [[ -s $RUN_ERR && $(tail -c1 "$RUN_ERR" | od -An -c | tr -d ' ') != '\n' ]]; then
		n=$((n + 1))
	fi
	[[ $n -eq $1 ]] || CASE_FAILS+=("stderr has $n lines, want $1")
}

want_stderr_empty() {
	[[ ! -s $RUN_ERR ]] || CASE_FAILS+=("stderr is not empty")
}

want_stderr_hex() {
	local want=$(($1)) tok found=0
	for tok in $(grep -Eoi '0x[0-9a-f]+' "$RUN_ERR"); do
		if [[ ${#tok} -le 18 ]] && (((tok) == want)); then
			found=1
			break
		fi
	done
	[[ $found -eq 1 ]] || CASE_FAILS+=("stderr does not mention address $(printf '%#x' "$want")")
}

want() { # want MESSAGE CMD...
	local msg=$1
	shift
	"$@" || CASE_FAILS+=("$msg")
}

case_details() {
	[[ -n $RUN_CMD ]] && say "    command: $RUN_CMD"
	[[ -n $RUN_STATUS ]] && say "    exit status: $RUN_STATUS"
	local f
	for f in "${CASE_FAILS[@]}"; do
		if [[ $f == *"@@"* ]]; then
			say "    - ${f%%@@*}"
			show "diff -u expected actual" "${f##*@@}" 60
		else
			say "    - $f"
		fi
	done
	[[ -s $RUN_ERR ]] && show "stderr" "$RUN_ERR" 20
	[[ -s $RUN_OUT ]] && show "stdout (start)" "$RUN_OUT" 10
	say "    (outputs kept in ${TEST_OUT#"$root"/}/$TEST_NAME/)"
}

case_end() {
	local label="guest/$CASE_NAME" known=${KNOWN[$CASE_NAME]:-}
	if [[ ${#CASE_FAILS[@]} -eq 0 ]]; then
		record PASS "$label"
		if [[ $OPT_KEEP -eq 0 ]]; then
			local j
			for j in "${CASE_KEEP[@]}"; do rm -rf -- "$j"; done
			rm -f "$RUN_OUT" "$RUN_ERR"
		fi
	elif [[ -n $known ]]; then
		record SKIP "$label (known difference, $known)"
		[[ $OPT_VERBOSE -eq 1 ]] && case_details
	else
		record FAIL "$label"
		case_details
	fi
	CASE_NAME=
}

# ------------------------------------------------------------ the tests --

sources_of() {
	echo "$1/main.c"
	if [[ -f $1/sources ]]; then sed "/^$/d; s|^|$1/|" "$1/sources"; fi
}

cflags_of() {
	if [[ -f $1/cflags ]]; then tr -s ' \t' '\n\n' <"$1/cflags" | sed '/^$/d'; fi
}

# Builds tests/guest/NAME into $TEST_OUT/NAME/NAME.hexo; 1 (after a FAIL) on error.
build_guest() {
	local name=$1 src=$GUEST_DIR/$1 img=$TEST_OUT/$1/$1.hexo log=$TEST_OUT/$1/build.log
	local srcs flags
	mapfile -t srcs < <(sources_of "$src")
	mapfile -t flags < <(cflags_of "$src")
	rm -f "$img"
	if ! "$HEXOCC" -O2 "${flags[@]}" -o "$img" "${srcs[@]}" -lm >"$log" 2>&1; then
		record FAIL "guest/$name (build with hexocc)"
		say "    command: $HEXOCC -O2 ${flags[*]} -o $img ${srcs[*]} -lm"
		show "hexocc output" "$log" 20
		return 1
	fi
}

read_lines() { # read_lines ARRAYNAME FILE
	local -n _arr=$1
	_arr=()
	if [[ -f $2 ]]; then mapfile -t _arr <"$2"; fi
}

default_case() {
	local src=$TEST_SRC args opts job want_st=0
	read_lines args "$src/args"
	read_lines opts "$src/hexo-opts"
	[[ -f $src/expected.status ]] && want_st=$(tr -d ' \n' <"$src/expected.status")
	RUN_STDIN=/dev/null
	[[ -f $src/stdin ]] && RUN_STDIN=$src/stdin
	case_begin "$TEST_NAME"
	job=$(new_jobdir)
	run_guest "$job" "${opts[@]}" -- "${args[@]}"
	want_status "$want_st"
	want_stdout_file "$src/expected.out"
	if [[ -f $src/expected.err ]]; then
		cmp -s "$src/expected.err" "$RUN_ERR" ||
			CASE_FAILS+=("stderr differs from expected.err")
	else
		want_stderr_empty
	fi
	if [[ -f $src/verify.sh ]]; then
		local vlog=$TEST_OUT/$TEST_NAME/verify.log
		if ! bash "$src/verify.sh" "$job" >"$vlog" 2>&1; then
			CASE_FAILS+=("verify.sh found problems in the job directory:@@$vlog")
		fi
	fi
	case_end
	RUN_STDIN=/dev/null
}

# Boot-to-main and start-to-exit of a trivial guest on the board (--stats).
board_timing() {
	local img=$TEST_OUT/argv/argv.hexo err=$TEST_OUT/timing.err main=() wall=()
	[[ -f $img ]] || return 0
	for _ in 1 2 3 4 5; do
		(cd "$EMPTY_CWD" && "$HEXO" run --on "$NODE" --stats "$img") >/dev/null 2>"$err" || return 0
		main+=("$(awk '/guest boot to main\(\)/ { print $(NF-1) }' "$err")")
		wall+=("$(awk '/total wall time/ { print $(NF-1) }' "$err")")
	done
	say "board timing (argv test, 5 runs, ms): guest boot to main() ${main[*]};" \
		"start to exit (monitor wall time) ${wall[*]}"
}

if [[ -z $NODE ]] && ! command -v "${HEXO_QEMU:-qemu-system-aarch64}" >/dev/null; then
	record SKIP "board guests: qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)"
	finish
fi

EMPTY_CWD=$TEST_OUT/.cwd.$$
rm -rf "$EMPTY_CWD"
mkdir -p "$EMPTY_CWD"
images=()
for TEST_NAME in "${names[@]}"; do
	mkdir -p "$TEST_OUT/$TEST_NAME"
	rm -rf "$TEST_OUT/$TEST_NAME"/job.* "$TEST_OUT/$TEST_NAME"/*.{stdout,stderr,diff,expected}
	build_guest "$TEST_NAME" && images+=("$TEST_NAME")
done

if [[ -z $NODE ]]; then boot_board; fi

for TEST_NAME in "${images[@]}"; do
	TEST_SRC=$GUEST_DIR/$TEST_NAME
	IMAGE=$TEST_OUT/$TEST_NAME/$TEST_NAME.hexo
	if [[ -f $TEST_SRC/check.sh ]]; then
		if ! (
			set +u
			# shellcheck source=/dev/null
			source "$TEST_SRC/check.sh"
		); then
			record FAIL "guest/$TEST_NAME (check.sh stopped with an error)"
		fi
	else
		default_case
	fi
done

board_timing
stop_board
finish
