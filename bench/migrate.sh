#!/usr/bin/env bash
# The migration benchmarks (issue #5): `bench/bench.sh --only migrate`,
# and part of a whole `make bench`. Four measurements, each side by side in
# one run with interleaved repetitions; prints the tables on stdout and
# writes the section's JSON (results.json's "migrate") to --json FILE.
# See docs/PERFORMANCE.md, "Migration".
#
# usage: bench/migrate.sh [--reps N] [--quick] [--json FILE] [--part P]...
#   --reps N   interleaved repetitions of the overhead and unwind parts
#              (default 7); the size and latency parts make at most 5, the
#              board at most 3
#   --quick    small sizes and 2 repetitions (a smoke test): no board, no
#              depth 1000, checkpoints of 4 and 16 MiB
#   --json F   where the JSON goes (default $BENCH_OUT/migrate.json)
#   --part P   only overhead, unwind, size or latency (repeatable)
# Parts:
#   overhead  each kernel of bench/kernels built with hexocc (instrumented:
#             the BENCH_POINT() points), with --no-migration and with
#             --migration-points=auto, run under hexo run, interleaved; the
#             ratios to --no-migration and their geometric means; the
#             checksums must agree
#   unwind    bench/migrate/deep.c (a recursion DEPTH deep to a point) run
#             with --checkpoint-every: the last unwind and rewind from
#             --stats, then `hexo resume --stats` of its checkpoint (rewind
#             after a restore); outputs must equal an undisturbed run's
#   size      bench/migrate/fill.c (N MiB of non-zero data, then a point):
#             hexo run --migrate-after 0 (write time from --stats), hexo
#             resume --stats (restore time), dd conv=fsync of the same size
#             into the same folder, and CRIU (criu dump / criu restore of
#             the same program built natively; bench/criu.sh finds a criu
#             that works on this kernel), times and sizes on disk
#   latency   fill.c stopped with --migrate-after while at its point: the
#             request to the checkpoint renamed into place (--stats); then,
#             on one emulated ARM64 board (booted here, powered off at the
#             end whatever happens), `hexo resume --on` until the job's
#             first output and its exit
# A part that cannot run here prints "bench: migrate: SKIP: <reason>" (criu
# missing or not working, qemu-system-aarch64 or the arm64 kernel missing).
# Environment: HEXO, HEXOCC (build/bin/...), NATIVE_CC (clang), BENCH_OUT
# (build/bench), CRIU (a criu command; default: what bench/criu.sh finds:
# the installed criu if it works on this kernel, else Debian 13's), HEXO_QEMU (qemu-system-aarch64),
# BENCH_BOARD_MEM (2G).
# Exit status: 0; 1 when a run fails or outputs, checksums or a resumed
# job's result differ (targets missed are reported, not fatal); 2 on a
# usage error.
set -euo pipefail
bench_who="bench: migrate"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CRIU=${CRIU:-} # empty: bench/criu.sh finds one
out=${BENCH_OUT:-$root/build/bench}
mkdir -p "$out"
out=$(cd "$out" && pwd)
json_file=
reps=
quick=0
parts=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--reps) reps=$2; shift ;;
	--quick) quick=1 ;;
	--json) json_file=$2; shift ;;
	--part)
		case $2 in overhead | unwind | size | latency) parts+=("$2") ;;
		*) echo "bench: migrate: --part takes overhead, unwind, size or latency" >&2; exit 2 ;;
		esac
		shift
		;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: migrate: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ ${#parts[@]} -gt 0 ]] || parts=(overhead unwind size latency)
json_file=${json_file:-$out/migrate.json}
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }

# Repetitions: overhead and unwind R, size and latency min(R, 5), board min(R, 3).
if [[ -n $reps ]]; then
	r_main=$reps
elif [[ $quick -eq 1 ]]; then
	r_main=2
else
	r_main=7
fi
r_size=$((r_main < 5 ? r_main : 5))
r_board=$((r_main < 3 ? r_main : 3))

# The kernels (bench/lib.sh) with the sizes of bench/bench.sh's compute section.
variants=(nomig mig auto) # --no-migration, default (instrumented), --migration-points=auto
depths=(1 100 1000)
sizes=(10 100 1024) # MiB
lat_sizes=(10 256)
lat_after=1.5 # s: --migrate-after, when fill.c is at its point
if [[ $quick -eq 1 ]]; then
	depths=(1 100)
	sizes=(4 16)
	lat_sizes=(4 16)
	lat_after=0.5
fi
CFLAGS=(-O2 -ffp-contract=off)
guest_mem=1G

bench_needs

bin=$out/bin/migrate
runs=$out/runs/migrate
mkdir -p "$bin" "$runs"
status=0
fail() { echo "bench: migrate: $*" >&2; status=1; }

