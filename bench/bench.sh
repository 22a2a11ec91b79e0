#!/usr/bin/env bash
# make bench: start-up time and compute speed of hexo guests against native
# Linux processes, then the same on one emulated ARM64 board (hexo board),
# then migration (bench/migrate.sh), measured in one run. Prints the tables
# and writes build/bench/results.json. See docs/PERFORMANCE.md.
#
# usage: bench/bench.sh [--runs N] [--reps N] [--quick] [--only startup|compute|board|migrate|sched]
#   --runs N   start-to-exit runs per measurement (default 30)
#   --reps N   interleaved repetitions per kernel (default 7): native/hexo,
#              and on the board local/board; passed on to bench/migrate.sh
#              (but with --quick)
#   --quick    small sizes and few runs (a smoke test of the harness)
#   --only S   one section; the other sections of an existing results.json
#              are kept (with their own date), when jq is installed
# The board section (bench/board.sh) boots one board (named bb1, in a
# temporary HEXO_STATE; the kernel cache is shared) and powers it off at the
# end whatever happens.
# It is SKIPped, with the reason, when qemu-system-aarch64, the aarch64
# programs or the arm64 kernel cannot be had.
# The sched section is bench/sched.sh: the scheduler daemon's queue for a
# fixed time with the server alone and with a board (build/bench/sched.json);
# it also runs without /dev/kvm (--only sched: two boards).
# The migrate section is bench/migrate.sh (its --help): the overhead of the
# migration points, unwind/rewind time, checkpoint write/restore against dd
# and CRIU, migration latency here and to a board of its own (not with
# --quick). Its parts that cannot run here (no working criu, no board) are
# SKIPped; bench/criu.sh fetches Debian 13's criu when Debian 12's cannot run on
# this kernel.
# Environment: HEXO, HEXOCC (build/bin/...), NATIVE_CC (clang), BENCH_OUT
# (build/bench), HEXO_QEMU (qemu-system-aarch64), BENCH_BOARD_MEM (2G),
# CRIU (a criu command; default: bench/criu.sh's choice).
# Exit status: 0; 1 when a run fails, a kernel's checksum differs between
# the native and the hexo build or between the local and the board run, a
# migrated job's result differs, or the board fails to boot (targets missed
# are reported, not fatal).
set -euo pipefail
bench_who=bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$root/build/bench}
CFLAGS_BOTH=(-O2 -ffp-contract=off)

runs=30
reps=7
reps_given=0
quick=0
only=
all_args="$*"
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) runs=$2; shift ;;
	--reps) reps=$2; reps_given=1; shift ;;
	--quick) quick=1 ;;
	--only)
		only=$2
		case $only in startup | compute | board | migrate | sched) ;; *) echo "bench: --only takes startup, compute, board, migrate or sched" >&2; exit 2 ;; esac
		shift
		;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

# The kernels and their arguments: bench/lib.sh (on the board: bench/board.sh).
if [[ $quick -eq 1 ]]; then
	runs=5
	reps=2
fi
guest_mem=1G

if [[ $only == sched ]]; then
	BENCH_OUT=$out exec bench/sched.sh $([[ $quick -eq 1 ]] && echo --quick)
fi
bench_needs

mkdir -p "$out/bin" "$out/runs"
TIMER=$out/hexo-time
if [[ ! -x $TIMER || $root/bench/hexo-time.c -nt $TIMER ]]; then
	"$NATIVE_CC" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$TIMER" \
		bench/hexo-time.c -lm
fi

# ------------------------------------------------------------------ build --
build_both() { # build_both NAME SOURCE
	local log=$out/bin/$1.build.log
	"$HEXOCC" "${CFLAGS_BOTH[@]}" -o "$out/bin/$1.hexo" "$2" -lm >"$log" 2>&1 ||
		{ cat "$log" >&2; die "hexocc failed on $2"; }
	"$NATIVE_CC" "${CFLAGS_BOTH[@]}" -o "$out/bin/$1.native" "$2" -lm >>"$log" 2>&1 ||
		{ cat "$log" >&2; die "$NATIVE_CC failed on $2"; }
}
if [[ $only != migrate ]]; then # bench/migrate.sh builds its own
	echo "bench: building the guests and the native binaries (${CFLAGS_BOTH[*]})"
	build_both trivial bench/trivial/main.c
	build_both clockcheck bench/clockcheck/main.c
	for k in "${kernels[@]}"; do build_both "$k" "bench/kernels/$k.c"; done
fi

# ----------------------------------------------------------------- helpers --
# (and those of bench/lib.sh: stats, mmm, json_str, geomean, kernel_result)
# kv KEY LINE: the value of KEY=VALUE in LINE (hexo-time's output)
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

