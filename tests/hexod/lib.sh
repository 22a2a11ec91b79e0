# shellcheck shell=bash
# What the hexod agent tests (tests/hexod/test_agent_*.sh) share, sourced
# after their `set` line; it sources tests/lib.sh and goes to the top of the
# tree. Each file starts agents of its own on 127.0.0.1 with
# free ports; their jobs run under a stand-in hexo (tests/hexod/fake-hexo),
# so the agent is tested without KVM. The client is the real hexo
# (build/bin/hexo: `hexo node ...`, `hexo run|resume --on NODE`).
#
# Needs build/bin/hexod, build/bin/hexo and build/tests/hexod/probe (`make
# test-hexod` builds them); without one, one failure and the summary.
# Sets: tmp (a temporary folder, removed at exit), HEXO_STATE ($tmp/state:
# the node registry), PROBE, FAKE; $tmp/secret (the agents' secret) and
# $tmp/wrong (another one).
#   start_agent NAME [hexod options...]
#                         starts hexod (stopped at exit): PID_NAME, PORT_NAME;
#                         its log in $tmp/NAME/log, its jobs in $tmp/NAME/work
#   start_agent_a         agent "a" with fake-hexo (--timeout 2): "PASS: agent
#                         starts ...", and $tmp/app.hexo, a valid image that
#                         fake-hexo only looks at the size of; stops the file
#                         when the agent does not start
#   register_a            `hexo node add a` (quietly; a failure is a FAIL)
#   still_serving         agent "a" answers a ping and is alive (a file's last
#                         checks on it)
#   probe_refused NAME SCENARIO [ARG] [EXPECTED-TEXT]
#                         the probe (a misbehaving client) is refused by agent
#                         a with EXPECTED-TEXT (default "refused")
#   procs_where ppid|pgrp N, no_children PID, no_group PGID, exited PID,
#   empty_dir DIR, ckpt_text CHECKPOINT, no_tmp_left DIR

# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$root" || exit 2
PROBE=$build/tests/hexod/probe
FAKE=$root/tests/hexod/fake-hexo

for b in "$HEXOD" "$HEXO" "$PROBE"; do
	if [[ ! -x $b ]]; then
		fail "hexod tests" "$b is not built: run 'make test-hexod'"
		finish
	fi
done

make_tmp tmp hexod-test || exit 2
export HEXO_STATE=$tmp/state
export HEXO_TEST_PROBE=$PROBE # fake-hexo makes and reads checkpoints with it
agents=()
at_exit 'for p in "${agents[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null'

start_agent() {
	local name=$1 pid
	shift
	mkdir -p "$tmp/$name"
	"$HEXOD" --listen 127.0.0.1:0 --port-file "$tmp/$name/port" \
		--secret-file "$tmp/secret" --work "$tmp/$name/work" \
		--log "$tmp/$name/log" "$@" &
	pid=$!
	agents+=("$pid")
	for _ in $(seq 100); do
		[[ -s $tmp/$name/port ]] && break
		sleep 0.05
	done
	printf -v "PID_$name" '%s' "$pid"
	printf -v "PORT_$name" '%s' "$(cat "$tmp/$name/port" 2>/dev/null)"
}

"$HEXOD" --new-secret "$tmp/secret" || { fail "hexod --new-secret"; finish; }
"$HEXOD" --new-secret "$tmp/wrong" >/dev/null

start_agent_a() {
	start_agent a --hexo "$FAKE" --timeout 2
	if [[ -z $PORT_a ]]; then
		fail "agent starts" "no port file; log: $(cat "$tmp/a/log" 2>/dev/null)"
		finish
	fi
	pass "agent starts on 127.0.0.1:$PORT_a"
	"$PROBE" make-image "$tmp/app.hexo" 5000 || { fail "probe make-image"; finish; }
}

register_a() {
	local out
	out=$("$HEXO" node add a "127.0.0.1:$PORT_a" --secret-file "$tmp/secret" 2>&1) ||
		fail "hexo node add a" "$out"
}

still_serving() {
	local out
	out=$("$HEXO" node ping a 2>&1) && pass "agent still serves after all that" || fail "agent died" "$out"
	kill -0 "$PID_a" 2>/dev/null && pass "agent process alive" || fail "agent process gone"
}

probe_refused() {
	local out
	out=$("$PROBE" "$PORT_a" "$tmp/secret" "$2" ${3:+"$3"} 2>&1)
	if [[ $? == 0 && $out == *"${4:-refused}"* ]]; then
		pass "$1 ($out)"
	else
		fail "$1" "$out"
	fi
}

# The pids whose /proc stat field ppid (which=ppid) or pgrp equals $2.
procs_where() {
	local which=$1 want=$2 s line rest
	for s in /proc/[0-9]*/stat; do
		{ read -r line <"$s"; } 2>/dev/null || continue
		rest=${line##*) }
		# shellcheck disable=SC2086
		set -- $rest
		if [[ $which == ppid && $2 == "$want" ]] || [[ $which == pgrp && $3 == "$want" ]]; then
			echo "${s//[^0-9]/}"
		fi
	done
}

no_children() { [[ -z $(procs_where ppid "$1") ]]; }
no_group() { [[ -z $(procs_where pgrp "$1") ]]; }
# True when process $1 has exited (gone, or a zombie not yet waited for).
exited() { [[ ! -e /proc/$1 || $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) == Z* ]]; }
empty_dir() { [[ -z $(ls -A "$1" 2>/dev/null) ]]; }
# The actions a fake-hexo checkpoint holds, on one line.
ckpt_text() { "$PROBE" ckpt-text "$1" 2>&1 | tr '\n' ' '; }
no_tmp_left() { [[ -z $(find "$1" -maxdepth 1 -name '*hexo-tmp*') ]]; }
