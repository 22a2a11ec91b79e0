#!/usr/bin/env bash
# The scheduler's payoff, measured: `hexo sched` runs an endless queue of
# jobs for a fixed time, first with the server alone, then with the server
# and one emulated board as its node, in one run. Prints jobs completed in
# each setup and their ratio, the migrations, and the estimator's error
# (estimated against measured slowdown of every offloaded job that
# finished), as a table, and writes them to BENCH_OUT/sched.json.
#
# usage: bench/sched.sh [--duration SECONDS] [--quick]
#   --duration S  how long each setup runs (default 180)
#   --quick       60 s per setup, smaller jobs
# The jobs are tests/sched/jobs/work.c (--migration-points=auto), two
# kinds in turn: "compute" (integer hashing: slows down little on a board)
# and "memory" (scattered passes over 16 MiB: slows down more). The queue
# is kept at least 2 jobs long. A job counts when it ended, with status 0
# and the output of an unmoved run, within the setup's time.
#
# The server is this host with --cores 1 when /dev/kvm works; else an
# emulated board of its own (--cores 0 --server): then server and node run
# at the same speed, the node is a second server in all but name, and the
# ratio says what the scheduler's moves cost, not what a slower board buys.
# Environment: HEXO, HEXOCC, BENCH_OUT (build/bench).
set -euo pipefail
bench_who=bench-sched
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh"
out=${BENCH_OUT:-$root/build/bench}
duration=180
rounds_c=1200
rounds_m=24
while [[ $# -gt 0 ]]; do
	case $1 in
	--duration) duration=$2; shift ;;
	--quick) duration=60; rounds_c=400; rounds_m=8 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
	shift
done
[[ -x $HEXO && -x $HEXOCC ]] || die "build/bin/hexo or hexocc not found: run 'make all'"
why=$(board_missing) && { echo "SKIP: sched: $why"; exit 0; }
mkdir -p "$out"
W=$(mktemp -d /tmp/hexo-bench-sched.XXXXXX)
export HEXO_STATE=$W/state HEXO_SCHED=$W/sched.sock
mkdir -p "$HEXO_STATE"
DPID=
cleanup() {
	[[ -z $DPID ]] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true; }
	for b in bsS bsN; do "$HEXO" board down --name "$b" >/dev/null 2>&1 || true; done
	board_kill_qemu "$HEXO_STATE"
	rm -rf "$W"
}
trap cleanup EXIT

IMG=$W/work.hexo
"$HEXOCC" --migration-points=auto -O2 -o "$IMG" tests/sched/jobs/work.c
boot() {
	echo "bench-sched: booting board $1" >&2
	"$HEXO" board up --name "$1" --mem 1G >"$W/up.out" 2>"$W/up.err" ||
		die "board up $1: $(tail -1 "$W/up.err")"
}
if [[ -r /dev/kvm && -w /dev/kvm ]]; then
	server=local
	base=(--cores 1)
else
	server=bsS
	boot bsS
	base=(--cores 0 --server bsS)
fi

# The references: each kind once, unmoved, on the server.
ref() { # ref KIND ROUNDS
	mkdir -p "$W/ref"
	if [[ $server == local ]]; then
		(cd "$W/ref" && "$HEXO" run "$IMG" "$1" "$2")
	else
		(cd "$W/ref" && "$HEXO" run --on "$server" "$IMG" "$1" "$2")
	fi
}
ref compute "$rounds_c" >"$W/ref-compute"
ref memory "$rounds_m" >"$W/ref-memory"

