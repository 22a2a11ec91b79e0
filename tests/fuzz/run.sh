#!/usr/bin/env bash
# Runs the libFuzzer harnesses (tests/fuzz/fuzz.mk builds them into
# build/fuzz/, their seed corpora into build/fuzz/corpus/<name>/) and
# reports, per harness, the executions, executions per second, inputs added
# to the corpus and findings (crashes, leaks, timeouts, out-of-memory).
#
#   tests/fuzz/run.sh [--seconds N] [--json] [--brief] [NAME...]
#
# --seconds N  fuzz each harness N seconds (default 300; `make fuzz` passes
#              FUZZ_SECONDS)
# --json       the results as one JSON object instead of the table
# --brief      the test-suite form (`make test`, suite "fuzz"): 8 seconds
#              each unless --seconds, one PASS line per harness with its
#              counts, FAIL with the reproducer's path on a finding, SKIP
#              when the harness is not built (no libFuzzer runtime), and the
#              "N passed, N failed, N skipped" line
# NAME         image, checkpoint, proto, elf (default: all)
#
# Each run starts from the seed corpus and keeps what it finds in
# build/fuzz/work/<name>/ (new inputs, fresh each run) and
# build/fuzz/findings/<name>/ (crash-*, leak-*, timeout-*, oom-*: the
# reproducers; `build/fuzz/fuzz_NAME FILE` replays one); the harness's own
# output goes to build/fuzz/logs/<name>.log (--brief: build/fuzz/test/...
# instead). Exit status 1 when a harness found something.
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$root"

seconds= json=0 brief=0 names=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--json) json=1; shift ;;
	--brief) brief=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	image | checkpoint | proto | elf) names+=("$1"); shift ;;
	*) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[[ ${#names[@]} -gt 0 ]] || names=(image checkpoint proto elf)
if [[ -z $seconds ]]; then
	if [[ $brief == 1 ]]; then seconds=8; else seconds=300; fi
fi
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "run.sh: bad --seconds '$seconds'" >&2; exit 2; }

fz=$build/fuzz
# What a run keeps: under build/fuzz/ for `make fuzz`, build/fuzz/test/ for
# the brief runs of `make test` (so both can run at once).
out=$fz
[[ $brief == 0 ]] || out=$fz/test
# The largest input each harness tries: room for a few 4 KiB-aligned parts.
declare -A max_len=([image]=24576 [checkpoint]=40960 [proto]=4096 [elf]=32768)

# stat NAME LOG: the value of libFuzzer's "stat::NAME: V" line in LOG (0 if none)
stat_of() { awk -v k="stat::$1:" '$1 == k { v = $2 } END { print v + 0 }' "$2"; }

rows=() found=0
for n in "${names[@]}"; do
	bin=$fz/fuzz_$n seeds=$fz/corpus/$n work=$out/work/$n findings=$out/findings/$n
	log=$out/logs/$n.log
	if [[ ! -x $bin || ! -d $seeds ]]; then
		reason="not built: no libFuzzer runtime for clang (libclang-rt-14-dev)?"
		[[ $brief == 1 ]] && skip "fuzz/$n" "$reason"
		rows+=("$n skip 0 0 0 0 0 0 -")
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work" "$findings" "$(dirname "$log")"
	touch "$work/.start" # findings: the files newer than this
	st=0
	# -timeout: an input that takes 10 s is a finding (timeout-*);
	# -rss_limit_mb: so is one that makes the harness use 2 GiB (oom-*).
	"$bin" -max_total_time="$seconds" -max_len="${max_len[$n]}" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
		"$work" "$seeds" >"$log" 2>&1 || st=$?
	execs=$(stat_of number_of_executed_units "$log")
	rate=$(stat_of average_exec_per_sec "$log")
	added=$(stat_of new_units_added "$log")
	cov=$({ grep -oE '(cov|ft): [0-9]+' "$log" || true; } | awk '$1 == "cov:" { c = $2 } END { print c + 0 }')
	new=$(find "$findings" -type f -newer "$work/.start" | wc -l)
	first=$(find "$findings" -type f -newer "$work/.start" -printf '%T@ %p\n' | sort -n | head -n 1 | cut -d' ' -f2-)
	if [[ $st -ne 0 && $new -eq 0 ]]; then
		new=1 first=$log # stopped without a reproducer: its log says why
	fi
	found=$((found + new))
	rows+=("$n ok $seconds $execs $rate $added $cov $new ${first:--}")
	if [[ $brief == 1 ]]; then
		if [[ $new -eq 0 ]]; then
			pass "fuzz/$n: $execs executions in ${seconds} s ($rate/s), $added new inputs, 0 findings"
		else
			fail "fuzz/$n" "$new finding(s) after $execs executions: reproducer $first (replay: $bin $first; log: $log)"
		fi
	fi
done

if [[ $brief == 1 ]]; then
	finish
elif [[ $json == 1 ]]; then
	printf '{"seconds": %s, "harnesses": [' "$seconds"
	sep=
	for r in "${rows[@]}"; do
		read -r n state secs execs rate added cov new first <<<"$r"
		printf '%s\n  {"name": "%s", "state": "%s", "executions": %s, "exec_per_sec": %s, "new_inputs": %s, "coverage": %s, "findings": %s, "first_finding": %s}' \
			"$sep" "$n" "$state" "$execs" "$rate" "$added" "$cov" "$new" \
			"$([[ $first == - ]] && echo null || printf '"%s"' "$first")"
		sep=,
	done
	printf '\n]}\n'
else
	printf '%-11s %8s %12s %9s %10s %9s %9s  %s\n' harness seconds executions exec/s new-inputs coverage findings reproducer
	for r in "${rows[@]}"; do
		read -r n state secs execs rate added cov new first <<<"$r"
		if [[ $state == skip ]]; then
			printf '%-11s %s\n' "$n" "skipped: not built (no libFuzzer runtime: libclang-rt-14-dev)"
			continue
		fi
		printf '%-11s %8s %12s %9s %10s %9s %9s  %s\n' "$n" "$secs" "$execs" "$rate" "$added" "$cov" "$new" "$first"
	done
fi
[[ $found -eq 0 ]]
