#!/usr/bin/env bash
# make bench: start-up time and compute speed of hexo guests against native
# Linux processes, then the same on one emulated ARM64 board (hexo board),
# then migration (bench/migrate.sh), measured in one run. Prints the tables
# and writes build/bench/results.json. See docs/PERFORMANCE.md.
#
# usage: bench/bench.sh [--runs N] [--reps N] [--quick] [--only startup|compute|board|migrate]
#   --runs N   start-to-exit runs per measurement (default 30)
#   --reps N   interleaved repetitions per kernel (default 7): native/hexo,
#              and on the board local/board; passed on to bench/migrate.sh
#              (but with --quick)
#   --quick    small sizes and few runs (a smoke test of the harness)
#   --only S   one section; the other sections of an existing results.json
#              are kept (with their own date), when jq is installed
# The board section boots one board (named bb1, in a temporary HEXO_STATE;
# the kernel cache is shared) and powers it off at the end whatever happens.
# It is SKIPped, with the reason, when qemu-system-aarch64, the aarch64
# programs or the arm64 kernel cannot be had.
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

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
HEXO=${HEXO:-$root/build/bin/hexo}
HEXOCC=${HEXOCC:-$root/build/bin/hexocc}
NATIVE_CC=${NATIVE_CC:-clang}
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
		case $only in startup | compute | board | migrate) ;; *) echo "bench: --only takes startup, compute, board or migrate" >&2; exit 2 ;; esac
		shift
		;;
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
# On the board (QEMU TCG: 3-50x slower than the host, depending on the
# kernel), smaller sizes, run both locally and on the board: ~1-2 s each there.
declare -A kboard=([dgemm]="512" [triad]="4194304 10" [chase]="8388608 1000000"
	[intsort]="2097152" [sieve]="50000000 1")
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
if [[ $only != migrate ]]; then # bench/migrate.sh builds its own
	echo "bench: building the guests and the native binaries (${CFLAGS_BOTH[*]})"
	build_both trivial bench/trivial/main.c
	build_both clockcheck bench/clockcheck/main.c
	for k in "${kernels[@]}"; do build_both "$k" "bench/kernels/$k.c"; done
fi

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

