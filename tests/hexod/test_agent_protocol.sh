#!/usr/bin/env bash
# hexod's tests, 1: secrets, the node registry and ping, a wrong secret,
# hostile clients (garbage, oversized and out-of-order frames, bad paths, a
# silent client), a dropped upload, and peers of the previous protocol. A
# real agent on 127.0.0.1, the real hexo as its client (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_agent_a

# --------------------------------------------------------------- secrets --
mode=$(stat -c %a "$tmp/secret")
[[ $mode == 600 ]] && pass "--new-secret writes mode 0600" || fail "--new-secret mode" "$mode"
if ! "$HEXOD" --new-secret "$tmp/secret" 2>/dev/null; then
	pass "--new-secret refuses to overwrite"
else
	fail "--new-secret overwrote a secret"
fi

# ------------------------------------------------------ registry and ping --
if out=$("$HEXO" node add a "127.0.0.1:$PORT_a" --secret-file "$tmp/secret" 2>&1) &&
	[[ $out == *"hexod "*"x86_64"* || $out == *"hexod "*"$(uname -m)"* ]]; then
	pass "node add pings the agent: $out"
else
	fail "node add" "$out"
fi
mode=$(stat -c %a "$HEXO_STATE/nodes/a.json" 2>/dev/null)
dmode=$(stat -c %a "$HEXO_STATE" 2>/dev/null)
[[ $mode == 600 && $dmode == 700 ]] && pass "registry file 0600 in a 0700 folder" ||
	fail "registry modes" "file $mode, folder $dmode"

out=$("$HEXO" node ping a 2>&1)
cpus=$(nproc)
if [[ $out == *"hexod 0.1.0, $(uname -m), $cpus CPUs"* ]]; then
	pass "ping: version, ISA, CPUs ($out)"
else
	fail "ping" "$out"
fi
out=$("$HEXO" node list 2>&1)
[[ $out == *"a "*"remote"*"127.0.0.1:$PORT_a"*"$(uname -m)"* ]] && pass "node list" ||
	fail "node list" "$out"

# ------------------------------------------------------------ bad secret --
out=$("$HEXO" node add w "127.0.0.1:$PORT_a" --secret-file "$tmp/wrong" 2>&1)
st=$?
if [[ $st == 125 && $out == *"secret"* && ! -e $HEXO_STATE/nodes/w.json ]]; then
	pass "node add with a wrong secret is refused: $out"
else
	fail "node add with a wrong secret" "status $st: $out"
fi
"$HEXO" node add w "127.0.0.1:$PORT_a" --secret-file "$tmp/wrong" --no-check >/dev/null 2>&1
out=$("$HEXO" run --on w --dir "$tmp" "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"secret"* ]] && pass "run with a wrong secret fails with 125" ||
	fail "run with a wrong secret" "status $st: $out"
out=$("$PROBE" "$PORT_a" "$tmp/secret" bad-auth 2>&1)
[[ $? == 0 && $out == *"authentication failed"* ]] &&
	pass "agent refuses a wrong proof with an error frame ($out)" || fail "bad proof" "$out"
"$HEXO" node rm w >/dev/null

# ------------------------------------------------------ hostile clients --
probe_refused "garbage bytes refused" garbage
probe_refused "oversized frame before auth refused" oversize-preauth "" "exceeds"
probe_refused "oversized frame after auth refused" oversize "" "exceeds"
probe_refused "request before auth refused" ping-preauth "" "before authentication"
probe_refused "unknown protocol version refused" bad-version "" "version 99"
probe_refused "unknown frame type refused" bad-type "" "unknown frame type"
probe_refused "out-of-order DATA refused" out-of-order "" "expected a PING, RUN or MIGRATE"
probe_refused "truncated RUN refused" bad-run "" "malformed RUN"
probe_refused "silent client timed out" silent "" "timed out"
for p in "../x" "/etc/x" "a/../../b" "a//b"; do
	probe_refused "file name '$p' refused" bad-path "$p" "bad file name"
done
[[ ! -e $tmp/a/x && ! -e $tmp/x && ! -e /etc/x && ! -e $tmp/b ]] &&
	pass "no file written outside the job folder" || fail "a file escaped the job folder"
"$PROBE" "$PORT_a" "$tmp/secret" truncated >/dev/null 2>&1
n=$(grep -c "refused" "$tmp/a/log")
if ((n >= 14)) && grep -q "127.0.0.1:[0-9]* #[0-9]*: refused: handshake: unknown frame type" "$tmp/a/log"; then
	pass "refusals logged with the peer address ($n lines)"
else
	fail "refusal log" "$n lines"
fi

# ------------------------------------------------- connection dropped --
"$PROBE" "$PORT_a" "$tmp/secret" drop-upload 1500 >"$tmp/drop.out" 2>&1 &
probe_pid=$!
if wait_until 5 grep -qs uploading "$tmp/drop.out" &&
	wait_until 2 compgen -G "$tmp/a/work/job-*" >/dev/null; then
	pass "a job folder exists during the upload"
else
	fail "no job folder during the upload"
fi
wait "$probe_pid"
if wait_until 5 empty_dir "$tmp/a/work" && wait_until 5 no_children "$PID_a"; then
	pass "upload dropped: temp dir removed, no process left"
else
	fail "upload dropped" "work: $(ls "$tmp/a/work"), children: $(procs_where ppid "$PID_a")"
fi
grep -q "client went away" "$tmp/a/log" && pass "dropped upload logged" ||
	fail "dropped upload not logged"

# -------------------------------------------------- protocol versions --
# An older peer is refused with a clear message, both ways.
probe_refused "a client of the previous protocol refused" old-version "" \
	"client speaks protocol version $(( $(sed -n 's/^#define HEXO_PROTO_VERSION *\([0-9]*\)u.*/\1/p' lib/proto.h) - 1 ))"
"$PROBE" old-agent "$tmp/old.port" >"$tmp/old.out" 2>&1 &
opid=$!
if wait_until 5 test -s "$tmp/old.port"; then
	out=$("$HEXO" node add old "127.0.0.1:$(cat "$tmp/old.port")" --secret-file "$tmp/secret" 2>&1)
	st=$?
	wait "$opid"
	[[ $st == 125 && $out == *"agent speaks protocol version"*"same hexo release on both sides"* ]] &&
		pass "an agent of the previous protocol refused by the client ($out)" || fail "old agent" "status $st: $out"
else
	fail "old agent did not start"
	kill "$opid" 2>/dev/null
fi

still_serving
finish