# ----------------------------------------------------------------- helpers --
# (and those of bench/lib.sh: stats, mmm, json_str, geomean, run_logged)
mmm_of() { local a b c; read -r a b c < <(stats "$1"); mmm "$a" "$b" "$c"; }
med_of() { stats "$1" | cut -d' ' -f1; }
# row FILE LABEL UNIT: the number of a `--stats` row ("  LABEL   12.345 UNIT")
row() { sed -n "s/^ *$2 *\\([0-9.]*\\) $3\$/\\1/p" "$1" | tail -n1; }
# ms between two $EPOCHREALTIME values
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
build_hexo() { # build_hexo OUT SOURCE [hexocc flags...]
	local o=$1 src=$2
	shift 2
	"$HEXOCC" "${CFLAGS[@]}" -std=c11 -Wall -Wextra -Werror "$@" -o "$o" "$src" -lm \
		>"$o.build.log" 2>&1 || { cat "$o.build.log" >&2; die "hexocc failed on $src"; }
}

json_overhead=null json_unwind=null json_size=null json_latency=null

# --------------------------------------------------------------- overhead --
overhead() {
	echo
	echo "bench: migrate: steady-state overhead, $r_main interleaved repetitions (no-migration, instrumented, auto)"
	local k v r log args job
	local -A csum what
	for k in "${kernels[@]}"; do
		build_hexo "$bin/$k.nomig.hexo" "bench/kernels/$k.c" --no-migration
		build_hexo "$bin/$k.mig.hexo" "bench/kernels/$k.c"
		build_hexo "$bin/$k.auto.hexo" "bench/kernels/$k.c" --migration-points=auto
		for v in "${variants[@]}"; do : >"$runs/$k.$v.times"; done
	done
	job=$(mktemp -d "$runs/job.XXXXXX")
	for ((r = 1; r <= r_main; r++)); do
		for k in "${kernels[@]}"; do
			if [[ $quick -eq 1 ]]; then read -ra args <<<"${kquick[$k]}"; else read -ra args <<<"${kargs[$k]}"; fi
			for v in "${variants[@]}"; do
				log=$runs/$k.$v.out
				run_logged "$log" "$HEXO" run --mem "$guest_mem" --dir "$job" "$bin/$k.$v.hexo" "${args[@]}"
				kernel_result "$log" "$runs/$k.$v.times" "$k ($v)"
				what[$k]=$k_what
				if [[ $v == nomig ]]; then
					csum[$k]=$k_sum
				elif [[ $k_sum != "${csum[$k]}" ]]; then
					fail "CHECKSUM MISMATCH for $k: --no-migration '${csum[$k]}', $v '$k_sum'"
					csum[$k.bad]=1
				fi
			done
		done
		echo "  repetition $r/$r_main done"
	done
	rm -rf "$job"

	echo
	echo "Steady-state overhead of the migration points: median of $r_main runs each, seconds (timed inside the program);"
	echo "ratio = build / --no-migration build; 'instrumented' is hexocc's default (the BENCH_POINT() points), 'auto' adds --migration-points=auto"
	printf '| %-9s | %-36s | %9s | %12s | %7s | %9s | %7s | %-8s |\n' kernel what "no-mig s" "instrumented" ratio "auto s" ratio checksums
	printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-----------" "--------------------------------------" "-----------" "--------------" "---------" "-----------" "---------" "----------"
	local n m a nmin nmax mmin mmax amin amax rm ra same json_k=() rms=() ras=()
	for k in "${kernels[@]}"; do
		read -r n nmin nmax < <(stats "$runs/$k.nomig.times")
		read -r m mmin mmax < <(stats "$runs/$k.mig.times")
		read -r a amin amax < <(stats "$runs/$k.auto.times")
		rm=$(ratio "$m" "$n") ra=$(ratio "$a" "$n")
		rms+=("$rm") ras+=("$ra")
		same=equal
		[[ -z ${csum[$k.bad]:-} ]] || same=DIFFER
		printf '| %-9s | %-36s | %9.4f | %12.4f | %7.3f | %9.4f | %7.3f | %-8s |\n' "$k" "${what[$k]%% (*}" "$n" "$m" "$rm" "$a" "$ra" "$same"
		json_k+=("$(printf '{"name": "%s", "what": %s, "no_migration_s": %s, "instrumented_s": %s, "auto_s": %s, "ratio_instrumented": %s, "ratio_auto": %s, "checksum": %s, "checksums_match": %s}' \
			"$k" "$(json_str "${what[$k]}")" "$(mmm "$n" "$nmin" "$nmax")" "$(mmm "$m" "$mmin" "$mmax")" \
			"$(mmm "$a" "$amin" "$amax")" "$rm" "$ra" "$(json_str "${csum[$k]}")" \
			"$([[ $same == equal ]] && echo true || echo false)")")
	done
	local gm ga
	gm=$(printf '%s\n' "${rms[@]}" | geomean)
	ga=$(printf '%s\n' "${ras[@]}" | geomean)
	printf '| %-9s | %-36s | %9s | %12s | %7.3f | %9s | %7.3f | %-8s |\n' geomean "" "" "" "$gm" "" "$ga" ""
	awk -v g="$gm" -v a="$ga" 'BEGIN { printf "target: geomean < 1.02 (Unifico < 1.06, Wanco 1.36): instrumented %s, auto %s\n",
		(g < 1.02 ? "met" : "MISSED"), (a < 1.02 ? "met" : "MISSED") }'
	json_overhead=$(printf '{"reps": %d, "flags": "%s", "guest_mem": "%s", "kernels": [%s], "geomean_instrumented": %s, "geomean_auto": %s, "target_geomean": 1.02, "anchors": {"unifico": 1.06, "wanco": 1.36}}' \
		"$r_main" "${CFLAGS[*]}" "$guest_mem" "$(IFS=,; echo "${json_k[*]}")" "$gm" "$ga")
}

