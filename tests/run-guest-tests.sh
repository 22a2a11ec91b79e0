#!/usr/bin/env bash
# Builds every guest test program in tests/guest/<name>/ with hexocc, runs it
# under the hexo monitor in a fresh job directory and checks its stdout,
# stderr, exit status and the files it leaves. Prints one PASS/FAIL/SKIP line
# per case, the diff of every failure, and ends with the line
#   N passed, N failed, N skipped
# Exit status: 0 when nothing failed, 1 otherwise, 2 on a usage error.
#
# usage: tests/run-guest-tests.sh [options] [NAME...]
#   -k, --keep          keep the job directories of passing cases too
#   -v, --verbose       show the commands run
#   --native NAME...    build NAME natively (clang -O2 -ffp-contract=off) and
#                       print its stdout for the default case (no KVM used)
#   --gen-expected NAME...  as --native, but write tests/guest/NAME/expected.out
#                       (review the result before checking it in)
#   --results FILE      also append the PASS/FAIL/SKIP lines to FILE
#   --on NODE           run every guest on NODE (`hexo run --on NODE`, from an
#                       empty working directory), e.g. an emulated board; the
#                       expectations are the same as here
#   --known FILE        cases that may differ there: lines "CASE<tab>REASON";
#                       such a case is reported SKIP with its reason when it
#                       fails, PASS when it passes
# Environment: HEXO, HEXOCC (default build/bin/hexo, build/bin/hexocc),
# NATIVE_CC (clang), TEST_OUT (build/tests/guest), TEST_TIMEOUT (seconds per
# guest run, 120), HEXO_TEST_NO_KVM=1 (act as if /dev/kvm were missing).
#
# A test folder holds main.c (plus the files listed in [sources]) and either
#  - the default case: expected.out, [expected.status] (0), [args] (one guest
#    argument per line), [hexo-opts] (one monitor option per line, before the
#    image), [stdin] (fed to the guest, else /dev/null), [jobdir/] (copied
#    into the fresh job directory), [verify.sh JOBDIR] (host-side checks after
#    the run, exit 0 = pass), [expected.err] (stderr must match it exactly;
#    without it stderr must be empty); or
#  - check.sh, sourced by this script, which runs any number of cases with
#    the helpers below (case_begin, run_guest, want_*, case_end).
# [cflags] adds flags to the hexocc (and native) command line.
# See tests/README.md.
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

NATIVE_CC=${NATIVE_CC:-clang}
TEST_OUT=${TEST_OUT:-$root/build/tests/guest}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
GUEST_DIR=$root/tests/guest

