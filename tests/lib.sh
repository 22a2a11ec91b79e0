# shellcheck shell=bash
# What the test scripts share. Sourced, after the script's `set` line:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"      (from tests/)
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"   (from tests/*/)
#
# Paths (HEXO, HEXOCC, HEXOD may be set in the environment first):
#   root     the repository          build   $root/${BUILD:-build}
#   HEXO     $build/bin/hexo         HEXOCC  $build/bin/hexocc
#   HEXOD    $build/bin/hexod
#
# Results: one line each on stdout, counted for the last line, which
# tests/run-tests.sh reads (summary_of):
#   pass TEXT             "PASS: TEXT"
#   fail TEXT [DETAIL]    "FAIL: TEXT[: DETAIL]"
#   skip TEXT [REASON]    "SKIP: TEXT[: REASON]" (a skip stays visible)
#   check TEXT CMD...     pass TEXT when CMD succeeds, else fail TEXT
#   add_counts P F S      adds a sub-suite's counts (its lines printed by it)
#   summary               "N passed, N failed, N skipped"; false when one failed
#   finish                summary, then exit: 0 when nothing failed, else 1
#   failures              the FAIL lines so far
# RESULT_PREFIX (default empty) goes before every TEXT. The results are kept
# in a file, so those recorded in a subshell count too.
#
# Other helpers:
#   summary_of LOG        "P F S" from the last "N passed, N failed[, N skipped]"
#                         line of LOG (nothing when there is none)
#   kvm_usable            /dev/kvm can be used (and HEXO_TEST_NO_KVM is not 1)
#   make_tmp VAR PREFIX   sets VAR to a new folder $TMPDIR/PREFIX.XXXXXX (/tmp),
#                         removed at exit
#   at_exit COMMAND       runs COMMAND (a string) at exit, before those folders go
#   wait_until SECS CMD...  runs CMD every 50 ms until it succeeds; false after SECS
# The EXIT trap is the library's: use at_exit instead of `trap ... EXIT`.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/${BUILD:-build}
HEXO=${HEXO:-$build/bin/hexo}
HEXOCC=${HEXOCC:-$build/bin/hexocc}
HEXOD=${HEXOD:-$build/bin/hexod}
RESULT_PREFIX=${RESULT_PREFIX:-}

_t_results=$(mktemp "${TMPDIR:-/tmp}/hexo-test-results.XXXXXX") || exit 2
_t_dirs=()
_t_hooks=()

_t_exit() {
	local h
	for h in "${_t_hooks[@]}"; do eval "$h" || true; done
	rm -rf -- "${_t_dirs[@]}" "$_t_results" || true
}
trap _t_exit EXIT

at_exit() { _t_hooks+=("$1"); }

make_tmp() {
	local -n _t_var=$1
	_t_var=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX") || return 1
	_t_dirs+=("$_t_var")
}

# _t_record KIND TEXT [DETAIL]: the line on stdout, and (on one line) in the file
_t_record() {
	local line="$1: $RESULT_PREFIX$2${3:+: $3}"
	printf '%s\n' "$line"
	printf '%s\n' "${line//$'\n'/ }" >>"$_t_results"
}
pass() { _t_record PASS "$1"; }
fail() { _t_record FAIL "$1" "${2:-}"; }
skip() { _t_record SKIP "$1" "${2:-}"; }

check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

add_counts() { printf 'COUNTS: %d %d %d\n' "$1" "$2" "$3" >>"$_t_results"; }

failures() { grep '^FAIL: ' "$_t_results" || true; }

summary() {
	local p f s
	read -r p f s < <(awk '/^PASS: / { p++ } /^FAIL: / { f++ } /^SKIP: / { s++ }
		/^COUNTS: / { p += $2; f += $3; s += $4 }
		END { print p + 0, f + 0, s + 0 }' "$_t_results")
	echo "$p passed, $f failed, $s skipped"
	[[ $f -eq 0 ]]
}

finish() {
	summary
	exit
}

summary_of() {
	grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1 |
		sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\2 \3 \5/' |
		awk '{ print $1, $2, ($3 == "" ? 0 : $3) }'
}

kvm_usable() { [[ ${HEXO_TEST_NO_KVM:-0} != 1 && -r /dev/kvm && -w /dev/kvm ]]; }

wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.05
	done
}
