# shellcheck shell=bash
# The board section of bench/bench.sh (`bench/bench.sh --only board`),
# sourced by it: board_bench measures one emulated ARM64 board (docs/board.md,
# bench/board-lib.sh): its boot and power-off, the trivial guest's
# start-to-exit through `hexo run --on`, and each compute kernel run locally
# and on the board, interleaved: the same image, the same arguments, so the
# checksums must be equal and the ratio compares like with like. It prints
# its tables and sets json_board; status=1 when something failed. It uses
# bench/bench.sh's settings (out, runs, reps, quick, guest_mem, TIMER, the
# images in $out/bin) and bench/lib.sh's helpers.
# On the board (QEMU TCG: 3-50x slower than the host, depending on the
# kernel), smaller sizes, run both locally and on the board: ~1-2 s each there.
declare -A kboard=([dgemm]="512" [triad]="4194304 10" [chase]="8388608 1000000"
	[intsort]="2097152" [sieve]="50000000 1")
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
	local r k log a args
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
			log=$out/runs/$k.local.out
			run_logged -t 600 "$log" "$HEXO" run --mem "$guest_mem" --dir "$empty" "$out/bin/$k.hexo" "${args[@]}"
			kernel_result "$log" "$out/runs/$k.local.times" "$k (local)"
			csum_l[$k]=$k_sum what_l[$k]=$k_what
			log=$out/runs/$k.board.out
			run_logged "$log" "$HEXO" run --on "$board_name" --mem "$guest_mem" --dir "$empty" "$out/bin/$k.hexo" "${args[@]}"
			kernel_result "$log" "$out/runs/$k.board.times" "$k (board)"
			csum_b[$k]=$k_sum what_b[$k]=$k_what
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