OPT_KEEP=0
OPT_VERBOSE=0
mode=run
results_file=
ON_NODE=
declare -A KNOWN=()
names=()
while [[ $# -gt 0 ]]; do
	case $1 in
	-k | --keep) OPT_KEEP=1 ;;
	-v | --verbose) OPT_VERBOSE=1 ;;
	--native) mode=native ;;
	--gen-expected) mode=gen ;;
	--results)
		[[ $# -ge 2 ]] || { echo "run-guest-tests: --results needs a file" >&2; exit 2; }
		results_file=$2
		shift
		;;
	--on)
		[[ $# -ge 2 ]] || { echo "run-guest-tests: --on needs a node name" >&2; exit 2; }
		ON_NODE=$2
		shift
		;;
	--known)
		[[ $# -ge 2 && -r $2 ]] || { echo "run-guest-tests: --known needs a readable file" >&2; exit 2; }
		while IFS=$'\t' read -r k v; do
			[[ -n $k && $k != \#* ]] && KNOWN[$k]=$v
		done <"$2"
		shift
		;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	-*) echo "run-guest-tests: unknown option $1" >&2; exit 2 ;;
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
	[[ -f $GUEST_DIR/$n/main.c ]] || { echo "run-guest-tests: no test '$n' (tests/guest/$n/main.c)" >&2; exit 2; }
done

have_kvm=0
# HEXO_TEST_NO_KVM=1 behaves as if /dev/kvm were missing (to check the skips).
if kvm_usable; then have_kvm=1; fi
# With --on the guests run on the node, which has KVM; commands run from an
# empty folder, since `hexo run --on` without --dir sends the current one.
ON=()
CWD=$root
if [[ -n $ON_NODE ]]; then
	have_kvm=1
	ON=(--on "$ON_NODE")
fi

mkdir -p "$TEST_OUT"
if [[ -n $ON_NODE ]]; then
	CWD=$TEST_OUT/.cwd.$$
	mkdir -p "$CWD"
	at_exit 'rm -rf "$CWD"'
fi

# ---------------------------------------------------------------- helpers --

say() { printf '%s\n' "$*"; }
vrun() {
	if [[ $OPT_VERBOSE -eq 1 ]]; then say "+ $*" >&2; fi
	"$@"
}

record() { # record PASS|FAIL|SKIP "text": counted by tests/lib.sh
	case $1 in
	PASS) pass "$2" ;;
	FAIL) fail "$2" ;;
	SKIP) skip "$2" ;;
	esac
	if [[ -n $results_file ]]; then say "$1: $2" >>"$results_file"; fi
}

# Prints the first lines of a file, indented, for failure reports.
show() { # show TITLE FILE [MAXLINES]
	local max=${3:-40} n
	n=$(wc -l <"$2" 2>/dev/null || echo 0)
	say "    --- $1 ($n lines) ---"
	head -n "$max" "$2" | sed 's/^/    | /'
	if [[ $n -gt $max ]]; then say "    | ... ($((n - max)) more lines)"; fi
}

# Reads one-item-per-line files into the named array (empty lines kept).
read_lines() { # read_lines ARRAYNAME FILE
	local -n _arr=$1
	_arr=()
	if [[ -f $2 ]]; then mapfile -t _arr <"$2"; fi
}

# A fresh job directory for one run, with the test's jobdir/ copied in.
new_jobdir() {
	local d
	d=$(mktemp -d "$TEST_OUT/$TEST_NAME/job.XXXXXX")
	if [[ -d $TEST_SRC/jobdir ]]; then cp -a "$TEST_SRC/jobdir/." "$d/"; fi
	say "$d"
}

# ---------------------------------------------------- case API (check.sh) --
# case_begin NAME        start a case (its result line is "guest/NAME")
# run_guest JOBDIR [HEXO-OPTION...] -- [GUEST-ARG...]
#                        run $IMAGE; sets RUN_STATUS, RUN_OUT, RUN_ERR (files)
#                        stdin comes from $RUN_STDIN (default /dev/null)
# run_hexo_cmd ARG...    run "$HEXO ARG..." as is (for bad-image/CLI cases)
# want_status N          exit status must be N
# want_stdout_file FILE  stdout must equal FILE byte for byte
# want_stdout TEXT       stdout must equal TEXT (printf %s, so add \n yourself)
# want_stdout_re ERE     some stdout line must match ERE
# want_stdout_no_re ERE  no stdout line may match ERE
# want_stderr_re ERE     some stderr line must match ERE (case-insensitive)
# want_stderr_lines N    stderr must have exactly N lines
# want_stderr_empty
# want_stderr_hex ADDR   stderr must contain the number ADDR (any hex spelling)
# want "MESSAGE" CMD...  CMD must succeed; MESSAGE explains the failure
# case_end               print PASS/FAIL (with the details) or SKIP
# needs_kvm              (default 1) set to 0 before case_begin for a case that
#                        does not start a guest

CASE_NAME=
CASE_FAILS=()
CASE_KEEP=()
needs_kvm=1
RUN_STATUS=
RUN_OUT=
RUN_ERR=
RUN_STDIN=/dev/null
RUN_CMD=

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

case_skipped() { [[ $needs_kvm -eq 1 && $have_kvm -eq 0 ]]; }

_run() {
	RUN_CMD="$*"
	if [[ $OPT_VERBOSE -eq 1 ]]; then say "+ $RUN_CMD" >&2; fi
	set +e
	(cd "$CWD" && timeout -k 5 "$TEST_TIMEOUT" "$@") <"$RUN_STDIN" >"$RUN_OUT" 2>"$RUN_ERR"
	RUN_STATUS=$?
	set -e
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
	if case_skipped; then return 0; fi
	_run "$HEXO" run "${ON[@]}" --dir "$job" "${opts[@]}" "$IMAGE" "$@"
}

# With --on, `hexo run ...` goes to the node; other commands run here.
run_hexo_cmd() {
	if case_skipped; then return 0; fi
	if [[ ${1:-} == run ]]; then
		_run "$HEXO" run "${ON[@]}" "${@:2}"
	else
		_run "$HEXO" "$@"
	fi
}

want_status() {
	case_skipped && return 0
	[[ $RUN_STATUS == "$1" ]] || CASE_FAILS+=("exit status $RUN_STATUS, want $1")
}

want_stdout_file() {
	case_skipped && return 0
	if ! cmp -s "$1" "$RUN_OUT"; then
		local d=$TEST_OUT/$TEST_NAME/${CASE_NAME//\//_}.diff
		diff -u --label expected --label actual "$1" "$RUN_OUT" >"$d" || true
		CASE_FAILS+=("stdout differs from ${1#"$root"/}:@@$d")
	fi
}

want_stdout() {
	case_skipped && return 0
	local exp=$TEST_OUT/$TEST_NAME/${CASE_NAME//\//_}.expected
	printf '%s' "$1" >"$exp"
	want_stdout_file "$exp"
}

want_stdout_re() {
	case_skipped && return 0
	grep -Eq -- "$1" "$RUN_OUT" || CASE_FAILS+=("no stdout line matches /$1/")
}

want_stdout_no_re() {
	case_skipped && return 0
	if grep -Eq -- "$1" "$RUN_OUT"; then
		CASE_FAILS+=("stdout line matches forbidden /$1/: $(grep -Em1 -- "$1" "$RUN_OUT")")
	fi
}

want_stderr_re() {
	case_skipped && return 0
	grep -Eiq -- "$1" "$RUN_ERR" || CASE_FAILS+=("no stderr line matches /$1/")
}

want_stderr_lines() {
	case_skipped && return 0
	local n
	n=$(wc -l <"$RUN_ERR")
	# a last line without a newline counts too
	if [[ -s $RUN_ERR && $(tail -c1 "$RUN_ERR" | od -An -c | tr -d ' ') != '\n' ]]; then
		n=$((n + 1))
	fi
	[[ $n -eq $1 ]] || CASE_FAILS+=("stderr has $n lines, want $1")
}

want_stderr_empty() {
	case_skipped && return 0
	[[ ! -s $RUN_ERR ]] || CASE_FAILS+=("stderr is not empty")
}

# True when stderr contains the number $1 written in hex (0x..., any case and
# any number of leading zeros).
want_stderr_hex() {
	case_skipped && return 0
	local want=$(($1)) tok found=0
	for tok in $(grep -Eoi '0x[0-9a-f]+' "$RUN_ERR" || true); do
		if [[ ${#tok} -le 18 ]] && (((tok) == want)); then
			found=1
			break
		fi
	done
	[[ $found -eq 1 ]] || CASE_FAILS+=("stderr does not mention address $(printf '%#x' "$want")")
}

want() { # want MESSAGE CMD...
	case_skipped && return 0
	local msg=$1
	shift
	"$@" || CASE_FAILS+=("$msg")
}

case_end() {
	local label="guest/$CASE_NAME" known=${KNOWN[$CASE_NAME]:-}
	if case_skipped; then
		record SKIP "no /dev/kvm ($label)"
	elif [[ ${#CASE_FAILS[@]} -eq 0 ]]; then
		record PASS "$label"
		if [[ $OPT_KEEP -eq 0 ]]; then
			local j
			for j in "${CASE_KEEP[@]}"; do rm -rf -- "$j"; done
			rm -f "$RUN_OUT" "$RUN_ERR"
		fi
	elif [[ -n $known ]]; then
		record SKIP "$label (known difference, $known)"
	else
		record FAIL "$label"
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
		if [[ -s $RUN_OUT ]]; then show "stdout (start)" "$RUN_OUT" 10; fi
		say "    (outputs kept in ${TEST_OUT#"$root"/}/$TEST_NAME/)"
	fi
	CASE_NAME=
	needs_kvm=1
}

# ----------------------------------------------------------------- builds --

# main.c, plus the files named in [sources] (one per line, relative to the
# test folder); other .c files in the folder are tools, not part of the test.
sources_of() {
	echo "$1/main.c"
	if [[ -f $1/sources ]]; then sed "/^$/d; s|^|$1/|" "$1/sources"; fi
}

cflags_of() { # prints the extra flags, one word per line
	if [[ -f $1/cflags ]]; then tr -s ' \t' '\n' <"$1/cflags" | sed '/^$/d'; fi
}

build_guest() { # build_guest NAME -> sets IMAGE; returns 1 (after a FAIL) on error
	local name=$1 src=$GUEST_DIR/$1 log srcs flags
	IMAGE=$TEST_OUT/$name/$name.hexo
	log=$TEST_OUT/$name/build.log
	mapfile -t srcs < <(sources_of "$src")
	mapfile -t flags < <(cflags_of "$src")
	if [[ ! -x $HEXOCC ]]; then
		record FAIL "guest/$name (build: $HEXOCC not found; run 'make all')"
		return 1
	fi
	rm -f "$IMAGE"
	if ! vrun "$HEXOCC" -O2 "${flags[@]}" -o "$IMAGE" "${srcs[@]}" -lm >"$log" 2>&1; then
		record FAIL "guest/$name (build with hexocc)"
		say "    command: $HEXOCC -O2 ${flags[*]} -o $IMAGE ${srcs[*]} -lm"
		show "hexocc output" "$log" 40
		return 1
	fi
	if [[ ! -s $IMAGE ]]; then
		record FAIL "guest/$name (build: hexocc succeeded but wrote no $IMAGE)"
		return 1
	fi
}

build_native() { # build_native NAME -> sets NATIVE_BIN
	local name=$1 src=$GUEST_DIR/$1 srcs flags
	NATIVE_BIN=$TEST_OUT/$name/$name.native
	mapfile -t srcs < <(sources_of "$src")
	mapfile -t flags < <(cflags_of "$src")
	vrun "$NATIVE_CC" -O2 -ffp-contract=off "${flags[@]}" -o "$NATIVE_BIN" "${srcs[@]}" -lm
}

# ------------------------------------------------------------ default case --

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
		case_skipped || cmp -s "$src/expected.err" "$RUN_ERR" ||
			CASE_FAILS+=("stderr differs from expected.err")
	else
		want_stderr_empty
	fi
	if [[ -f $src/verify.sh ]] && ! case_skipped; then
		local vlog=$TEST_OUT/$TEST_NAME/verify.log
		if ! bash "$src/verify.sh" "$job" >"$vlog" 2>&1; then
			CASE_FAILS+=("verify.sh found problems in the job directory:@@$vlog")
		fi
	fi
	case_end
	RUN_STDIN=/dev/null
}

native_case() { # prints the native stdout of the default case
	local src=$TEST_SRC args job st=0 in=/dev/null
	read_lines args "$src/args"
	[[ -f $src/stdin ]] && in=$src/stdin
	job=$(new_jobdir)
	(cd "$job" && "$NATIVE_BIN" "${args[@]}" <"$in") || st=$?
	rm -rf -- "$job"
	local want=0
	[[ -f $src/expected.status ]] && want=$(tr -d ' \n' <"$src/expected.status")
	if [[ $st -ne $want ]]; then
		echo "run-guest-tests: native $TEST_NAME exited $st, expected.status says $want" >&2
		return 1
	fi
}

# ------------------------------------------------------------------- main --

for TEST_NAME in "${names[@]}"; do
	TEST_SRC=$GUEST_DIR/$TEST_NAME
	mkdir -p "$TEST_OUT/$TEST_NAME"
	rm -rf "$TEST_OUT/$TEST_NAME"/job.* "$TEST_OUT/$TEST_NAME"/*.{stdout,stderr,diff,expected}

	if [[ $mode != run ]]; then
		if [[ -f $TEST_SRC/check.sh ]]; then
			echo "run-guest-tests: $TEST_NAME has check.sh; its expectations live there" >&2
			continue
		fi
		build_native "$TEST_NAME"
		if [[ $mode == gen ]]; then
			native_case >"$TEST_SRC/expected.out"
			say "wrote tests/guest/$TEST_NAME/expected.out ($(wc -l <"$TEST_SRC/expected.out") lines): review it"
		else
			native_case
		fi
		continue
	fi

	if ! build_guest "$TEST_NAME"; then continue; fi
	if [[ -f $TEST_SRC/check.sh ]]; then
		# In a subshell: a check.sh that dies cannot take the runner with it
		# (its results are already counted: tests/lib.sh keeps them in a file).
		if ! (
			# shellcheck source=/dev/null
			source "$TEST_SRC/check.sh"
		); then
			record FAIL "guest/$TEST_NAME (check.sh stopped with an error)"
		fi
	else
		default_case
	fi
done

[[ $mode == run ]] || exit 0

if [[ -n $(failures) ]]; then
	say ""
	say "failed:"
	failures | sed 's/^FAIL: /  /'
fi
finish