# ----------------------------------------------------------------- unwind --
unwind() {
	local secs=0.6 every=0.1 d r dir ck log
	[[ $quick -eq 1 ]] && secs=0.3
	echo
	echo "bench: migrate: unwind and rewind, depths ${depths[*]}, $r_main interleaved repetitions"
	build_hexo "$bin/deep.hexo" bench/migrate/deep.c
	dir=$(mktemp -d "$runs/deep.XXXXXX")
	for d in "${depths[@]}"; do
		"$HEXO" run --dir "$dir" "$bin/deep.hexo" "$d" 0.01 >"$runs/deep.$d.ref" </dev/null ||
			die "deep.hexo $d exited with status $?"
		: >"$runs/deep.$d.unwind"
		: >"$runs/deep.$d.rewind"
		: >"$runs/deep.$d.sum"
		: >"$runs/deep.$d.write"
		: >"$runs/deep.$d.nckpt"
		: >"$runs/deep.$d.restore_rewind"
		: >"$runs/deep.$d.restore"
	done
	local u w n rr rs
	for ((r = 1; r <= r_main; r++)); do
		for d in "${depths[@]}"; do
			ck=$runs/deep.$d.ckpt
			rm -f "$ck"
			log=$runs/deep.$d.run
			run_logged "$log" "$HEXO" run --dir "$dir" --stats --checkpoint "$ck" --checkpoint-every "$every" \
				"$bin/deep.hexo" "$d" "$secs"
			grep -v '^ \|^hexo: stats' "$log" | cmp -s - "$runs/deep.$d.ref" ||
				fail "deep $d: the output with --checkpoint-every differs from an undisturbed run's ($log)"
			u=$(row "$log" "unwind (last): point to root" us)
			rr=$(row "$log" "rewind (last): root to point" us)
			w=$(row "$log" "time writing them (all)" ms)
			n=$(sed -n 's/^ *checkpoints written *\([0-9]*\)$/\1/p' "$log")
			if [[ -z $u || -z $rr || -z $n || ! -s $ck ]]; then
				fail "deep $d: no checkpoint, or no unwind/rewind rows in --stats ($log)"
				continue
			fi
			echo "$u" >>"$runs/deep.$d.unwind"
			echo "$rr" >>"$runs/deep.$d.rewind"
			awk -v a="$u" -v b="$rr" 'BEGIN { print a + b }' >>"$runs/deep.$d.sum"
			awk -v a="$w" -v b="$n" 'BEGIN { print a / b }' >>"$runs/deep.$d.write"
			echo "$n" >>"$runs/deep.$d.nckpt"
			# The last checkpoint, resumed: the rewind after a restore.
			log=$runs/deep.$d.resume
			run_logged "$log" "$HEXO" resume --dir "$dir" --stats "$ck"
			grep -v '^ \|^hexo: stats' "$log" | cmp -s - "$runs/deep.$d.ref" ||
				fail "deep $d: the resumed job's output differs from an undisturbed run's ($log)"
			rs=$(row "$log" "rewind (last): root to point" us)
			[[ -n $rs ]] || { fail "deep $d: no rewind row in 'hexo resume --stats' ($log)"; continue; }
			echo "$rs" >>"$runs/deep.$d.restore_rewind"
			row "$log" "restore: verify, image, load" ms >>"$runs/deep.$d.restore"
		done
		echo "  repetition $r/$r_main done"
	done
	rm -rf "$dir"
	local records
	echo
	echo "Unwind and rewind: deep.c, DEPTH frames of 4 live locals down to a point; 'hexo run --checkpoint-every $every --stats'"
	echo "(the last of its checkpoints: unwind = point to the root's checkpoint call, rewind = back to the point, the write between),"
	echo "then 'hexo resume --stats' of that checkpoint; medians of $r_main runs [min-max], guest clock"
	printf '| %5s | %7s | %-22s | %-22s | %-22s | %11s | %-22s | %10s |\n' depth records "unwind us" "rewind us" "unwind + rewind us" "write ms" "rewind after restore us" "restore ms"
	printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-------" "---------" "------------------------" "------------------------" "------------------------" "-------------" "------------------------" "------------"
	local json_d=() f a b c x
	mmr() { read -r a b c < <(stats "$1"); printf '%.2f [%.2f-%.2f]' "$a" "$b" "$c"; }
	for d in "${depths[@]}"; do
		records=$((d + 2)) # frame() x DEPTH, bottom(), main()
		printf '| %5d | %7d | %-22s | %-22s | %-22s | %11.3f | %-22s | %10.3f |\n' "$d" "$records" \
			"$(mmr "$runs/deep.$d.unwind")" "$(mmr "$runs/deep.$d.rewind")" "$(mmr "$runs/deep.$d.sum")" \
			"$(med_of "$runs/deep.$d.write")" "$(mmr "$runs/deep.$d.restore_rewind")" "$(med_of "$runs/deep.$d.restore")"
		json_d+=("$(printf '{"depth": %d, "records": %d, "unwind_us": %s, "rewind_us": %s, "unwind_plus_rewind_us": %s, "write_ms": %s, "checkpoints_per_run": %s, "rewind_after_restore_us": %s, "restore_ms": %s}' \
			"$d" "$records" "$(mmm_of "$runs/deep.$d.unwind")" "$(mmm_of "$runs/deep.$d.rewind")" \
			"$(mmm_of "$runs/deep.$d.sum")" "$(mmm_of "$runs/deep.$d.write")" "$(med_of "$runs/deep.$d.nckpt")" \
			"$(mmm_of "$runs/deep.$d.restore_rewind")" "$(mmm_of "$runs/deep.$d.restore")")")
	done
	x=$(med_of "$runs/deep.100.sum")
	awk -v s="$x" 'BEGIN { printf "target: unwind + rewind of 100 frames < 50 us (HEXO: up to 2000 us): %s (%.2f us)\n", (s < 50 ? "met" : "MISSED"), s }'
	json_unwind=$(printf '{"reps": %d, "checkpoint_every_s": %s, "run_s": %s, "depths": [%s], "target_us_depth_100": 50, "anchor_hexo_us": 2000}' \
		"$r_main" "$every" "$secs" "$(IFS=,; echo "${json_d[*]}")")
}

