#!/usr/bin/env bash
# The scheduler daemon end to end (docs/sched.md): `hexo sched` with a
# server and a node, `hexo submit`, `jobs`, `wait`, `cancel`, `sched status`
# and the metrics, on real jobs (tests/sched/jobs/work.c, built with
# --migration-points=auto). It checks that:
#  - a second job makes the daemon offload the first to the node at a
#    migration point, and bring it back once the queue has been empty for
#    --idle seconds;
#  - every job's output is byte-identical to a run that never moved;
#  - no machine ever has more jobs than cores (status sampled throughout);
#  - `hexo jobs --json` tells the story (machine, migrations, points,
#    estimates and their source, measured slowdown);
#  - `wait` exits with the job's status, `cancel` ends a running job;
#  - a daemon stopped (SIGTERM) or killed (SIGKILL) mid-job and started
#    again finishes the job with nothing lost or printed twice;
#  - a node killed under an offloaded job: the job ends on the server from
#    its checkpoint with identical output, and the node is marked down;
#  - bad requests are one line and status 125; the metrics pass promtool.
# With a usable /dev/kvm the server is this host (--cores 1) and the node
# one emulated board; without, the server is a second board (--cores 0
# --server A): the daemon and its policy are the same, only the ISAs differ.
# Prints "SKIP: <reason>" when no board can run. Ends with
# "N passed, N failed, N skipped".
set -uo pipefail
RESULT_PREFIX=sched-daemon/
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=bench/board-lib.sh
source "$root/bench/board-lib.sh" # board_missing, board_kill_qemu
make_tmp T hexo-sched-daemon
export HEXO_STATE=$T/state
mkdir -p "$HEXO_STATE"
SOCK=$T/sched.sock
export HEXO_SCHED=$SOCK
DLOG=$T/daemon.log
at_exit '! declare -F daemon_stop >/dev/null || daemon_stop KILL; board_kill_qemu "$HEXO_STATE"'

# --- requests refused without any daemon or board -----------------------------
# refused LABEL CMD...: status 125, one line on stderr starting "hexo: "
refused() {
	local label=$1 st=0
	shift
	"$@" >"$T/out" 2>"$T/err" || st=$?
	if [[ $st -eq 125 && $(wc -l <"$T/err") -eq 1 ]] && grep -q '^hexo: ' "$T/err"; then
		pass "$label: $(cat "$T/err")"
	else
		fail "$label" "status $st, stderr: $(head -3 "$T/err")"
	fi
}

IMG=$T/work.hexo
if ! "$HEXOCC" --migration-points=auto -O2 -o "$IMG" "$root/tests/sched/jobs/work.c" 2>"$T/cc.err"; then
	fail "hexocc work.c" "$(head -3 "$T/cc.err")"
	finish
fi
refused "submit with no daemon" "$HEXO" submit --sched "$T/none.sock" "$IMG"
refused "jobs with no daemon" "$HEXO" jobs --sched "$T/none.sock"
refused "wait: not a job id" "$HEXO" wait abc
refused "sched: no server at all" "$HEXO" sched --cores 0 --state "$T/s0"
refused "sched: --cores not a number" "$HEXO" sched --cores many
refused "sched: --server not a node name" "$HEXO" sched --cores 0 --server ../x
refused "sched: --server not a registered node" "$HEXO" sched --cores 0 --server nosuch --state "$T/s0"
if ! kvm_usable; then
	refused "sched --cores 1 on a host without /dev/kvm" "$HEXO" sched --cores 1 --state "$T/s0"
fi

if [[ ${HEXO_TEST_NO_BOARD:-0} == 1 ]]; then
	skip "the daemon with boards" "HEXO_TEST_NO_BOARD=1"
	finish
fi
why=$(board_missing) && {
	skip "the daemon with boards" "$why"
	finish
}

# --- the machines ----------------------------------------------------------------

boot() { # boot NAME: a board with 1 CPU and 1 GiB
	if ! "$HEXO" board up --name "$1" --mem 1G >"$T/up.out" 2>"$T/up.err"; then
		if board_no_kernel "$T/up.err"; then
			skip "the daemon with boards" "the arm64 kernel cannot be had: $(tail -1 "$T/up.err")"
		else
			fail "board up $1" "$(tail -2 "$T/up.err")"
		fi
		finish
	fi
}

