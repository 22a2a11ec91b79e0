#!/usr/bin/env bash
# `hexo sched --simulate` through the real hexo command: the shipped configs
# (the paper's job sets A-D) run and print a table and JSON that agree, the
# boards help where the paper says they do, and bad input is refused with
# one line and status 125. One PASS/FAIL line per case, then
# "N passed, N failed, N skipped".
set -uo pipefail
RESULT_PREFIX=sched/
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
make_tmp T hexo-sched-test

# refused CASE ARGS...: status 125, one line on stderr naming hexo, nothing on stdout
refused() {
	local label=$1 st=0
	shift
	"$HEXO" sched "$@" >"$T/out" 2>"$T/err" || st=$?
	if [[ $st -eq 125 && ! -s $T/out && $(wc -l <"$T/err") -eq 1 ]] && grep -q '^hexo: ' "$T/err"; then
		pass "$label: $(cat "$T/err")"
	else
		fail "$label" "status $st, stdout $(wc -c <"$T/out") bytes, stderr: $(head -3 "$T/err")"
	fi
}

# json_field FILE SETUP KEY: the value of KEY in setup SETUP of a --json output
json_field() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(next(s for s in d["setups"] if s["name"]==sys.argv[2])[sys.argv[3]])' "$@"
}

for set in A B C D; do
	cfg=$root/sched/configs/$set.json
	st=0
	"$HEXO" sched --simulate "$cfg" >"$T/$set.txt" 2>"$T/$set.err" || st=$?
	if [[ $st -eq 0 ]] && grep -q '^X  ' "$T/$set.txt" && grep -q '^XP ' "$T/$set.txt" &&
		grep -q '^X3P ' "$T/$set.txt" && grep -q '^2X ' "$T/$set.txt"; then
		pass "$set: the table has X, XP, X3P and 2X"
	else
		fail "$set: table" "status $st: $(head -3 "$T/$set.err")"
		continue
	fi
	st=0
	"$HEXO" sched --simulate "$cfg" --json >"$T/$set.json" 2>"$T/$set.jerr" || st=$?
	if [[ $st -ne 0 ]] || ! python3 -m json.tool "$T/$set.json" >/dev/null 2>&1; then
		fail "$set: --json" "status $st, not JSON: $(head -3 "$T/$set.jerr")"
		continue
	fi
	# the table and the JSON tell the same jobs completed
	x=$(json_field "$T/$set.json" X jobs_completed)
	xp=$(json_field "$T/$set.json" XP jobs_completed)
	x3p=$(json_field "$T/$set.json" X3P jobs_completed)
	w=$(json_field "$T/$set.json" X work_server_s)
	w2=$(json_field "$T/$set.json" 2X work_server_s)
	check "$set: table and JSON agree (X completes $x jobs)" \
		grep -Eq "^X +server +$x " "$T/$set.txt"
	# more boards never complete fewer jobs; a second server does twice the
	# work of one (the queue never empties: every core is always busy)
	check "$set: X <= XP <= X3P ($x, $xp, $x3p)" test "$x" -le "$xp" -a "$xp" -le "$x3p"
	check "$set: 2X does twice X's work ($w2 = 2 x $w server-seconds)" \
		python3 -c "import sys; sys.exit(abs($w2 - 2 * $w) > 1e-6)"
done

# the boards pay where slowdowns are low (A: EP, 3x) and hardly where high (B: CG, 30x)
a=$(json_field "$T/A.json" X3P throughput_pct)
b=$(json_field "$T/B.json" X3P throughput_pct)
check "A gains more from 3 boards than B ($a% > $b%)" python3 -c "import sys; sys.exit(not $a > $b + 20)"

refused "--simulate without CONFIG" --simulate
refused "an unknown argument" bogus
refused "missing config" --simulate "$T/none.json"
echo '{"name": "x"' >"$T/trunc.json"
refused "truncated JSON" --simulate "$T/trunc.json"
sed 's/"runtime_s": *[0-9.]*/"runtime_s": -5/' "$root/sched/configs/A.json" >"$T/neg.json"
refused "negative run time" --simulate "$T/neg.json"
refused "unknown option" --simulate "$root/sched/configs/A.json" --fast

finish
