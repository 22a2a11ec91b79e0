#!/usr/bin/env bash
# hexod's tests, 4: migration through the agent: `run --on` with
# --checkpoint, --migrate-after and --checkpoint-every, the checkpoint
# back, `resume --on`, SIGUSR1 to the client, `hexo node migrate NODE JOB`,
# and what the agent refuses. fake-hexo's checkpoints are real ones (probe
# make-ckpt). A real agent on 127.0.0.1, the real hexo as its client
# (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_agent_a
register_a

# ------------------------------------------------------------ migration --
# Checkpoints come back, resumes go out, migration requests reach the job.
# fake-hexo's checkpoints are real ones (probe make-ckpt) holding the actions
# left to play, so the client verifies them as `hexo resume` would.
mkdir -p "$tmp/mig/job" "$tmp/mig/cwd"
echo "from the client" >"$tmp/mig/job/in.txt"
cp "$tmp/app.hexo" "$tmp/mig/app.hexo"
out=$("$HEXO" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/a.ckpt" --migrate-after 2.5 \
	--checkpoint-every 7 "$tmp/mig/app.hexo" migopts write:before=1 stop out:never 2>&1)
st=$?
[[ $st == 0 && $out == "migopts 2.5 7 outside" ]] &&
	pass "run --on: --migrate-after and --checkpoint-every passed on as given, the checkpoint goes outside the job folder" ||
	fail "migration options" "status $st: $out"
[[ $(ckpt_text "$tmp/mig/a.ckpt") == "out:never " && $(cat "$tmp/mig/job/before" 2>/dev/null) == 1 ]] &&
	pass "stopped at a checkpoint: it comes back to --checkpoint, with the job's files" ||
	fail "checkpoint back" "$(ls "$tmp/mig" "$tmp/mig/job"): $(ckpt_text "$tmp/mig/a.ckpt")"
[[ $(stat -c %a "$tmp/mig/a.ckpt") == $(printf '%o' $((0666 & ~$(umask)))) ]] && no_tmp_left "$tmp/mig" &&
	pass "checkpoint written atomically with a local run's mode, no temp file left" ||
	fail "checkpoint mode or temp" "$(stat -c %a "$tmp/mig/a.ckpt"); $(ls -A "$tmp/mig")"
(cd "$tmp/mig/cwd" && "$HEXO" run --on a --dir ../job ../app.hexo out:x stop out:y >/dev/null 2>&1)
[[ $(ckpt_text "$tmp/mig/cwd/app.ckpt") == "out:y " ]] &&
	pass "without --checkpoint: IMAGE's name with .ckpt in the current folder" ||
	fail "default checkpoint name" "$(ls "$tmp/mig/cwd")"
# No checkpoint written: nothing touched here.
rm -f "$tmp/mig/cwd/app.ckpt"
echo old >"$tmp/mig/old.ckpt"
touch -d '2000-01-01' "$tmp/mig/old.ckpt"
(cd "$tmp/mig/cwd" && "$HEXO" run --on a --dir ../job ../app.hexo out:x >/dev/null 2>&1 &&
	"$HEXO" run --on a --dir ../job --checkpoint ../old.ckpt ../app.hexo out:x exit:4 >/dev/null 2>&1)
st=$?
[[ $st == 4 && ! -e $tmp/mig/cwd/app.ckpt && $(cat "$tmp/mig/old.ckpt") == old &&
	$(stat -c %Y "$tmp/mig/old.ckpt") == $(date -d 2000-01-01 +%s) ]] && no_tmp_left "$tmp/mig/cwd" &&
	pass "no checkpoint written there: no file made or touched here" ||
	fail "no checkpoint" "status $st; $(ls -A "$tmp/mig/cwd"); old: $(cat "$tmp/mig/old.ckpt")"
# Periodic checkpoints: the job goes on and ends; its last checkpoint comes back.
out=$("$HEXO" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/p.ckpt" --checkpoint-every 1 \
	"$tmp/mig/app.hexo" ckpt out:one ckpt out:two exit:5 2>&1)
st=$?
[[ $st == 5 && $out == $'one\ntwo' && $(ckpt_text "$tmp/mig/p.ckpt") == "out:two exit:5 " ]] &&
	pass "periodic checkpoints: the job ends (status 5), the last checkpoint comes back" ||
	fail "periodic checkpoint" "status $st: $out; $(ckpt_text "$tmp/mig/p.ckpt")"

# Resume: the checkpoint, the image and the job folder go; the job's files
# and its next checkpoint (default: over CHECKPOINT) come back.
rm -rf "$tmp/mig/job2"
mkdir -p "$tmp/mig/job2"
echo "job two" >"$tmp/mig/job2/in.txt"
"$HEXO" run --on a --dir "$tmp/mig/job2" --checkpoint "$tmp/mig/r.ckpt" "$tmp/mig/app.hexo" \
	write:state=1 stop whoami image cat:in.txt cat:state write:state=2 migopts stop out:end exit:6 \
	>/dev/null 2>&1
n0=$(grep -c "job started: .*hexo resume" "$tmp/a/log")
out=$("$HEXO" resume --on a --dir "$tmp/mig/job2" --image "$tmp/mig/app.hexo" --migrate-after 0 \
	--checkpoint-every 3 "$tmp/mig/r.ckpt" 2>&1)
st=$?
want="resume app.hexo"$'\n'"image $(stat -c %s "$tmp/mig/app.hexo")"$'\n'"job two"$'\n'"1"$'\n'"migopts 0 3 outside"
[[ $st == 0 && $out == "$want" ]] &&
	pass "resume --on: checkpoint, image and job folder sent, options passed on" ||
	fail "resume --on" "status $st: $out"
[[ $(cat "$tmp/mig/job2/state") == 2 && $(ckpt_text "$tmp/mig/r.ckpt") == "out:end exit:6 " ]] && no_tmp_left "$tmp/mig" &&
	pass "resume --on: changed files back, the new checkpoint over CHECKPOINT" ||
	fail "resume results" "state $(cat "$tmp/mig/job2/state"); $(ckpt_text "$tmp/mig/r.ckpt")"
n1=$(grep -c "job started: .*hexo resume" "$tmp/a/log")
((n1 == n0 + 1)) && pass "the agent ran hexo resume" || fail "agent log" "$n0 -> $n1"
# The checkpoint records the node's copy of the image: it is found by its
# name next to the checkpoint, as a local resume does.
cp "$tmp/mig/r.ckpt" "$tmp/mig/r2.ckpt"
out=$("$HEXO" resume --on a --dir "$tmp/mig/job2" --checkpoint "$tmp/mig/r3.ckpt" "$tmp/mig/r2.ckpt" 2>&1)
st=$?
[[ $st == 6 && $out == end && ! -e $tmp/mig/r3.ckpt && $(ckpt_text "$tmp/mig/r2.ckpt") == "out:end exit:6 " ]] &&
	pass "resume without --image: the image next to the checkpoint; the job ends: no checkpoint back" ||
	fail "resume to the end" "status $st: $out"
mkdir -p "$tmp/mig/elsewhere"
"$PROBE" make-ckpt "$tmp/mig/elsewhere/x.ckpt" "$tmp/mig/app.hexo" "out:recorded"
out=$("$HEXO" resume --on a --dir "$tmp/mig/job2" "$tmp/mig/elsewhere/x.ckpt" 2>&1)
[[ $? == 0 && $out == recorded ]] && pass "resume without --image: the image path the checkpoint records" ||
	fail "recorded image path" "$out"
# What a local resume refuses is refused here, with its line, before connecting.
n0=$(grep -c ": connected" "$tmp/a/log")
head -c 1000 /dev/urandom >"$tmp/mig/bad.ckpt"
"$PROBE" make-ckpt-foreign "$tmp/mig/foreign.ckpt" "$tmp/mig/app.hexo" "out:x"
"$PROBE" make-ckpt "$tmp/mig/orphan.ckpt" "$tmp/mig/app.hexo" "out:x" "$tmp/mig/gone/app.hexo"
mv "$tmp/mig/app.hexo" "$tmp/mig/app.hexo.away"
for args in "--image $tmp/mig/app.hexo.away $tmp/mig/bad.ckpt" "--image $tmp/mig/app.hexo.away $tmp/mig/foreign.ckpt" \
	"$tmp/mig/orphan.ckpt" "--env A=1 $tmp/mig/r2.ckpt" "--image $tmp/mig/app.hexo.away $tmp/mig/r2.ckpt x"; do
	# shellcheck disable=SC2086
	out=$("$HEXO" resume --on a --dir "$tmp/mig/job2" $args 2>&1)
	st=$?
	# shellcheck disable=SC2086
	want=$("$HEXO" resume --dir "$tmp/mig/job2" $args 2>&1)
	if [[ $st == 125 && $out == "hexo: "* && $out != *$'\n'* && $out == "$want" ]]; then
		pass "resume --on $(basename "${args##* }"): refused as locally: $out"
	else
		fail "resume --on ${args##* } refused" "status $st: $out (local: $want)"
	fi
done
mv "$tmp/mig/app.hexo.away" "$tmp/mig/app.hexo"
n1=$(grep -c ": connected" "$tmp/a/log")
[[ $n0 == "$n1" ]] && pass "no connection made for them" || fail "refused resumes connected" "$((n1 - n0))"
probe_refused "RESUME with arguments refused by the agent" resume-args "" "RESUME with arguments"

# SIGUSR1 to the client: MIGRATE; the agent sends SIGUSR1 to the job's hexo.
rm -f "$tmp/mig/u.ckpt" "$tmp/job.pid"
"$HEXO" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/u.ckpt" "$tmp/mig/app.hexo" \
	"pidfile:$tmp/job.pid" out:started point:30 out:after >"$tmp/mig/u.out" 2>"$tmp/mig/u.err" &
cpid=$!
t0=$SECONDS
if wait_until 5 test -s "$tmp/job.pid"; then
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	if [[ $st == 0 && $(cat "$tmp/mig/u.out") == started && $(cat "$tmp/mig/u.err") == "fake-hexo: SIGUSR1" &&
		$(ckpt_text "$tmp/mig/u.ckpt") == "out:after " ]] && ((SECONDS - t0 < 15)); then
		pass "SIGUSR1 to 'run --on' reaches the job's hexo; its checkpoint comes back"
	else
		fail "SIGUSR1 forwarding" "status $st: $(cat "$tmp/mig/u.out" "$tmp/mig/u.err")"
	fi
	grep -q "migration requested by the client" "$tmp/a/log" && grep -q "SIGUSR1 to pid $(cat "$tmp/job.pid")" "$tmp/a/log" &&
		pass "the request and the signal logged" || fail "migration log" "$(grep -i migrat "$tmp/a/log" | tail -3)"
else
	fail "SIGUSR1 job did not start"
	kill -9 "$cpid" 2>/dev/null
fi
# A request that comes while the job's hexo would still die of SIGUSR1 (no
# handler yet) waits until it has one.
rm -f "$tmp/mig/u.ckpt"
"$HEXO" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/u.ckpt" "$tmp/mig/app.hexo" \
	"pidfile:$tmp/job.pid" trap-later:2 point:30 out:after >/dev/null 2>"$tmp/mig/u.err" &
cpid=$!
rm -f "$tmp/job.pid"
if wait_until 5 test -s "$tmp/job.pid"; then
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	[[ $st == 0 && $(cat "$tmp/mig/u.err") == "fake-hexo: SIGUSR1" && $(ckpt_text "$tmp/mig/u.ckpt") == "out:after " ]] &&
		pass "a request the job cannot take yet waits for it (no death by SIGUSR1)" ||
		fail "early SIGUSR1" "status $st: $(cat "$tmp/mig/u.err")"
else
	fail "trap-later job did not start"
	kill -9 "$cpid" 2>/dev/null
fi
# Also on resume --on.
"$PROBE" make-ckpt "$tmp/mig/v.ckpt" "$tmp/mig/app.hexo" "pidfile:$tmp/job.pid"$'\n'"point:30"$'\n'"out:later"
rm -f "$tmp/job.pid"
"$HEXO" resume --on a --dir "$tmp/mig/job" "$tmp/mig/v.ckpt" >/dev/null 2>"$tmp/mig/v.err" &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid"; then
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	[[ $st == 0 && $(ckpt_text "$tmp/mig/v.ckpt") == "out:later " ]] &&
		pass "SIGUSR1 to 'resume --on': the job stops again, its checkpoint over CHECKPOINT" ||
		fail "SIGUSR1 on resume" "status $st: $(cat "$tmp/mig/v.err")"
else
	fail "resume job did not start"
	kill -9 "$cpid" 2>/dev/null
fi

# MIGRATE JOB: another connection (a scheduler) asks for the migration.
rm -f "$tmp/mig/w.ckpt" "$tmp/job.pid"
"$HEXO" run --on a --verbose --dir "$tmp/mig/job" --checkpoint "$tmp/mig/w.ckpt" "$tmp/mig/app.hexo" \
	"pidfile:$tmp/job.pid" point:30 out:after >/dev/null 2>"$tmp/mig/w.err" &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid" && job=$(sed -n "s/^hexo: job \(job-[A-Za-z0-9]*\) started on node 'a'$/\1/p" "$tmp/mig/w.err") &&
	[[ -n $job ]]; then
	out=$("$HEXO" node migrate a "$job" 2>&1)
	st=$?
	wait "$cpid"
	cst=$?
	[[ $st == 0 && $out == "a: migration of $job requested" && $cst == 0 && $(ckpt_text "$tmp/mig/w.ckpt") == "out:after " ]] &&
		pass "node migrate NODE JOB: the job stops, its client gets the checkpoint ($out)" ||
		fail "node migrate" "status $st: $out; client $cst: $(cat "$tmp/mig/w.err")"
	grep -q "left a checkpoint: $tmp/mig/w.ckpt" "$tmp/mig/w.err" && pass "--verbose says the checkpoint came back" ||
		fail "--verbose checkpoint line" "$(cat "$tmp/mig/w.err")"
	out=$("$HEXO" node migrate a "$job" 2>&1)
	[[ $? == 125 && $out == *"no job '$job' running on this agent"* ]] && pass "node migrate of a job that ended: refused ($out)" ||
		fail "migrate ended job" "$out"
else
	fail "node migrate: job did not start" "$(cat "$tmp/mig/w.err")"
	kill -9 "$cpid" 2>/dev/null
fi
out=$("$HEXO" node migrate a ../x 2>&1)
[[ $? == 125 && $out == *"not a job id"* ]] && pass "node migrate with a bad job id refused here ($out)" || fail "bad job id" "$out"
probe_refused "MIGRATE of an unknown job refused" migrate job-nosuch "no job 'job-nosuch' running"
probe_refused "MIGRATE of a bad job id refused" migrate "../../etc" "bad job id"
probe_refused "MIGRATE of this connection's job before any RUN refused" migrate-first "" "MIGRATE before any RUN"
[[ -z $(ls "$tmp/a/work") ]] && pass "no job folder left after the migrations" || fail "job folders left" "$(ls "$tmp/a/work")"

# ------------------------------------------------------------- status --
# --status FILE: the node's hexo gets --status outside the job folder, and
# what it writes comes to FILE while the job runs and at its end; without
# --status it gets none.
mkdir -p "$tmp/st/job"
out=$("$HEXO" run --on a --dir "$tmp/st/job" "$tmp/mig/app.hexo" statuswhere 2>&1)
[[ $? == 0 && $out == "status none" ]] && pass "run --on without --status: the node's hexo gets none" ||
	fail "no --status" "$out"
"$HEXO" run --on a --dir "$tmp/st/job" --status "$tmp/st/s.json" "$tmp/mig/app.hexo" statuswhere \
	status:5:running sleep:3 status:9:running sleep:0.2 >"$tmp/st/out" 2>&1 &
cpid=$!
mid=
for _ in $(seq 1 50); do
	mid=$(cat "$tmp/st/s.json" 2>/dev/null)
	[[ $mid == *'"points": 5,'* ]] && break
	sleep 0.05
done
wait "$cpid"
st=$?
[[ $st == 0 && $(cat "$tmp/st/out") == "status outside" ]] &&
	pass "run --on --status: the node's hexo writes it outside the job folder" ||
	fail "--status where" "status $st: $(cat "$tmp/st/out")"
[[ $mid == '{"points": 5, "run_s": 0.000, "state": "running", "status": null}' ]] &&
	pass "run --on --status: the status comes while the job runs ($mid)" ||
	fail "--status while running" "'$mid'"
[[ $(cat "$tmp/st/s.json" 2>/dev/null) == *'"points": 9,'* ]] &&
	pass "run --on --status: the last status comes at the end" ||
	fail "--status at the end" "$(cat "$tmp/st/s.json" 2>/dev/null)"
[[ -z $(ls -A "$tmp/st/job") && $(ls -A "$tmp/st") == $'job\nout\ns.json' ]] &&
	pass "run --on --status: nothing in the job folder, no temp file left" ||
	fail "--status files" "$(ls -A "$tmp/st" "$tmp/st/job")"
# resume --on passes it on too; a status the client cannot write is one warning
"$HEXO" run --on a --dir "$tmp/st/job" --checkpoint "$tmp/st/r.ckpt" "$tmp/mig/app.hexo" stop \
	statuswhere status:3:exited >/dev/null 2>&1
out=$("$HEXO" resume --on a --dir "$tmp/st/job" --image "$tmp/mig/app.hexo" \
	--status "$tmp/st/nosuch/s.json" "$tmp/st/r.ckpt" 2>&1)
st=$?
[[ $st == 0 && $out == *"status outside"* &&
	$out == *"hexo: warning: --status $tmp/st/nosuch/s.json: cannot write it: No such file or directory; the job goes on"* &&
	$(grep -c warning <<<"$out") == 1 ]] &&
	pass "resume --on --status: passed on; a FILE that cannot be written is one warning" ||
	fail "resume --on --status" "status $st: $out"
[[ -z $(ls "$tmp/a/work") ]] && pass "no job folder left after the status jobs" || fail "job folders left" "$(ls "$tmp/a/work")"

# ---------------------------------------------------- still serving --
still_serving
finish