NODE=sdn$$
if kvm_usable; then
	SERVER=local
	boot "$NODE"
	SCHED_ARGS=(--cores 1 --node "$NODE")
else
	SERVER=sds$$
	boot "$SERVER"
	boot "$NODE"
	SCHED_ARGS=(--cores 0 --server "$SERVER" --node "$NODE")
fi
pass "machines: server $SERVER, node $NODE"
refused "sched: --metrics with a bad port" "$HEXO" sched "${SCHED_ARGS[@]}" --state "$T/s1" \
	--socket "$T/s1.sock" --metrics 127.0.0.1:99999

PORT=$((20000 + RANDOM % 20000))
daemon_start() {
	"$HEXO" sched --state "$T/sched" --socket "$SOCK" --idle "${IDLE:-3}" \
		--metrics "127.0.0.1:$PORT" "${SCHED_ARGS[@]}" >>"$DLOG" 2>&1 &
	DPID=$!
	wait_until 10 test -S "$SOCK" && wait_until 20 machines_up
}
daemon_stop() { # daemon_stop SIGNAL
	[[ -n ${DPID:-} ]] || return 0
	kill -"$1" "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}
machines_up() { # the daemon has pinged its nodes
	"$HEXO" sched status --json >"$T/st.json" 2>/dev/null &&
		python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if all(m["up"] for m in d["machines"] if m["cores"] or m["role"]=="node") and
         sum(1 for m in d["machines"] if m["up"]) >= 2 else 1)' "$T/st.json"
}

if daemon_start; then
	pass "daemon up: $(grep -c . "$DLOG") log lines; status: $(tr -d '\n' <"$T/st.json" | head -c 300)"
else
	fail "daemon start" "$(tail -5 "$DLOG")"
	finish
fi

# The references: each job run once, unmoved, on the server's kind of machine.
reference() { # reference FILE ARGS...
	local out=$1
	shift
	mkdir -p "$T/ref"
	if [[ $SERVER == local ]]; then
		(cd "$T/ref" && "$HEXO" run "$IMG" "$@" >"$out" 2>&1)
	else
		(cd "$T/ref" && "$HEXO" run --on "$SERVER" "$IMG" "$@" >"$out" 2>&1)
	fi
}
reference "$T/ref-long" memory 24
reference "$T/ref-short" compute 150

# A sampler: cores in use never above cores, on every machine, all along.
sampler() {
	while :; do
		"$HEXO" sched status --json 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin)
for m in d["machines"]:
    if m["cores_used"] > m["cores"]:
        print("OVER %s %d/%d" % (m["name"], m["cores_used"], m["cores"]))' >>"$T/over"
		sleep 0.3
	done
}
: >"$T/over"
sampler &
SAMPLER=$!
at_exit 'kill $SAMPLER 2>/dev/null'

# --- 1. offload, then bring back -------------------------------------------------
mkdir -p "$T/j1" "$T/j2"
id1=$("$HEXO" submit --dir "$T/j1" "$IMG" memory 24 2>"$T/err") || fail "submit 1" "$(cat "$T/err")"
wait_until 20 grep -q "job $id1: start on" "$DLOG"
id2=$("$HEXO" submit --dir "$T/j2" --output "$T/j2/out-%j.txt" "$IMG" compute 150 2>"$T/err") ||
	fail "submit 2" "$(cat "$T/err")"
[[ $id1 =~ ^[0-9]+$ && $id2 =~ ^[0-9]+$ && $id2 -gt $id1 ]] &&
	pass "submit prints the job ids ($id1, $id2)" || fail "submit ids: '$id1' '$id2'"
"$HEXO" wait "$id2"
st2=$?
"$HEXO" wait "$id1"
st1=$?
[[ $st1 -eq 0 && $st2 -eq 0 ]] && pass "wait: both exit 0" || fail "wait" "statuses $st1 $st2"
cmp -s "$T/ref-long" "$T/j1/hexo-$id1.out" && pass "job $id1 (moved): output identical to an unmoved run" ||
	fail "job $id1 output differs" "$(diff "$T/ref-long" "$T/j1/hexo-$id1.out" | head -3)"
cmp -s "$T/ref-short" "$T/j2/out-$id2.txt" && pass "job $id2: output identical (--output out-%j.txt)" ||
	fail "job $id2 output differs" "$(diff "$T/ref-short" "$T/j2/out-$id2.txt" | head -3)"