# ------------------------------------------------------------------ board --
# One emulated ARM64 board (docs/board.md): its boot and power-off, the
# trivial guest's start-to-exit through `hexo run --on`, and each compute
# kernel run locally and on the board, interleaved: the same image, the same
# arguments, so the checksums must be equal and the ratio compares like with
# like.
board_name=bb1
board_mem=${BENCH_BOARD_MEM:-2G}
board_console=$out/runs/board-console.log
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh"
now_s() { date +%s.%N; }
# stats_ms DIR LABEL: the LABEL row's milliseconds in each DIR/*.err
# (hexo run --stats output), one a line
stats_ms() {
	local f
	for f in "$1"/*.err; do
		sed -n "s/^ *$2 *\\([0-9.]*\\) ms\$/\\1/p" "$f"
	done
}
mmm() { printf '{"median": %s, "min": %s, "max": %s}' "$1" "$2" "$3"; }

board_bench() {
	local qemu=${HEXO_QEMU:-qemu-system-aarch64} skip
	skip=$(board_missing) || skip=
	echo
	if [[ -n $skip ]]; then
		echo "bench: board: SKIP: $skip"
		json_board=$(printf '{"skipped": %s}' "$(json_str "$skip")")
		return 0
	fi

	local up_out=$out/runs/board-up.out up_err=$out/runs/board-up.err t0 t1 st=0
	echo "bench: board: booting $board_name (${board_mem}, 1 CPU; $("$qemu" --version | head -n1))"
	t0=$(now_s)
	board_up hexo-bench-board "$up_out" "$up_err" || st=$?
	t1=$(now_s)
	if [[ $st -ne 0 ]]; then
		if board_no_kernel "$up_err"; then
			skip="the arm64 kernel cannot be had: $(tail -n1 "$up_err")"
			echo "bench: board: SKIP: $skip"
			json_board=$(printf '{"skipped": %s}' "$(json_str "$skip")")
		else
			cat "$up_err" >&2
			echo "bench: board: hexo board up failed (exit $st)" >&2
			json_board=$(printf '{"error": %s}' "$(json_str "hexo board up failed: $(tail -n1 "$up_err")")")
			status=1
		fi
		board_stop
		return 0
	fi
	local up_line ready up_s console g_init g_ready kernel
	up_line=$(cat "$up_out")
	ready=$(sed -n 's/.*ready in \([0-9.]*\) s.*/\1/p' "$up_out")
	up_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	console=$board_state/boards/$board_name/console.log
	g_init=$(tr -d '\r' <"$console" | sed -n 's/^hexo-init: \[ *\([0-9.]*\)\] starting.*/\1/p' | head -n1)
	g_ready=$(tr -d '\r' <"$console" | sed -n 's/^hexo-init: \[ *\([0-9.]*\)\] ready: .*/\1/p' | head -n1)
	kernel=$(sed -n 's/^kernel=//p' "$board_state/boards/$board_name/board.conf")
	echo "  $up_line"

	# The trivial guest: N runs through the agent, N locally, both with --stats.
	local empty bdir=$out/runs/board-stats ldir=$out/runs/local-stats bt_line lt_line
	empty=$(mktemp -d "$out/runs/empty.XXXXXX") # the job directory: nothing to send
	rm -rf "$bdir" "$ldir"
	mkdir -p "$bdir" "$ldir"
	echo "bench: board: trivial guest, $runs runs with 'hexo run --on $board_name --stats' (plus 2 warm-up runs), $runs locally"
	bt_line=$("$TIMER" -n "$runs" -e "$bdir" -- "$HEXO" run --on "$board_name" --dir "$empty" --stats "$out/bin/trivial.hexo" </dev/null)
	lt_line=$("$TIMER" -n "$runs" -e "$ldir" -- "$HEXO" run --dir "$empty" --stats "$out/bin/trivial.hexo" </dev/null)
	local where label f
	for where in board local; do
		f=$bdir
		[[ $where == local ]] && f=$ldir
		stats_ms "$f" "total wall time" >"$out/runs/$where-total.txt"
		stats_ms "$f" "monitor set-up (start to first run)" >"$out/runs/$where-setup.txt"
		stats_ms "$f" "guest boot to main()" >"$out/runs/$where-boot.txt"
		for label in total setup boot; do
			if [[ $(wc -l <"$out/runs/$where-$label.txt") -ne $runs ]]; then
				echo "bench: board: warning: $where --stats gave '$label' in $(wc -l <"$out/runs/$where-$label.txt") of $runs runs" >&2
			fi
		done
	done
	local bw_med bw_min bw_max lw_med lw_min lw_max
	bw_med=$(kv median_ms "$bt_line") bw_min=$(kv min_ms "$bt_line") bw_max=$(kv max_ms "$bt_line")
	lw_med=$(kv median_ms "$lt_line") lw_min=$(kv min_ms "$lt_line") lw_max=$(kv max_ms "$lt_line")
	local bT bTmin bTmax bS bSmin bSmax bB bBmin bBmax lT lTmin lTmax lS lSmin lSmax lB lBmin lBmax
	read -r bT bTmin bTmax < <(stats "$out/runs/board-total.txt")
	read -r bS bSmin bSmax < <(stats "$out/runs/board-setup.txt")
	read -r bB bBmin bBmax < <(stats "$out/runs/board-boot.txt")
	read -r lT lTmin lTmax < <(stats "$out/runs/local-total.txt")
	read -r lS lSmin lSmax < <(stats "$out/runs/local-setup.txt")
	read -r lB lBmin lBmax < <(stats "$out/runs/local-boot.txt")

	# The guest clock on the board (the kernels time themselves with it):
	# spins of S1 and S2 seconds of guest time against the host's wall time
	# of those runs; the difference cancels the run's fixed costs.
	local s1=1 s2=3 ck1 ck2 ck_err
	[[ $quick -eq 1 ]] && s1=0.5 s2=1.5
	ck1=$("$TIMER" -n 3 -w 1 -- "$HEXO" run --on "$board_name" --dir "$empty" "$out/bin/clockcheck.hexo" "$s1" </dev/null)
	ck2=$("$TIMER" -n 3 -w 0 -- "$HEXO" run --on "$board_name" --dir "$empty" "$out/bin/clockcheck.hexo" "$s2" </dev/null)
	ck1=$(kv median_ms "$ck1") ck2=$(kv median_ms "$ck2")
	ck_err=$(awk -v a="$ck1" -v b="$ck2" -v s="$s1" -v t="$s2" 'BEGIN { printf "%+.3f", ((b - a) / ((t - s) * 1000) - 1) * 100 }')

	# The kernels, local and board interleaved.
	local r k how log a args c tm
	local -A csum_l csum_b what_l what_b match
	for k in "${kernels[@]}"; do
		: >"$out/runs/$k.local.times"
		: >"$out/runs/$k.board.times"
		match[$k]=yes
	done
	echo "bench: board: compute kernels, $reps interleaved repetitions (local, board, local, board...)"
	for ((r = 1; r <= reps; r++)); do
		for k in "${kernels[@]}"; do
			if [[ $quick -eq 1 ]]; then a=${kquick[$k]}; else a=${kboard[$k]}; fi
			read -ra args <<<"$a"
			for how in local board; do
				log=$out/runs/$k.$how.out
				st=0
				if [[ $how == local ]]; then
					timeout 600 "$HEXO" run --mem "$guest_mem" --dir "$empty" "$out/bin/$k.hexo" "${args[@]}" </dev/null >"$log" 2>&1 || st=$?
				else
					timeout 900 "$HEXO" run --on "$board_name" --mem "$guest_mem" --dir "$empty" "$out/bin/$k.hexo" "${args[@]}" </dev/null >"$log" 2>&1 || st=$?
				fi
				if [[ $st -ne 0 ]]; then
					cat "$log" >&2
					die "$k ($how, ${args[*]}) exited with status $st"
				fi
				tm=$(sed -n 's/^time: //p' "$log")
				c=$(sed -n 's/^checksum: //p' "$log")
				[[ -n $tm && -n $c ]] || { cat "$log" >&2; die "$k ($how): no time/checksum lines"; }
				echo "$tm" >>"$out/runs/$k.$how.times"
				if [[ $how == local ]]; then
					csum_l[$k]=$c
					what_l[$k]=$(sed -n 's/^kernel: //p' "$log")
				else
					csum_b[$k]=$c
					what_b[$k]=$(sed -n 's/^kernel: //p' "$log")
				fi
			done
			if [[ ${csum_l[$k]} != "${csum_b[$k]}" ]]; then
				echo "bench: board: CHECKSUM MISMATCH for $k: local (x86-64) '${csum_l[$k]}', board (aarch64) '${csum_b[$k]}'" >&2
				match[$k]=NO
				status=1
			fi
		done
		echo "  repetition $r/$reps done"
	done
	rm -rf "$empty"

	# Power off.
	local down_s down_rep down_err=$out/runs/board-down.err
	st=0
	t0=$(now_s)
	"$HEXO" board down --name "$board_name" </dev/null >"$out/runs/board-down.out" 2>"$down_err" || st=$?
	t1=$(now_s)
	board_is_up=0
	if [[ $st -ne 0 ]]; then
		cat "$down_err" >&2
		echo "bench: board: hexo board down failed (exit $st)" >&2
		status=1
	fi
	down_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	down_rep=$(sed -n 's/.*stopped in \([0-9.]*\) s.*/\1/p' "$out/runs/board-down.out")
	board_stop
	trap - EXIT

	# Tables.
	echo
	echo "Board: $board_name, $board_mem, 1 CPU, $kernel, $("$qemu" --version | head -n1 | sed 's/ (.*//')"
	printf '| %-62s | %8s |\n' "measurement" "s"
	printf '|%s|%s|\n' "----------------------------------------------------------------" "----------"
	printf '| %-62s | %8s |\n' "boot to ready: QEMU start to the agent's PONG (as 'up' says)" "$ready"
	printf '| %-62s | %8s |\n' "  of which: guest kernel start to /init (guest uptime)" "$g_init"
	printf '| %-62s | %8s |\n' "  of which: guest kernel start to agent listening" "$g_ready"
	printf '| %-62s | %8.3f |\n' "whole 'hexo board up' command (apt look-ups, initramfs, boot)" "$up_s"
	printf '| %-62s | %8.3f |\n' "whole 'hexo board down' command" "$down_s"
	printf '| %-62s | %8s |\n' "  power-off as 'down' says (button to QEMU's exit)" "$down_rep"
	echo
	echo "Trivial guest on the board ('hexo run --on $board_name --stats'), $runs runs, ms; local: the same image with 'hexo run --stats'"
	printf '| %-50s | %9s | %9s | %9s | %9s | %11s |\n' "measurement" "median" "min" "max" "local med" "board/local"
	printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------------------------------" "-----------" "-----------" "-----------" "-----------" "-------------"
	row() { # row LABEL MED MIN MAX LOCAL_MED
		printf '| %-50s | %9.3f | %9.3f | %9.3f | %9.3f | %10.1fx |\n' "$1" "$2" "$3" "$4" "$5" \
			"$(awk -v a="$2" -v b="$5" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	}
	row "host wall: start to exit (upload, agent, result)" "$bw_med" "$bw_min" "$bw_max" "$lw_med"
	row "monitor: start to exit (--stats total wall time)" "$bT" "$bTmin" "$bTmax" "$lT"
	row "monitor: set-up, start to first KVM_RUN" "$bS" "$bSmin" "$bSmax" "$lS"
	row "guest: boot to main()" "$bB" "$bBmin" "$bBmax" "$lB"
	echo
	echo "Guest clock on the board: spins of $s1 s and $s2 s by the guest's CLOCK_MONOTONIC took $ck1 and $ck2 ms"
	echo "  of host wall time (medians of 3): guest clock error $ck_err % over the difference"
	echo
	echo "Board slowdown: median of $reps runs each, seconds (timed inside the program; the same image and sizes local and on the board)"
	printf '| %-9s | %-46s | %9s | %9s | %8s | %-8s |\n' kernel "what" "local s" "board s" slowdown checksum
	printf '|%s|%s|%s|%s|%s|%s|\n' "-----------" "------------------------------------------------" "-----------" "-----------" "----------" "----------"
	local lm lmin lmax bm bmin bmax ratio geo json_k=() ratios=()
	for k in "${kernels[@]}"; do
		read -r lm lmin lmax < <(stats "$out/runs/$k.local.times")
		read -r bm bmin bmax < <(stats "$out/runs/$k.board.times")
		ratio=$(awk -v a="$bm" -v b="$lm" 'BEGIN { printf "%.2f", a / b }')
		ratios+=("$ratio")
		printf '| %-9s | %-46s | %9.4f | %9.4f | %7.1fx | %-8s |\n' "$k" "${what_b[$k]%% (*}" "$lm" "$bm" "$ratio" \
			"$([[ ${match[$k]} == yes ]] && echo equal || echo DIFFER)"
		json_k+=("$(printf '{"name": "%s", "args": "%s", "what": %s, "last_run_local": %s, "last_run_board": %s, "local_s": %s, "board_s": %s, "slowdown": %s, "checksum": %s, "checksum_match": %s}' \
			"$k" "$([[ $quick -eq 1 ]] && echo "${kquick[$k]}" || echo "${kboard[$k]}")" \
			"$(json_str "${what_b[$k]%% (*}")" "$(json_str "${what_l[$k]}")" "$(json_str "${what_b[$k]}")" \
			"$(mmm "$lm" "$lmin" "$lmax")" "$(mmm "$bm" "$bmin" "$bmax")" "$ratio" \
			"$(json_str "${csum_b[$k]}")" "$([[ ${match[$k]} == yes ]] && echo true || echo false)")")
	done
	geo=$(printf '%s\n' "${ratios[@]}" | awk '{ s += log($1) } END { printf "%.2f", exp(s / NR) }')
	printf '| %-9s | %-46s | %9s | %9s | %7.1fx | %-8s |\n' "geomean" "" "" "" "$geo" ""
	for ((r = 0; r < ${#kernels[@]}; r++)); do echo "${ratios[r]} ${kernels[r]}"; done | sort -g |
		awk 'NR == 1 { lo = $2 " " $1 } { hi = $2 " " $1 } END { printf "slowdown from %sx (lowest) to %sx (highest)\n", lo, hi }'
	echo "(QEMU TCG emulates every aarch64 instruction on the host's x86-64: the slowdown is the emulator's, per kind of work, not an ARM CPU's)"

	json_board=$(
		cat <<EOF
{
    "name": "$board_name",
    "mem": "$board_mem",
    "cpus": 1,
    "qemu": $(json_str "$("$qemu" --version | head -n1)"),
    "kernel": $(json_str "$kernel"),
    "up_line": $(json_str "$up_line"),
    "boot_to_ready_s": $ready,
    "guest_uptime_at_init_s": $g_init,
    "guest_uptime_at_agent_listening_s": $g_ready,
    "up_command_s": $up_s,
    "down_command_s": $down_s,
    "down_reported_s": $down_rep,
    "trivial": {
      "runs": $runs,
      "host_wall_ms": $(mmm "$bw_med" "$bw_min" "$bw_max"),
      "monitor_start_to_exit_ms": $(mmm "$bT" "$bTmin" "$bTmax"),
      "monitor_setup_ms": $(mmm "$bS" "$bSmin" "$bSmax"),
      "boot_to_main_ms": $(mmm "$bB" "$bBmin" "$bBmax"),
      "local": {"host_wall_ms": $(mmm "$lw_med" "$lw_min" "$lw_max"), "monitor_start_to_exit_ms": $(mmm "$lT" "$lTmin" "$lTmax"), "monitor_setup_ms": $(mmm "$lS" "$lSmin" "$lSmax"), "boot_to_main_ms": $(mmm "$lB" "$lBmin" "$lBmax")}
    },
    "guest_clock_check": {"guest_seconds": [$s1, $s2], "board_wall_ms": [$ck1, $ck2], "guest_clock_error_percent": $ck_err},
    "compute": {
      "reps": $reps,
      "guest_mem": "$guest_mem",
      "kernels": [
        $(IFS=$'\n'; printf '%s' "${json_k[*]}" | sed '2,$s/^/        /' | sed '$!s/$/,/')
      ],
      "geomean_slowdown": $geo
    }
  }
EOF
	)
}
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