# ------------------------------------------------------------------- size --
criu_pid= criu_holder=
criu_kill() {
	if [[ -n $criu_pid ]] && kill -0 "$criu_pid" 2>/dev/null; then
		kill -KILL "$criu_pid" 2>/dev/null || true
	fi
	if [[ -n $criu_holder ]]; then
		wait "$criu_holder" 2>/dev/null || true
	fi
	criu_pid= criu_holder=
}
# wait_for FILE PATTERN SECONDS: FILE has a line matching PATTERN
wait_for() {
	local i
	for ((i = 0; i < $3 * 100; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}
# wait_gone PID SECONDS: the process has ended (a zombie counts: a restored
# process is not this shell's child, whoever reaps it)
wait_gone() {
	local i
	for ((i = 0; i < $2 * 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		[[ $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) != Z ]] || return 0
		sleep 0.01
	done
	return 1
}

# criu_once MIB DIR: one dump and restore of fill.native; appends to the
# criu.* files; returns 1 with the reason in $criu_skip when CRIU fails
criu_skip=
criu_once() {
	local mib=$1 d=$2 t0 t1 t2 t3 t4 logd=$runs/criu.$1
	rm -rf "$d" && mkdir -p "$d"
	# A subshell holds it and reaps it, with its stderr (bash's notice of a
	# job killed by a signal: criu dump kills it) in the log, not here
	rm -f "$logd.pid"
	(
		setsid "$bin/fill.native" "$mib" >"$logd.out" 2>&1 </dev/null &
		echo $! >"$logd.pid"
		wait $!
	) 2>>"$logd.holder" &
	criu_holder=$!
	wait_for "$logd.pid" '^[0-9]' 10 || die "fill.native $mib did not start"
	criu_pid=$(cat "$logd.pid")
	wait_for "$logd.out" '^ready' 120 || { criu_kill; die "fill.native $mib did not reach its point"; }
	t0=$EPOCHREALTIME
	if ! "$CRIU" dump -t "$criu_pid" -D "$d" --shell-job -o dump.log >"$logd.dump.err" 2>&1; then
		criu_skip="criu dump failed: $(grep -h 'Error' "$d/dump.log" "$logd.dump.err" 2>/dev/null | sed 's/^([0-9. ]*) //' | awk '!seen[$0]++' | head -n 4 | paste -sd';' - | sed 's/;/; /g')"
		criu_kill
		return 1
	fi
	t1=$EPOCHREALTIME
	sync "$d"/* # the checkpoint writer fsyncs; criu does not
	t2=$EPOCHREALTIME
	# criu dump killed it: its holder reaps it (its pid must be free for
	# the restore)
	wait "$criu_holder" || true
	criu_pid= criu_holder=
	du -sb "$d" | cut -f1 >>"$runs/criu.$mib.bytes"
	t3=$EPOCHREALTIME
	if ! "$CRIU" restore -D "$d" --shell-job -d --pidfile "$d/restored.pid" -o restore.log >"$logd.restore.err" 2>&1; then
		criu_skip="criu restore failed: $(grep -h 'Error' "$d/restore.log" "$logd.restore.err" 2>/dev/null | sed 's/^([0-9. ]*) //' | awk '!seen[$0]++' | head -n 4 | paste -sd';' - | sed 's/;/; /g')"
		return 1
	fi
	t4=$EPOCHREALTIME
	criu_pid=$(cat "$d/restored.pid")
	kill -USR1 "$criu_pid"
	wait_gone "$criu_pid" 120 || { criu_kill; fail "the restored fill.native $mib did not finish"; }
	criu_pid=
	ms "$t0" "$t1" >>"$runs/criu.$mib.dump"
	ms "$t0" "$t2" >>"$runs/criu.$mib.dumpsync"
	ms "$t3" "$t4" >>"$runs/criu.$mib.restore"
	[[ $(sed -n 's/.*checksum: //p' "$logd.out") == "$(cat "$runs/fill.$mib.csum")" ]] ||
		fail "CRIU: the restored native fill $mib printed '$(tail -n1 "$logd.out")', expected checksum $(cat "$runs/fill.$mib.csum")"
	rm -rf "$d"
	return 0
}

size() {
	echo
	echo "bench: migrate: checkpoint write and restore vs size (${sizes[*]} MiB), $r_size interleaved repetitions (hexo, dd, CRIU)"
	build_hexo "$bin/fill.hexo" bench/migrate/fill.c -I include
	"$NATIVE_CC" "${CFLAGS[@]}" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$bin/fill.native" bench/migrate/fill.c \
		>"$bin/fill.native.build.log" 2>&1 || { cat "$bin/fill.native.build.log" >&2; die "$NATIVE_CC failed on fill.c"; }
	local criu_ok=1 criu_ver=
	criu_skip=
	local criu st=0
	criu=$(CRIU=$CRIU bench/criu.sh "$out/criu-debian13" 2>"$runs/criu.find.err") || st=$?
	cat "$runs/criu.find.err" >&2
	if [[ $st -eq 0 ]]; then
		CRIU=$criu
		criu_ver=$("$CRIU" --version 2>/dev/null | sed -n 's/^Version: //p')
	else
		criu_ok=0 criu_skip="no working criu: $(tail -n 1 "$runs/criu.find.err" | sed 's/^bench: criu: //')"
	fi
	trap criu_kill EXIT
	local s r dir log mem ck t0 t1 csum f
	dir=$(mktemp -d "$runs/size.XXXXXX")
	for s in "${sizes[@]}"; do
		mem=$((s + 512))M
		# The reference checksum: an undisturbed run.
		run_logged "$runs/fill.$s.ref" "$HEXO" run --mem "$mem" --dir "$dir" "$bin/fill.hexo" "$s" 0
		sed -n 's/.*checksum: //p' "$runs/fill.$s.ref" >"$runs/fill.$s.csum"
		for f in write scan pwrite sync latency bytes restore resume dd; do : >"$runs/hexo.$s.$f"; done
		for f in dump dumpsync restore bytes; do : >"$runs/criu.$s.$f"; done
	done
	for ((r = 1; r <= r_size; r++)); do
		for s in "${sizes[@]}"; do
			mem=$((s + 512))M
			ck=$dir/fill.ckpt
			rm -f "$ck"
			# hexo: stop at the point (the request is there from the start)
			log=$runs/fill.$s.run
			run_logged "$log" "$HEXO" run --mem "$mem" --dir "$dir" --stats --checkpoint "$ck" --migrate-after 0 "$bin/fill.hexo" "$s" 0
			[[ -s $ck ]] || die "fill $s: no checkpoint ($log)"
			row "$log" "time writing them (all)" ms >>"$runs/hexo.$s.write"
			row "$log" "  last: scan and checksums" ms >>"$runs/hexo.$s.scan"
			row "$log" "  last: write" ms >>"$runs/hexo.$s.pwrite"
			row "$log" "  last: fsync and rename" ms >>"$runs/hexo.$s.sync"
			du -sb "$ck" | cut -f1 >>"$runs/hexo.$s.bytes"
			log=$runs/fill.$s.resume
			t0=$EPOCHREALTIME
			run_logged "$log" "$HEXO" resume --dir "$dir" --stats "$ck"
			t1=$EPOCHREALTIME
			row "$log" "restore: verify, image, load" ms >>"$runs/hexo.$s.restore"
			ms "$t0" "$t1" >>"$runs/hexo.$s.resume"
			csum=$(sed -n 's/.*checksum: //p' "$log")
			[[ $csum == "$(cat "$runs/fill.$s.csum")" ]] ||
				fail "fill $s: the resumed job's checksum '$csum' is not the undisturbed run's '$(cat "$runs/fill.$s.csum")'"
			rm -f "$ck"
			# dd: the same bytes, the same folder, fsync'd as the writer does
			t0=$EPOCHREALTIME
			dd if=/dev/zero of="$dir/dd.out" bs=1M count="$s" conv=fsync status=none
			t1=$EPOCHREALTIME
			ms "$t0" "$t1" >>"$runs/hexo.$s.dd"
			rm -f "$dir/dd.out"
			# CRIU: the same program built natively, dumped at its point
			if [[ $criu_ok -eq 1 ]] && ! criu_once "$s" "$dir/criu"; then
				criu_ok=0 # the reason is printed with the tables
			fi
		done
		echo "  repetition $r/$r_size done"
	done
	trap - EXIT
	rm -rf "$dir"

	echo
	echo "Checkpoint write and restore vs size: fill.c, N MiB of non-zero pseudo-random data; medians of $r_size runs, ms"
	echo "(hexo write = the whole HEXO_HC_CHECKPOINT: scan + checksums, pwritev, fsync + rename + folder fsync; hexo restore = 'hexo resume --stats'"
	echo " verify + image + load, the file in the page cache as after its write; dd = 'dd if=/dev/zero bs=1M count=N conv=fsync' into the same folder)"
	printf '| %5s | %10s | %9s | %8s | %8s | %8s | %9s | %9s | %9s | %9s |\n' MiB "file MiB" "write ms" "scan" pwritev fsync "write MB/s" "dd ms" "dd MB/s" "restore ms"
	printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-------" "------------" "-----------" "----------" "----------" "----------" "------------" "-----------" "-----------" "------------"
	local json_s=() w dd fb
	for s in "${sizes[@]}"; do
		w=$(med_of "$runs/hexo.$s.write") dd=$(med_of "$runs/hexo.$s.dd") fb=$(med_of "$runs/hexo.$s.bytes")
		printf '| %5d | %10.1f | %9.1f | %8.1f | %8.1f | %8.1f | %10.0f | %9.1f | %9.0f | %10.1f |\n' "$s" \
			"$(awk -v b="$fb" 'BEGIN { print b / 1048576 }')" "$w" "$(med_of "$runs/hexo.$s.scan")" \
			"$(med_of "$runs/hexo.$s.pwrite")" "$(med_of "$runs/hexo.$s.sync")" \
			"$(awk -v b="$fb" -v t="$w" 'BEGIN { print b / 1e6 / (t / 1000) }')" "$dd" \
			"$(awk -v s="$s" -v t="$dd" 'BEGIN { print s * 1048576 / 1e6 / (t / 1000) }')" "$(med_of "$runs/hexo.$s.restore")"
	done
	echo
	local have_criu=0
	[[ $criu_ok -eq 1 && -s $runs/criu.${sizes[0]}.dump ]] && have_criu=1
	if [[ $have_criu -eq 1 ]]; then
		echo "hexo against CRIU $criu_ver (the same program built natively with $NATIVE_CC, 'criu dump -t PID -D DIR --shell-job', 'criu restore -d');"
		echo "criu does not fsync its images: 'dump + fsync' adds 'sync' of its files. Medians, ms; sizes from du -sb"
		printf '| %5s | %9s | %9s | %9s | %13s | %9s | %9s | %9s | %9s | %9s |\n' MiB "hexo ms" "criu ms" "+fsync ms" "criu/hexo" "hexo MiB" "criu MiB" "size c/h" "hexo rst" "criu rst"
		printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-------" "-----------" "-----------" "-----------" "---------------" "-----------" "-----------" "-----------" "-----------" "-----------"
		for s in "${sizes[@]}"; do
			w=$(med_of "$runs/hexo.$s.write")
			printf '| %5d | %9.1f | %9.1f | %9.1f | %12.2fx | %9.1f | %9.1f | %8.2fx | %9.1f | %9.1f |\n' "$s" "$w" \
				"$(med_of "$runs/criu.$s.dump")" "$(med_of "$runs/criu.$s.dumpsync")" \
				"$(ratio "$(med_of "$runs/criu.$s.dumpsync")" "$w")" \
				"$(awk -v b="$(med_of "$runs/hexo.$s.bytes")" 'BEGIN { print b / 1048576 }')" \
				"$(awk -v b="$(med_of "$runs/criu.$s.bytes")" 'BEGIN { print b / 1048576 }')" \
				"$(ratio "$(med_of "$runs/criu.$s.bytes")" "$(med_of "$runs/hexo.$s.bytes")")" \
				"$(med_of "$runs/hexo.$s.restore")" "$(med_of "$runs/criu.$s.restore")"
		done
		local last=${sizes[-1]} sp sz
		sp=$(ratio "$(med_of "$runs/criu.$last.dumpsync")" "$(med_of "$runs/hexo.$last.write")")
		sz=$(ratio "$(med_of "$runs/criu.$last.bytes")" "$(med_of "$runs/hexo.$last.bytes")")
		printf "target: hexo at least 2x faster and smaller than CRIU (at %s MiB): faster %s (%.2fx), smaller %s (%.2fx)\n" "$last" "$(awk -v r="$sp" 'BEGIN { print (r >= 2 ? "met" : "MISSED") }')" "$sp" "$(awk -v r="$sz" 'BEGIN { print (r >= 2 ? "met" : "MISSED") }')" "$sz"
	else
		[[ -n $criu_skip ]] || criu_skip="no CRIU measurement"
		echo "bench: migrate: CRIU: SKIP: $criu_skip"
	fi
	for s in "${sizes[@]}"; do
		local cj=null
		if [[ $have_criu -eq 1 ]]; then
			cj=$(printf '{"dump_ms": %s, "dump_fsync_ms": %s, "restore_ms": %s, "bytes": %s}' \
				"$(mmm_of "$runs/criu.$s.dump")" "$(mmm_of "$runs/criu.$s.dumpsync")" \
				"$(mmm_of "$runs/criu.$s.restore")" "$(med_of "$runs/criu.$s.bytes")")
		fi
		json_s+=("$(printf '{"mib": %d, "file_bytes": %s, "write_ms": %s, "scan_ms": %s, "pwritev_ms": %s, "fsync_rename_ms": %s, "restore_ms": %s, "resume_command_ms": %s, "dd_fsync_ms": %s, "criu": %s}' \
			"$s" "$(med_of "$runs/hexo.$s.bytes")" "$(mmm_of "$runs/hexo.$s.write")" "$(mmm_of "$runs/hexo.$s.scan")" \
			"$(mmm_of "$runs/hexo.$s.pwrite")" "$(mmm_of "$runs/hexo.$s.sync")" "$(mmm_of "$runs/hexo.$s.restore")" \
			"$(mmm_of "$runs/hexo.$s.resume")" "$(mmm_of "$runs/hexo.$s.dd")" "$cj")")
	done
	json_size=$(printf '{"reps": %d, "criu": %s, "sizes": [%s]}' "$r_size" \
		"$(if [[ $have_criu -eq 1 ]]; then json_str "$criu_ver"; else printf '{"skipped": %s}' "$(json_str "$criu_skip")"; fi)" \
		"$(IFS=,; echo "${json_s[*]}")")
}

# ---------------------------------------------------------------- latency --
board_name=bbm
board_mem=${BENCH_BOARD_MEM:-2G}
board_console=$runs/board-console.log
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh"
# board_start: boots the board; 0, or 1 with the reason in $board_skip
board_skip=
board_start() {
	local st=0 err=$runs/board-up.err
	board_skip=$(board_missing) && return 1
	board_skip=
	echo "bench: migrate: booting board $board_name (${board_mem}, 1 CPU)"
	board_up hexo-bench-migrate-board "$runs/board-up.out" "$err" || st=$?
	if [[ $st -ne 0 ]]; then
		board_stop
		if board_no_kernel "$err"; then
			board_skip="the arm64 kernel cannot be had: $(tail -n1 "$err")"
			return 1
		fi
		cat "$err" >&2
		fail "hexo board up failed (exit $st)"
		board_skip="hexo board up failed: $(tail -n1 "$err")"
		return 1
	fi
	echo "  $(cat "$runs/board-up.out")"
	return 0
}

latency() {
	echo
	echo "bench: migrate: migration latency (${lat_sizes[*]} MiB jobs, --migrate-after $lat_after), $r_size repetitions here"
	[[ -x $bin/fill.hexo ]] || build_hexo "$bin/fill.hexo" bench/migrate/fill.c -I include
	local s r dir ckdir log ck mem=512M l f
	dir=$(mktemp -d "$runs/lat.XXXXXX")    # the job directory (empty: nothing to upload)
	ckdir=$(mktemp -d "$runs/latck.XXXXXX") # the checkpoints
	for s in "${lat_sizes[@]}"; do
		run_logged "$runs/lat.$s.ref" "$HEXO" run --mem "$mem" --dir "$dir" "$bin/fill.hexo" "$s" 0
		sed -n 's/.*checksum: //p' "$runs/lat.$s.ref" >"$runs/lat.$s.csum"
		for f in local bfirst bexit e2e brestore brewind; do : >"$runs/lat.$s.$f"; done
	done
	# stop_here SIZE: stops fill.hexo at its point; sets $ck, $t_launch, $setup
	local t_launch setup
	stop_here() {
		ck=$ckdir/lat.$1.ckpt
		rm -f "$ck"
		log=$runs/lat.$1.run
		t_launch=$EPOCHREALTIME
		run_logged "$log" "$HEXO" run --mem "$mem" --dir "$dir" --stats --checkpoint "$ck" --migrate-after "$lat_after" \
			"$bin/fill.hexo" "$1" 60
		[[ -s $ck ]] || die "fill $1: no checkpoint ($log)"
		l=$(row "$log" "  last: request to checkpoint on disk" ms)
		[[ -n $l ]] || die "fill $1: no 'request to checkpoint on disk' row in --stats ($log)"
		echo "$l" >>"$runs/lat.$1.local"
		setup=$(row "$log" "monitor set-up (start to first run)" ms)
	}
	for ((r = 1; r <= r_size; r++)); do
		for s in "${lat_sizes[@]}"; do stop_here "$s"; done
		echo "  repetition $r/$r_size done"
	done

	# The board: checkpoint here, resume there.
	local board=0 t0 first t1 st out err csum
	board_skip=
	if [[ $quick -eq 1 ]]; then
		board_skip="--quick (the board runs in full mode only)"
	elif board_start; then
		board=1
		echo "bench: migrate: x86-64 -> board, $r_board repetitions per size"
		for ((r = 1; r <= r_board; r++)); do
			for s in "${lat_sizes[@]}"; do
				stop_here "$s"
				out=$runs/lat.$s.board.out err=$runs/lat.$s.board.err
				st=0
				t0=$EPOCHREALTIME
				{ timeout 900 "$HEXO" resume --on "$board_name" --dir "$dir" --stats "$ck" </dev/null 2>"$err" || echo "status $?"; } |
					while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$out"
				t1=$EPOCHREALTIME
				if grep -q '^[0-9.]* status ' "$out"; then
					cat "$err" >&2
					die "hexo resume --on $board_name (fill $s) failed: $(grep '^[0-9.]* status ' "$out" | cut -d' ' -f2-)"
				fi
				first=$(head -n1 "$out" | cut -d' ' -f1)
				csum=$(sed -n 's/.*checksum: //p' "$out")
				[[ $(head -n1 "$out" | cut -d' ' -f2-) == resumed ]] ||
					fail "fill $s on $board_name: first output '$(head -n1 "$out")', expected 'resumed'"
				[[ $csum == "$(cat "$runs/lat.$s.csum")" ]] ||
					fail "fill $s on $board_name: checksum '$csum', expected '$(cat "$runs/lat.$s.csum")' (as here)"
				ms "$t0" "$first" >>"$runs/lat.$s.bfirst"
				ms "$t0" "$t1" >>"$runs/lat.$s.bexit"
				# from the deadline (launch + monitor set-up + --migrate-after) to the first output there
				awk -v l="$t_launch" -v f="$first" -v s="$setup" -v a="$lat_after" \
					'BEGIN { printf "%.3f\n", (f - l) * 1000 - s - a * 1000 }' >>"$runs/lat.$s.e2e"
				row "$err" "restore: verify, image, load" ms >>"$runs/lat.$s.brestore"
				row "$err" "rewind (last): root to point" us >>"$runs/lat.$s.brewind"
				rm -f "$ck"
			done
			echo "  repetition $r/$r_board done"
		done
		board_stop
		trap - EXIT
	fi
	rm -rf "$dir" "$ckdir"

	echo
	echo "Migration latency: fill.c (N MiB heap, 512 MiB guest) stopped by --migrate-after $lat_after while at its point: the request"
	echo "(the timer firing) to the checkpoint renamed into place, from --stats; medians of $r_size runs [min-max], ms"
	printf '| %5s | %-28s |\n' MiB "request to checkpoint on disk"
	printf '|%s|%s|\n' "-------" "------------------------------"
	local a b c json_l=()
	for s in "${lat_sizes[@]}"; do
		read -r a b c < <(stats "$runs/lat.$s.local")
		printf '| %5d | %-28s |\n' "$s" "$(printf '%.1f [%.1f-%.1f]' "$a" "$b" "$c")"
	done
	if [[ $board -eq 1 ]]; then
		echo
		echo "x86-64 -> board ($board_name, aarch64 under QEMU TCG): the checkpoint above, then 'hexo resume --on $board_name --stats' (upload of"
		echo "image + checkpoint, restore there, output streamed back); end to end = the --migrate-after deadline to the job's first"
		echo "output line ('resumed') on this host. Medians of $r_board runs, ms (board restore/rewind: the board monitor's --stats)"
		printf '| %5s | %12s | %16s | %16s | %14s | %16s | %13s |\n' MiB "ckpt on disk" "resume: 1st out" "resume: exit" "end to end" "board restore ms" "board rewind us"
		printf '|%s|%s|%s|%s|%s|%s|%s|\n' "-------" "--------------" "------------------" "------------------" "----------------" "------------------" "---------------"
		for s in "${lat_sizes[@]}"; do
			printf '| %5d | %12.1f | %16.1f | %16.1f | %14.1f | %16.1f | %13.1f |\n' "$s" "$(med_of "$runs/lat.$s.local")" \
				"$(med_of "$runs/lat.$s.bfirst")" "$(med_of "$runs/lat.$s.bexit")" "$(med_of "$runs/lat.$s.e2e")" \
				"$(med_of "$runs/lat.$s.brestore")" "$(med_of "$runs/lat.$s.brewind")"
		done
	else
		echo "bench: migrate: board: SKIP: $board_skip"
	fi
	for s in "${lat_sizes[@]}"; do
		local bj=null
		if [[ $board -eq 1 ]]; then
			bj=$(printf '{"resume_first_output_ms": %s, "resume_exit_ms": %s, "end_to_end_ms": %s, "board_restore_ms": %s, "board_rewind_us": %s}' \
				"$(mmm_of "$runs/lat.$s.bfirst")" "$(mmm_of "$runs/lat.$s.bexit")" "$(mmm_of "$runs/lat.$s.e2e")" \
				"$(mmm_of "$runs/lat.$s.brestore")" "$(mmm_of "$runs/lat.$s.brewind")")
		fi
		json_l+=("$(printf '{"mib": %d, "request_to_disk_ms": %s, "to_board": %s}' "$s" "$(mmm_of "$runs/lat.$s.local")" "$bj")")
	done
	json_latency=$(printf '{"reps": %d, "board_reps": %d, "migrate_after_s": %s, "guest_mem": "%s", "board": %s, "sizes": [%s]}' \
		"$r_size" "$r_board" "$lat_after" "$mem" \
		"$(if [[ $board -eq 1 ]]; then json_str "$board_name"; else printf '{"skipped": %s}' "$(json_str "$board_skip")"; fi)" \
		"$(IFS=,; echo "${json_l[*]}")")
}

want overhead && overhead
want unwind && unwind
want size && size
want latency && latency

# JSON numbers: null for a measurement that gave none.
sed -E 's/: (-?nan|)([,}])/: null\2/g' >"$json_file" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "quick": $([[ $quick -eq 1 ]] && echo true || echo false), "overhead": $json_overhead, "unwind": $json_unwind, "size": $json_size, "latency": $json_latency}
EOF
if command -v jq >/dev/null && ! jq -e . "$json_file" >/dev/null; then
	fail "the JSON written to $json_file is not valid"
fi
[[ $status -eq 0 ]] || echo "bench: migrate: FAILED (see above)" >&2
exit $status
