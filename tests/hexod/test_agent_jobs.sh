#!/usr/bin/env bash
# hexod's tests, 2: a job through the agent (exit status, stdout and stderr
# apart, the job folder sent and its changes back: created, changed and
# deleted files, a 3 MB file, an empty folder, a symlink, a fifo left out),
# an agent without its hexo, and an agent stopped by SIGTERM while a job
# runs. A real agent on 127.0.0.1 with fake-hexo for jobs, the real hexo
# as its client (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_agent_a
register_a

# ------------------------------------------------------------ real work --
mkdir -p "$tmp/job/sub"
echo "input data" >"$tmp/job/input.txt"
echo "nested" >"$tmp/job/sub/nested.txt"
echo "same" >"$tmp/job/same.txt"
head -c 3000000 /dev/urandom >"$tmp/job/big.bin"
ln -s input.txt "$tmp/job/link"
mkfifo "$tmp/job/fifo"
mkdir -m 750 "$tmp/job/empty"
touch -d '2000-01-01' "$tmp/job/same.txt"
cd "$tmp"
"$HEXO" run --on a --dir job --mem 64M --env A=B --stats app.hexo \
	out:hello err:oops cat:input.txt cat:link argv opts image \
	write:out.txt=result write:sub/new/deep.txt=x rm:sub/nested.txt \
	copy:big.bin=big2.bin isdir:empty mode:empty exit:3 >"$tmp/run.out" 2>"$tmp/run.err"
st=$?
cd "$root"
[[ $st == 3 ]] && pass "exit status passes through (3)" || fail "exit status" "$st: $(cat "$tmp/run.err")"
expect_out=$'hello\ninput data\ninput data\n<app.hexo><out:hello>'
[[ $(head -c ${#expect_out} "$tmp/run.out") == "$expect_out" ]] &&
	pass "stdout streamed back, job folder uploaded (a symlink too), image name kept as argv[0]" ||
	fail "stdout" "$(cat "$tmp/run.out")"
grep -qx "opts --mem=64M --env=A=B --stats" "$tmp/run.out" && pass "--mem, --env, --stats passed on" ||
	fail "options" "$(cat "$tmp/run.out")"
grep -qx "image $(stat -c %s "$tmp/app.hexo")" "$tmp/run.out" && pass "image uploaded whole" ||
	fail "image size" "$(grep image "$tmp/run.out")"
grep -qx "dir empty" "$tmp/run.out" && grep -qx 750 "$tmp/run.out" &&
	pass "an empty folder is sent, with its mode" || fail "empty folder" "$(cat "$tmp/run.out")"
grep -qx "oops" "$tmp/run.err" && pass "stderr streamed back separately" ||
	fail "stderr" "$(cat "$tmp/run.err")"
grep -q "not sending" "$tmp/run.err" && fail "fifo not sent: warned without --verbose" "$(cat "$tmp/run.err")" ||
	pass "a fifo in the job folder is not sent, quietly"
out=$(cd "$tmp" && "$HEXO" run --on a --verbose --dir job app.hexo 2>&1 >/dev/null)
[[ $out == "hexo: warning: not sending 'job/fifo' to node 'a': not a regular file, folder or symlink"$'\n'"hexo: job job-"??????" started on node 'a'" ]] &&
	pass "--verbose names the special files not sent, and the job's id" || fail "--verbose" "$out"
[[ -L $tmp/job/link ]] && pass "the symlink stays a symlink" || fail "symlink replaced"
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" rm:link 2>&1)
[[ -z $out && ! -e $tmp/job/link && ! -L $tmp/job/link && -f $tmp/job/input.txt ]] &&
	pass "a symlink the job removed is removed here" || fail "symlink removal" "$out"
ln -s input.txt "$tmp/job/link"
[[ $(cat "$tmp/job/out.txt" 2>/dev/null) == result && $(cat "$tmp/job/sub/new/deep.txt" 2>/dev/null) == x ]] &&
	pass "created files come back (with new folders)" || fail "created files"
[[ ! -e $tmp/job/sub/nested.txt ]] && pass "deleted file removed locally" || fail "deleted file still there"
cmp -s "$tmp/job/big.bin" "$tmp/job/big2.bin" && pass "3 MB file comes back intact (chunked)" ||
	fail "big file"
[[ $(stat -c %Y "$tmp/job/same.txt") == $(date -d 2000-01-01 +%s) ]] &&
	pass "unchanged file not rewritten" || fail "unchanged file was rewritten"
ls -A "$tmp/job" | grep -q hexo-tmp && fail "temp files left in the job folder" ||
	pass "no temp files left in the job folder"
wait_until 5 empty_dir "$tmp/a/work" && pass "job temp dir removed" || fail "job temp dir left"

# ------------------------------------------------- missing hexo binary --
mkdir -p "$tmp/j1"
start_agent m --hexo "$tmp/no-such-hexo"
"$HEXO" node add m "127.0.0.1:$PORT_m" --secret-file "$tmp/secret" >/dev/null 2>&1
out=$("$HEXO" run --on m --dir "$tmp/j1" "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"cannot run"*"--hexo"* ]] && pass "missing hexo: 125 and a clear line ($out)" ||
	fail "missing hexo" "status $st: $out"
grep -q "warning: .*no-such-hexo" "$tmp/m/log" && pass "missing hexo warned at start" ||
	fail "no start-up warning"

# ---------------------------------------------------- still serving --
still_serving

# ---------------------------------------------------- agent stopping --
rm -f "$tmp/job.pid"
"$HEXO" run --on a --dir "$tmp/j1" "$tmp/app.hexo" "pidfile:$tmp/job.pid" sleep:60 \
	>"$tmp/stop.out" 2>&1 &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid"; then
	jpid=$(cat "$tmp/job.pid")
	kill -TERM "$PID_a"
	wait "$cpid"
	st=$?
	if [[ $st == 125 ]] && grep -q "agent stopping" "$tmp/stop.out" && wait_until 5 no_group "$jpid" &&
		wait_until 5 empty_dir "$tmp/a/work" && wait_until 5 exited "$PID_a"; then
		pass "SIGTERM: client told, job killed, temp dir removed, agent exits"
	else
		fail "SIGTERM" "status $st: $(cat "$tmp/stop.out")"
	fi
else
	fail "job did not start before SIGTERM"
	kill -9 "$cpid" 2>/dev/null
fi

finish