grep -q "job $id1: migrate $SERVER -> $NODE" "$DLOG" &&
	pass "the daemon offloaded job $id1 to $NODE to start job $id2" ||
	fail "no offload of job $id1" "$(grep "job $id1" "$DLOG" | tail -3)"
grep -q "job $id1: migrate $NODE -> $SERVER" "$DLOG" &&
	pass "job $id1 came back to $SERVER once the queue was empty" ||
	fail "no bring-back of job $id1" "$(grep "job $id1" "$DLOG" | tail -3)"

"$HEXO" jobs --json >"$T/jobs.json" 2>"$T/err" || fail "jobs --json" "$(cat "$T/err")"
if python3 - "$T/jobs.json" "$id1" "$id2" "$SERVER" "$NODE" >"$T/story" 2>&1 <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1])); i1, i2, server, node = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
j = {x["id"]: x for x in d["jobs"]}
a, b = j[i1], j[i2]
assert a["state"] == "done" and a["exit_status"] == 0, a["state"]
assert a["migrations"] >= 2, "migrations %d" % a["migrations"]
assert a["machine"] == server, a["machine"]
assert a["machines"][node]["run_s"] > 0 and a["machines"][server]["run_s"] > 0
assert a["machines"][node]["est_source"] in ("default", "calibration", "history", "counters")
assert a["machines"][server]["est_source"] == "server"
assert b["state"] == "done" and b["migrations"] == 0 and b["machine"] == server
assert a["points"] > 0, "no migration points counted"
print("job %d: %d migrations, %.1f s on %s, %.1f s on %s, %d points, estimate on %s: %.2f (%s), measured %s" % (
    i1, a["migrations"], a["machines"][server]["run_s"], server, a["machines"][node]["run_s"], node,
    a["points"], node, a["machines"][node]["est_slowdown"], a["machines"][node]["est_source"],
    a["measured_slowdown"]))
EOF
	pass "jobs --json tells the story: $(cat "$T/story")"
else
	fail "jobs --json" "$(tail -3 "$T/story")"
fi
"$HEXO" jobs >"$T/jobs.txt" 2>&1 && grep -q "^$id1 .*done" "$T/jobs.txt" &&
	pass "jobs (table): $(grep "^$id1 " "$T/jobs.txt" | tr -s ' ')" || fail "jobs table" "$(cat "$T/jobs.txt")"

# --- 2. the job's status, cancel, refusals ------------------------------------------
mkdir -p "$T/j3"
id3=$("$HEXO" submit --dir "$T/j3" "$IMG" nosuchkind 1)
"$HEXO" wait "$id3"
st=$?
[[ $st -eq 2 ]] && grep -q "usage: work" "$T/j3/hexo-$id3.out" &&
	pass "wait exits with the job's own status (2), its stderr in its output file" ||
	fail "wait status" "status $st, $(head -2 "$T/j3/hexo-$id3.out")"
id4=$("$HEXO" submit --dir "$T/j3" "$IMG" memory 400)
wait_until 20 grep -q "job $id4: start on" "$DLOG"
sleep 1
"$HEXO" cancel "$id4" 2>"$T/err" || fail "cancel $id4" "$(cat "$T/err")"
"$HEXO" wait "$id4" 2>"$T/err"
st=$?
[[ $st -eq 125 ]] && grep -q "cancelled" "$T/err" && pass "cancel: wait says $(cat "$T/err")" ||
	fail "cancel" "status $st, $(cat "$T/err")"
refused "cancel an ended job" "$HEXO" cancel "$id4"
refused "wait for no such job" "$HEXO" wait 99999
refused "submit: missing image" "$HEXO" submit --dir "$T/j3" "$T/nosuch.hexo"
head -c 5000 "$IMG" >"$T/bad.hexo"
refused "submit: damaged image" "$HEXO" submit --dir "$T/j3" "$T/bad.hexo"
refused "submit: more cores than any server" "$HEXO" submit --cores 64 --dir "$T/j3" "$IMG" compute 1
refused "submit: --mem not a size" "$HEXO" submit --mem lots --dir "$T/j3" "$IMG" compute 1

