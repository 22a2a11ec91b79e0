#!/usr/bin/env bash
# make bench: start-up time and compute speed of hexo guests against native
# Linux processes, measured in one run. Prints the tables and writes
# build/bench/results.json. See docs/PERFORMANCE.md.
#
# usage: scripts/bench.sh [--runs N] [--reps N] [--quick] [--only startup|compute]
#   --runs N   start-to-exit runs per measurement (default 30)
#   --reps N   interleaved native/hexo repetitions per kernel (default 7)
#   --quick    small sizes and few runs (a smoke test of the harness)
# Environment: HEXO, HEXOCC (build/bin/...), NATIVE_CC (clang), BENCH_OUT
# (build/bench).
# Exit status: 0; 1 when a run fails or a kernel's checksum differs between
# the native and the hexo build (targets missed are reported, not fatal).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
HEXO=${HEXO:-$root/build/bin/hexo}
HEXOCC=${HEXOCC:-$root/build/bin/hexocc}
NATIVE_CC=${NATIVE_CC:-clang}
out=${BENCH_OUT:-$root/build/bench}
CFLAGS_BOTH=(-O2 -ffp-contract=off)

runs=30
reps=7
quick=0
only=
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) runs=$2; shift ;;
	--reps) reps=$2; shift ;;
	--quick) quick=1 ;;
	--only) only=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

# kernel name, arguments (full size), arguments (--quick)
kernels=(dgemm triad chase intsort sieve)
declare -A kargs=([dgemm]="1024" [triad]="11534336 40" [chase]="33554432 5000000"
	[intsort]="8388608" [sieve]="200000000 1")
declare -A kquick=([dgemm]="256" [triad]="1048576 5" [chase]="1048576 200000"
	[intsort]="262144" [sieve]="2000000 1")
if [[ $quick -eq 1 ]]; then
	runs=5
	reps=2
fi
guest_mem=1G

die() { echo "bench: $*" >&2; exit 1; }
[[ -x $HEXO ]] || die "$HEXO not found: run 'make all'"
[[ -x $HEXOCC ]] || die "$HEXOCC not found: run 'make all'"
[[ -r /dev/kvm && -w /dev/kvm ]] || die "no usable /dev/kvm: cannot run guests"

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
echo "bench: building the guests and the native binaries (${CFLAGS_BOTH[*]})"
build_both trivial bench/trivial/main.c
build_both clockcheck bench/clockcheck/main.c
for k in "${kernels[@]}"; do build_both "$k" "bench/kernels/$k.c"; done

# ----------------------------------------------------------------- helpers --
# stats FILE -> "median min max" of the numbers in FILE (one per line)
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan nan nan"; exit }
		      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.6g %.6g %.6g\n", m, v[1], v[NR] }'
}
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
json_str() { printf '"%s"' "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1")"; }

date_iso=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
ncpu=$(nproc)
kvm_mods=$( (ls /sys/module 2>/dev/null || true) | grep '^kvm' | paste -sd, -)
virt=$(grep -qw hypervisor /proc/cpuinfo && echo "yes (hypervisor CPUID flag: hexo guests are nested)" || echo "no (bare metal)")
echo "bench: $date_iso, $ncpu CPUs, $cpu, KVM modules: ${kvm_mods:-?}, host is a VM: $virt"

status=0
json_startup=null
json_compute=null

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
		local k=$1 how=$2 log=$out/runs/$1.$2.out args
		if [[ $quick -eq 1 ]]; then read -ra args <<<"${kquick[$k]}"; else read -ra args <<<"${kargs[$k]}"; fi
		local st=0
		if [[ $how == native ]]; then
			timeout 600 "$out/bin/$k.native" "${args[@]}" >"$log" 2>&1 || st=$?
		else
			timeout 600 "$HEXO" run --mem "$guest_mem" --dir "$job" "$out/bin/$k.hexo" "${args[@]}" >"$log" 2>&1 || st=$?
		fi
		if [[ $st -ne 0 ]]; then
			cat "$log" >&2
			die "$k ($how) exited with status $st"
		fi
		local t c
		t=$(sed -n 's/^time: //p' "$log")
		c=$(sed -n 's/^checksum: //p' "$log")
		[[ -n $t && -n $c ]] || { cat "$log" >&2; die "$k ($how): no time/checksum lines"; }
		echo "$t" >>"$out/runs/$k.$how.times"
		if [[ $how == native ]]; then
			csum_native[$k]=$c
			desc[$k]=$(sed -n 's/^kernel: //p' "$log")
		else
			csum_hexo[$k]=$c
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
	geo=$(printf '%s\n' "${ratios[@]}" | awk '{ s += log($1) } END { printf "%.4f", exp(s / NR) }')
	printf '| %-9s | %-46s | %10s | %10s | %7.3f | %-8s |\n' "geomean" "" "" "" "$geo" ""
	echo "target: ratio <= 1.02 per kernel: $(printf '%s\n' "${ratios[@]}" | awk '$1 > 1.02 { n++ } END { print (n ? n " kernel(s) MISSED" : "met") }')"
	json_compute=$(
		printf '{\n    "reps": %d,\n    "flags": "%s",\n    "guest_mem": "%s",\n    "kernels": [\n      %s\n    ],\n    "geomean_ratio": %s,\n    "target_ratio": 1.02\n  }' \
			"$reps" "${CFLAGS_BOTH[*]}" "$guest_mem" "$(IFS=$'\n'; printf '%s' "${json_k[*]}" | sed '2,$s/^/      /' | sed '$!s/$/,/')" "$geo"
	)
fi

# JSON numbers: no leading "+", and null for a measurement that gave none.
sed -E 's/: \+([0-9])/: \1/g; s/: (-?nan|)([,}])/: null\2/g' >"$out/results.json" <<EOF
{
  "date": "$date_iso",
  "command": "make bench",
  "quick": $([[ $quick -eq 1 ]] && echo true || echo false),
  "machine": {"nproc": $ncpu, "cpu": $(json_str "$cpu"), "kvm_modules": $(json_str "$kvm_mods"), "host_is_vm": $(json_str "$virt"), "kernel": $(json_str "$(uname -r)")},
  "startup": $json_startup,
  "compute": $json_compute
}
EOF
echo
echo "bench: results written to ${out#"$root"/}/results.json"
if [[ $status -ne 0 ]]; then echo "bench: FAILED (checksum mismatch)" >&2; fi
exit $status
