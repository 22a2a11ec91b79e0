#!/usr/bin/env bash
# hexod's tests, 6: the transport after the handshake is sealed. A man in
# the middle (tests/hexod/tamper) between the real hexo and a real agent on
# 127.0.0.1 (tests/hexod/lib.sh, fake-hexo for jobs): relaying bytes as
# they are, the job works; a flipped bit in the agent's bytes, or a frame
# of the agent's sent twice, make the client stop with one line naming the
# node, status 125, and leave the job folder as it was (a file whose bytes
# were altered on their way back is not written); a flipped bit in
# the client's bytes is refused by the agent (logged, with the client's
# address); recorded traffic holds neither the job's output nor its input.
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TAMPER=$build/tests/hexod/tamper
if [[ ! -x $TAMPER ]]; then
	fail "transport tests" "$TAMPER is not built: run 'make test-hexod'"
	finish
fi
start_agent_a
register_a

# start_tamper NODE MODE [RECORD-FILE]: a tamper in MODE before agent a,
# registered as node NODE (not pinged: some modes break the ping)
start_tamper() {
	local node=$1 mode=$2 pid
	"$TAMPER" "$tmp/$node.port" "$PORT_a" "$mode" ${3:+"$3"} &
	pid=$!
	agents+=("$pid")
	wait_until 5 test -s "$tmp/$node.port" || { fail "tamper $mode starts"; return 1; }
	"$HEXO" node add "$node" "127.0.0.1:$(cat "$tmp/$node.port")" --secret-file "$tmp/secret" \
		--no-check >/dev/null 2>&1 || fail "hexo node add $node"
}

# A job folder, and its state: names, modes, sizes, contents.
new_job() {
	rm -rf "$tmp/job"
	mkdir -p "$tmp/job/sub"
	echo "keep me" >"$tmp/job/keep.txt"
	echo "INPUT-MARKER-5f3a9c" >"$tmp/job/sub/input.txt"
	echo "old" >"$tmp/job/out.txt"
}
job_state() {
	(cd "$tmp/job" && find . -printf '%p %m %s\n' | sort && find . -type f -exec md5sum {} + | sort)
}
# The job: prints a marker, reads its input, changes the folder.
JOB=(out:OUTPUT-MARKER-7e21b4 cat:sub/input.txt write:out.txt=new write:made.txt=x rm:keep.txt)

# ------------------------------------------------------------- relayed --
start_tamper p pass
out=$("$HEXO" node ping p 2>&1) && [[ $out == *"hexod "* ]] && pass "ping through a relay ($out)" ||
	fail "ping through a relay" "$out"
new_job
out=$(cd "$tmp" && "$HEXO" run --on p --dir job app.hexo "${JOB[@]}" 2>"$tmp/err")
st=$?
if [[ $st == 0 && $out == $'OUTPUT-MARKER-7e21b4\nINPUT-MARKER-5f3a9c' && ! -e $tmp/job/keep.txt &&
	$(cat "$tmp/job/out.txt") == new && -e $tmp/job/made.txt ]]; then
	pass "a job through a relay works: output, files changed, created and deleted"
else
	fail "a job through a relay" "status $st: $out $(cat "$tmp/err")"
fi

# ------------------------------------------ altered on the way: refused --
# check_refused WHAT NODE: a job through NODE fails with one line naming the
# node, status 125, and the job folder is as it was
check_refused() {
	local what=$1 node=$2 before after st
	new_job
	before=$(job_state)
	out=$(cd "$tmp" && "$HEXO" run --on "$node" --dir job app.hexo "${JOB[@]}" 2>"$tmp/err")
	st=$?
	after=$(job_state)
	if [[ $st == 125 && $(wc -l <"$tmp/err") == 1 &&
		$(cat "$tmp/err") == *"node '$node'"*"altered on the way"*"node '$node'"* ]]; then
		pass "$what: the client stops with one line and 125 ($(cat "$tmp/err"))"
	else
		fail "$what: client" "status $st: $(cat "$tmp/err")"
	fi
	[[ $before == "$after" ]] && pass "$what: the job folder is unchanged" ||
		fail "$what: the job folder changed" "$(diff <(echo "$before") <(echo "$after"))"
	[[ $out != *OUTPUT-MARKER* ]] && pass "$what: nothing of the altered stream is output" ||
		fail "$what: output" "$out"
}