# --- 3. metrics ---------------------------------------------------------------------
if exec 3<>"/dev/tcp/127.0.0.1/$PORT"; then
	printf 'GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n' >&3
	sed '1,/^\r$/d' <&3 >"$T/metrics.txt"
	exec 3<&-
	if grep -q "^hexo_sched_migrations_total{direction=\"offload\"} [1-9]" "$T/metrics.txt"; then
		pass "metrics: $(grep -c '^hexo_sched' "$T/metrics.txt") samples, offloads counted"
	else
		fail "metrics" "$(grep migrations_total "$T/metrics.txt")"
	fi
	if command -v promtool >/dev/null; then
		promtool check metrics <"$T/metrics.txt" >"$T/prom.out" 2>&1 &&
			pass "promtool check metrics: clean" || fail "promtool" "$(head -3 "$T/prom.out")"
	else
		skip "promtool check metrics" "promtool not installed (apt-get install prometheus)"
	fi
else
	fail "metrics: cannot connect to 127.0.0.1:$PORT"
fi

# --- 4. the daemon stops and starts again ----------------------------------------------
for sig in TERM KILL; do
	mkdir -p "$T/r$sig"
	reference "$T/ref-r" compute 600
	id=$("$HEXO" submit --dir "$T/r$sig" "$IMG" compute 600)
	wait_until 20 grep -q "job $id: start on" "$DLOG"
	sleep 2
	daemon_stop $sig
	if ! daemon_start; then
		fail "restart after SIG$sig" "$(tail -3 "$DLOG")"
		continue
	fi
	"$HEXO" wait "$id"
	st=$?
	if [[ $st -eq 0 ]] && cmp -s "$T/ref-r" "$T/r$sig/hexo-$id.out"; then
		pass "SIG$sig to the daemon mid-job, restart: job $id ends, output identical ($(grep "job $id: " "$DLOG" | sed -n 's/.*job [0-9]*: //p' | tr '\n' ';' | head -c 200))"
	else
		fail "SIG$sig restart: job $id" "status $st; $(diff "$T/ref-r" "$T/r$sig/hexo-$id.out" | head -3)"
	fi
done

# --- 5. the node dies under a job ---------------------------------------------------
# Job A is offloaded to the node (B needs the server), then the node's QEMU
# is killed: A is queued again from the checkpoint it went there with, its
# output cut back, and ends on the server with the output of an unmoved
# run; the node is marked down and nothing else is sent there.
mkdir -p "$T/da" "$T/db"
idA=$("$HEXO" submit --dir "$T/da" "$IMG" memory 24)
wait_until 20 grep -q "job $idA: start on" "$DLOG"
idB=$("$HEXO" submit --dir "$T/db" "$IMG" compute 150)
if wait_until 60 grep -q "job $idA: checkpoint of .* resuming on $NODE" "$DLOG"; then
	sleep 2
	kill -9 "$(cat "$HEXO_STATE/boards/$NODE/qemu.pid")"
	"$HEXO" wait "$idA"
	stA=$?
	"$HEXO" wait "$idB"
	stB=$?
	if [[ $stA -eq 0 && $stB -eq 0 ]] && cmp -s "$T/ref-long" "$T/da/hexo-$idA.out" &&
		cmp -s "$T/ref-short" "$T/db/hexo-$idB.out" &&
		grep -q "job $idA: lost on $NODE" "$DLOG" && grep -q "$NODE: down" "$DLOG"; then
		pass "node killed under job $idA: requeued from its checkpoint, ended on $SERVER, output identical; $(grep -o "$NODE: down[^(]*" "$DLOG" | head -1)"
	else
		fail "node death" "statuses $stA $stB; $(grep -E "job ($idA|$idB):|$NODE:" "$DLOG" | tail -6)"
	fi
	if "$HEXO" sched status --json | python3 -c 'import json,sys
d=json.load(sys.stdin); sys.exit(0 if not [m for m in d["machines"] if m["name"]==sys.argv[1]][0]["up"] else 1)' "$NODE"; then
		pass "sched status: $NODE is down"
	else
		fail "sched status still shows $NODE up"
	fi
else
	fail "node death: job $idA never went to $NODE" "$(grep "job $idA" "$DLOG" | tail -3)"
fi

kill $SAMPLER 2>/dev/null
if [[ -s $T/over ]]; then
	fail "cores over-committed" "$(sort -u "$T/over" | head -3)"
else
	pass "no machine ever had more jobs than cores ($(grep -c . "$DLOG") log lines)"
fi
daemon_stop TERM
grep -q "stopped" "$DLOG" && pass "SIGTERM: the daemon stops cleanly" || fail "daemon stop" "$(tail -3 "$DLOG")"
finish