date_iso=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
ncpu=$(nproc)
kvm_mods=$( (ls /sys/module 2>/dev/null || true) | grep '^kvm' | paste -sd, -)
virt=$(grep -qw hypervisor /proc/cpuinfo && echo "yes (hypervisor CPUID flag: hexo guests are nested)" || echo "no (bare metal)")
echo "bench: $date_iso, $ncpu CPUs, $cpu, KVM modules: ${kvm_mods:-?}, host is a VM: $virt"

status=0
json_startup=null
json_compute=null
json_board=null
json_migrate=null

# ---------------------------------------------------------------- startup --
if [[ -z $only || $only == startup ]]; then
	echo "bench: start-to-exit, $runs runs each (plus 2 warm-up runs)"
	native_line=$("$TIMER" -n "$runs" -- "$out/bin/trivial.native")
	hexo_line=$("$TIMER" -n "$runs" -- "$HEXO" run "$out/bin/trivial.hexo")
	rm -rf "$out/runs/stats" && mkdir -p "$out/runs/stats"
	stats_line=$("$TIMER" -n "$runs" -e "$out/runs/stats" -- "$HEXO" run --stats "$out/bin/trivial.hexo")
	: >"$out/runs/boot.txt"
	: >"$out/runs/setup.txt"
	for f in "$out/runs/stats"/*.err; do
		sed -n 's/^ *guest boot to main() *\([0-9.]*\) ms$/\1/p' "$f" >>"$out/runs/boot.txt"
		sed -n 's/^ *monitor set-up (start to first run) *\([0-9.]*\) ms$/\1/p' "$f" >>"$out/runs/setup.txt"
	done
	# The guest clock: 1 s by the guest's CLOCK_MONOTONIC against the host's
	# wall time of the whole run, less the trivial guest's start-to-exit.
	spin=1
	[[ $quick -eq 1 ]] && spin=0.2
	ck_hexo=$("$TIMER" -n 5 -w 0 -- "$HEXO" run "$out/bin/clockcheck.hexo" "$spin")
	ck_native=$("$TIMER" -n 5 -w 0 -- "$out/bin/clockcheck.native" "$spin")
	"$HEXO" run "$out/bin/clockcheck.hexo" "$spin" >"$out/runs/clockcheck.out"
	nboot=$(wc -l <"$out/runs/boot.txt")
	read -r b_med b_min b_max < <(stats "$out/runs/boot.txt")
	read -r s_med s_min s_max < <(stats "$out/runs/setup.txt")
	h_med=$(kv median_ms "$hexo_line") h_min=$(kv min_ms "$hexo_line") h_max=$(kv max_ms "$hexo_line")
	n_med=$(kv median_ms "$native_line") n_min=$(kv min_ms "$native_line") n_max=$(kv max_ms "$native_line")
	st_med=$(kv median_ms "$stats_line")
	if [[ $nboot -ne $runs ]]; then
		echo "bench: warning: 'hexo run --stats' gave a boot-to-main time in $nboot of $runs runs" >&2
	fi
	verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "nan") print "n/a"; else print (v + 0 < t + 0) ? "met" : "MISSED" }'; }
	echo
	echo "Start-up: trivial guest (int main(void){return 0;}), $runs runs, ms"
	printf '| %-44s | %9s | %9s | %9s | %-16s |\n' "measurement" "median" "min" "max" "target"
	printf '|%s|%s|%s|%s|%s|\n' "----------------------------------------------" "-----------" "-----------" "-----------" "------------------"
	printf '| %-44s | %9.3f | %9.3f | %9.3f | %-16s |\n' "hexo run, start to exit (wall)" "$h_med" "$h_min" "$h_max" "< 5 ms: $(verdict "$h_med" 5)"
	printf '| %-44s | %9.3f | %9.3f | %9.3f | %-16s |\n' "guest boot to main() (hexo run --stats)" "$b_med" "$b_min" "$b_max" "< 0.2 ms: $(verdict "$b_med" 0.2)"
	printf '| %-44s | %9.3f | %9.3f | %9.3f | %-16s |\n' "monitor set-up, start to first KVM_RUN" "$s_med" "$s_min" "$s_max" ""
	printf '| %-44s | %9.3f | %9.3f | %9.3f | %-16s |\n' "native Linux process, start to exit (wall)" "$n_med" "$n_min" "$n_max" ""
	ck_h=$(kv median_ms "$ck_hexo") ck_n=$(kv median_ms "$ck_native")
	ck_err=$(awk -v w="$ck_h" -v s="$h_med" -v t="$spin" 'BEGIN { printf "%+.3f", ((w - s) / (t * 1000) - 1) * 100 }')
	ck_nerr=$(awk -v w="$ck_h" -v n="$ck_n" -v t="$spin" 'BEGIN { printf "%+.3f", (n / (t * 1000) - 1) * 100 }')
	echo
	echo "Guest clock check: $spin s by the guest's CLOCK_MONOTONIC took $ck_h ms of host wall time"
	echo "  (native: $ck_n ms); less the ${h_med} ms start-to-exit: guest clock error $ck_err % (native process: $ck_nerr % incl. its start-up)"
	echo "  guest: $(cat "$out/runs/clockcheck.out")"
	echo
	echo "Anchors (from the issue, not measured here):"
	echo "  Solo5 hvt: ~3 ms start-to-exit + 0.07 ms guest boot; Firecracker: ~3 ms; HEXO's kernel: 25 ms"
	awk -v h="$h_med" 'BEGIN { printf "  hexo here: %.3f ms = %.2fx Solo5 hvt, %.2fx Firecracker, %.3fx HEXO (25 ms)\n", h, h / 3, h / 3, h / 25 }'
	json_startup=$(
		cat <<EOF
{
    "runs": $runs,
    "hexo_start_to_exit_ms": {"median": $h_med, "min": $h_min, "max": $h_max},
    "hexo_start_to_exit_with_stats_median_ms": $st_med,
    "boot_to_main_ms": {"median": $b_med, "min": $b_min, "max": $b_max, "samples": $nboot},
    "monitor_setup_ms": {"median": $s_med, "min": $s_min, "max": $s_max},
    "native_process_ms": {"median": $n_med, "min": $n_min, "max": $n_max},
    "guest_clock_check": {"guest_seconds": $spin, "hexo_wall_ms": $ck_h, "native_wall_ms": $ck_n, "guest_clock_error_percent": $ck_err},
    "targets": {"start_to_exit_ms": 5, "boot_to_main_ms": 0.2},
    "anchors_ms": {"solo5_hvt_start_to_exit": 3, "solo5_hvt_guest_boot": 0.07, "firecracker": 3, "hexo_paper_kernel": 25}
  }
EOF
	)
fi

# ---------------------------------------------------------------- compute --
if [[ -z $only || $only == compute ]]; then
	echo
	echo "bench: compute kernels, $reps interleaved repetitions (native, hexo, native, hexo...)"
	job=$(mktemp -d "$out/runs/job.XXXXXX")
	declare -A csum_native csum_hexo desc
	for k in "${kernels[@]}"; do
		: >"$out/runs/$k.native.times"
		: >"$out/runs/$k.hexo.times"
	done
	run_kernel() { # run_kernel KERNEL native|hexo -> appends the time; sets csum
		local k=$1 how=$2 log=$out/runs/$1.$2.out args cmd
		if [[ $quick -eq 1 ]]; then read -ra args <<<"${kquick[$k]}"; else read -ra args <<<"${kargs[$k]}"; fi
		cmd=("$out/bin/$k.native")
		[[ $how == native ]] || cmd=("$HEXO" run --mem "$guest_mem" --dir "$job" "$out/bin/$k.hexo")
		run_logged -t 600 "$log" "${cmd[@]}" "${args[@]}"
		kernel_result "$log" "$out/runs/$k.$how.times" "$k ($how)"
		if [[ $how == native ]]; then
			csum_native[$k]=$k_sum desc[$k]=$k_what
		else
			csum_hexo[$k]=$k_sum
		fi
	}
	for ((r = 1; r <= reps; r++)); do
		for k in "${kernels[@]}"; do
			run_kernel "$k" native
			run_kernel "$k" hexo
			if [[ ${csum_native[$k]} != "${csum_hexo[$k]}" ]]; then
				echo "bench: CHECKSUM MISMATCH for $k: native '${csum_native[$k]}', hexo '${csum_hexo[$k]}'" >&2
				status=1
			fi
		done
		echo "  repetition $r/$reps done"
	done
	rm -rf "$job"
	echo
	echo "Compute: median of $reps runs each, seconds (timed inside the program; ratio = hexo / native)"
	printf '| %-9s | %-46s | %10s | %10s | %7s | %-8s |\n' kernel "what (native run)" native hexo ratio checksum
	printf '|%s|%s|%s|%s|%s|%s|\n' "-----------" "------------------------------------------------" "------------" "------------" "---------" "----------"
	json_k=()
	ratios=()
	for k in "${kernels[@]}"; do
		read -r nm nmin nmax < <(stats "$out/runs/$k.native.times")
		read -r hm hmin hmax < <(stats "$out/runs/$k.hexo.times")
		ratio=$(awk -v a="$hm" -v b="$nm" 'BEGIN { printf "%.4f", a / b }')
		ratios+=("$ratio")
		same=yes
		[[ ${csum_native[$k]} == "${csum_hexo[$k]}" ]] || same=NO
		printf '| %-9s | %-46s | %10.4f | %10.4f | %7.3f | %-8s |\n' "$k" "${desc[$k]}" "$nm" "$hm" "$ratio" "$same"
		json_k+=("$(printf '{"name": "%s", "what": %s, "native_s": {"median": %s, "min": %s, "max": %s}, "hexo_s": {"median": %s, "min": %s, "max": %s}, "ratio": %s, "checksum": %s, "checksum_match": %s}' \
			"$k" "$(json_str "${desc[$k]}")" "$nm" "$nmin" "$nmax" "$hm" "$hmin" "$hmax" "$ratio" \
			"$(json_str "${csum_native[$k]}")" "$([[ $same == yes ]] && echo true || echo false)")")
	done
	geo=$(printf '%s\n' "${ratios[@]}" | geomean)
	printf '| %-9s | %-46s | %10s | %10s | %7.3f | %-8s |\n' "geomean" "" "" "" "$geo" ""
	echo "target: ratio <= 1.02 per kernel: $(printf '%s\n' "${ratios[@]}" | awk '$1 > 1.02 { n++ } END { print (n ? n " kernel(s) MISSED" : "met") }')"
	json_compute=$(
		printf '{\n    "reps": %d,\n    "flags": "%s",\n    "guest_mem": "%s",\n    "kernels": [\n      %s\n    ],\n    "geomean_ratio": %s,\n    "target_ratio": 1.02\n  }' \
			"$reps" "${CFLAGS_BOTH[*]}" "$guest_mem" "$(IFS=$'\n'; printf '%s' "${json_k[*]}" | sed '2,$s/^/      /' | sed '$!s/$/,/')" "$geo"
	)
fi

# ------------------------------------------------------------------ board --
# shellcheck source=bench/board.sh
source "$root/bench/board.sh"
if [[ -z $only || $only == board ]]; then
	board_bench
fi

# ---------------------------------------------------------------- migrate --
if [[ -z $only || $only == migrate ]]; then
	margs=(--json "$out/migrate.json")
	[[ $quick -eq 1 ]] && margs+=(--quick)
	[[ $reps_given -eq 1 && $quick -eq 0 ]] && margs+=(--reps "$reps")
	rm -f "$out/migrate.json"
	st=0
	BENCH_OUT=$out HEXO=$HEXO HEXOCC=$HEXOCC NATIVE_CC=$NATIVE_CC "$root/bench/migrate.sh" "${margs[@]}" || st=$?
	if [[ $st -ne 0 ]]; then
		echo "bench: migrate: failed (exit $st)" >&2
		status=1
	fi
	if [[ -s $out/migrate.json ]]; then
		json_migrate=$(cat "$out/migrate.json")
	else
		json_migrate=$(printf '{"error": "bench/migrate.sh exited with status %d and wrote no results"}' "$st")
	fi
fi

# JSON numbers: no leading "+", and null for a measurement that gave none.
results=$out/results.json
sed -E 's/: \+([0-9])/: \1/g; s/: (-?nan|)([,}])/: null\2/g' >"$results.new" <<EOF
{
  "date": "$date_iso",
  "command": "make bench",
  "args": $(json_str "$all_args"),
  "quick": $([[ $quick -eq 1 ]] && echo true || echo false),
  "machine": {"nproc": $ncpu, "cpu": $(json_str "$cpu"), "kvm_modules": $(json_str "$kvm_mods"), "host_is_vm": $(json_str "$virt"), "kernel": $(json_str "$(uname -r)")},
  "startup": $json_startup,
  "compute": $json_compute,
  "board": $json_board,
  "migrate": $json_migrate
}
EOF
if [[ -z $only ]]; then
	BENCH_OUT=$out bench/sched.sh $([[ $quick -eq 1 ]] && echo --quick) || status=1
fi
# --only: the sections not measured now come from the previous results.json,
# each marked with the date (and --quick) of the run that measured it.
if [[ -n $only && -f $results ]]; then
	if command -v jq >/dev/null && jq -e . "$results" >/dev/null 2>&1; then
		jq -s '.[0] as $old | .[1] | reduce ("startup", "compute", "board", "migrate") as $k (.;
			if .[$k] == null and $old[$k] != null
			then .[$k] = ({"date": $old.date, "quick": $old.quick} + $old[$k]) else . end)' \
			"$results" "$results.new" >"$results.merged"
		mv "$results.merged" "$results.new"
		echo "bench: the sections other than '$only' are kept from the previous results.json"
	else
		echo "bench: note: without jq the sections other than '$only' are null in results.json"
	fi
fi
mv "$results.new" "$results"
echo
echo "bench: results written to ${results#"$root"/}"
if [[ $status -ne 0 ]]; then echo "bench: FAILED (a run failed or checksums differ: see above)" >&2; fi
exit $status