# run_setup NAME UP SCHED_ARGS...: the queue for $duration seconds once UP
# machines are up; sets done_n, moves, backs (NAME/errors: the estimator's
# estimate and measurement, one offloaded job a line)
run_setup() {
	local name=$1 up=$2 t0 t_end n=0 kind rounds
	shift 2
	rm -rf "$W/$name"
	mkdir -p "$W/$name"
	"$HEXO" sched "$@" --idle 5 --state "$W/$name/state" >"$W/$name/daemon.log" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		"$HEXO" sched status --json >"$W/$name/st.json" 2>/dev/null &&
			python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); sys.exit(0 if sum(m["up"] for m in d["machines"]) >= int(sys.argv[2]) else 1)' \
				"$W/$name/st.json" "$up" && break
		sleep 0.3
	done
	t0=$(date +%s.%N)
	t_end=$(awk -v t="$t0" -v d="$duration" 'BEGIN { printf "%.3f", t + d }')
	echo "bench-sched: $name: ${duration} s of queue" >&2
	while awk -v e="$t_end" -v n="$(date +%s.%N)" 'BEGIN { exit !(n < e) }'; do
		while [[ $("$HEXO" jobs --json | python3 -c 'import json,sys
print(sum(j["state"] == "queued" for j in json.load(sys.stdin)["jobs"]))') -lt 2 ]]; do
			n=$((n + 1))
			if ((n % 2)); then kind=compute rounds=$rounds_c; else kind=memory rounds=$rounds_m; fi
			mkdir -p "$W/$name/j$n"
			"$HEXO" submit --dir "$W/$name/j$n" "$IMG" "$kind" "$rounds" >/dev/null
		done
		sleep 1
	done
	"$HEXO" jobs --json >"$W/$name/jobs.json"
	"$HEXO" sched status --json >"$W/$name/status.json"
	kill "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=
	read -r done_n moves backs bad < <(python3 - "$W/$name" "$t_end" "$W" <<'EOF'
import json, sys, filecmp, os
d, t_end, w = sys.argv[1], float(sys.argv[2]), sys.argv[3]
jobs = json.load(open(d + "/jobs.json"))["jobs"]
st = json.load(open(d + "/status.json"))
done = bad = 0
with open(d + "/errors", "w") as f:
    for j in jobs:
        if j["state"] != "done" or j["ended"] is None or j["ended"] > t_end:
            continue
        kind = j["argv"][1]
        same = filecmp.cmp(j["output"], "%s/ref-%s" % (w, kind), shallow=False)
        if j["exit_status"] != 0 or not same:
            bad += 1
            continue
        done += 1
        if j.get("measured_slowdown") and j.get("offload_estimate"):
            f.write("%s %.4f %.4f\n" % (kind, j["offload_estimate"], j["measured_slowdown"]))
print(done, st["offloads"], st["bring_backs"], bad)
EOF
	)
	[[ $bad -eq 0 ]] || die "$name: $bad job(s) ended with a wrong status or output"
	echo "bench-sched: $name: $done_n jobs completed, $moves offloads, $backs bring-backs" >&2
}

run_setup alone 1 "${base[@]}"
alone=$done_n
boot bsN
run_setup board 2 "${base[@]}" --node bsN
with=$done_n
ratio=$(awk -v a="$alone" -v b="$with" 'BEGIN { printf "%.3f", a ? b / a : 0 }')
read -r err_mean err_n < <(awk '{ e = $2 - $3; if (e < 0) e = -e; s += e / $3; n++ }
	END { if (n) printf "%.3f %d\n", s / n, n; else print "null 0" }' "$W/board/errors")

printf '\n%-28s %10s %14s\n' "scheduler, ${duration} s each" "server" "server+board"
printf '%-28s %10s %14s\n' "jobs completed" "$alone" "$with"
printf '%-28s %10s %14s\n' "ratio" "1.000" "$ratio"
printf '%-28s %10s %14s\n' "offloads / bring-backs" "-" "$moves / $backs"
printf '%-28s %10s %14s\n' "estimator error (mean, n)" "-" "$err_mean ($err_n)"
echo "server: $server; node: board bsN (1 CPU); jobs: work compute $rounds_c and work memory $rounds_m in turn"
cat >"$out/sched.json" <<EOF
{"date": "$(date -u +%FT%TZ)", "duration_s": $duration, "server": "$server",
 "jobs": {"compute_rounds": $rounds_c, "memory_rounds": $rounds_m},
 "server_alone": {"jobs_completed": $alone},
 "server_and_board": {"jobs_completed": $with, "offloads": $moves, "bring_backs": $backs,
   "estimator_relative_error_mean": $err_mean, "estimator_samples": $err_n},
 "ratio": $ratio}
EOF
echo "bench-sched: wrote $out/sched.json" >&2