start_tamper f flip
check_refused "one bit flipped from the agent" f
out=$("$HEXO" node ping f 2>&1)
st=$?
[[ $st != 0 && $out == *"altered on the way"* ]] && pass "ping: one bit flipped refused ($out)" ||
	fail "ping through a flipping relay" "status $st: $out"

# one bit flipped inside a file coming back: nothing of it is written
start_tamper l flip:200000
new_job
head -c 600000 /dev/urandom >"$tmp/job/big.bin"
before=$(job_state)
out=$(cd "$tmp" && "$HEXO" run --on l --dir job app.hexo out:done copy:big.bin=big2.bin 2>"$tmp/err")
st=$?
if [[ $st == 125 && $(cat "$tmp/err") == *"altered on the way"* && $out == done ]]; then
	pass "one bit flipped inside a file coming back: the client stops ($(cat "$tmp/err"))"
else
	fail "one bit flipped inside a file coming back" "status $st: $out $(cat "$tmp/err")"
fi
[[ $before == "$(job_state)" ]] && no_tmp_left "$tmp/job" &&
	pass "flipped inside a file: neither the file nor a temp file is left" ||
	fail "flipped inside a file" "$(ls -a "$tmp/job")"

start_tamper r replay
check_refused "an agent's frame sent twice" r

start_tamper u flip-up
new_job
before=$(job_state)
out=$(cd "$tmp" && "$HEXO" run --on u --dir job app.hexo "${JOB[@]}" 2>"$tmp/err")
st=$?
if [[ $st == 125 && $(cat "$tmp/err") == *"altered on the way"* ]] &&
	grep -q "127.0.0.1:[0-9]* #[0-9]*: refused: the data was altered on the way" "$tmp/a/log"; then
	pass "one bit flipped from the client: the agent refuses it, logged with the address ($(cat "$tmp/err"))"
else
	fail "one bit flipped from the client" "status $st: $(cat "$tmp/err")"
fi
[[ $before == "$(job_state)" ]] && pass "flipped from the client: the job folder is unchanged" ||
	fail "flipped from the client: the job folder changed"
wait_until 5 empty_dir "$tmp/a/work" && pass "flipped from the client: the agent ran nothing, left nothing" ||
	fail "agent work folder" "$(ls "$tmp/a/work")"

# ----------------------------------------------------------- recorded --
start_tamper w record "$tmp/wire"
new_job
out=$(cd "$tmp" && "$HEXO" run --on w --dir job app.hexo "${JOB[@]}" 2>"$tmp/err")
st=$?
[[ $st == 0 && $out == *OUTPUT-MARKER-7e21b4* ]] && pass "a job through a recorder works" ||
	fail "a job through a recorder" "status $st: $(cat "$tmp/err")"
size=$(stat -c %s "$tmp/wire" 2>/dev/null || echo 0)
if ((size > 5000)) && ! grep -qa "OUTPUT-MARKER" "$tmp/wire" && ! grep -qa "INPUT-MARKER" "$tmp/wire" &&
	! grep -qa "out:OUTPUT" "$tmp/wire" && ! grep -qa "keep.txt" "$tmp/wire"; then
	pass "the recorded traffic ($size bytes) holds neither the job's output, its input, its arguments nor file names"
else
	fail "recorded traffic" "$size bytes; $(grep -a -o '[A-Z]*-MARKER[-0-9a-z]*\|keep.txt' "$tmp/wire" | sort -u | tr '\n' ' ')"
fi

still_serving
finish
