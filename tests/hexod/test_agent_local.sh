#!/usr/bin/env bash
# hexod's tests, 3: what makes `hexo run --on` the same as a local run:
# stdin forwarded (3 MB of it intact, its end; a job not reading an endless
# stdin, a terminal's or a file's, ends), --env NAME with the client's value,
# bad options, a damaged image and a missing --dir refused with the local
# run's line before connecting, argv[0] as given, `| head`, closed fds, the
# order of 2>&1, the client's umask, the current folder when too big;
# streaming, 128+signal, two jobs at once, the client killed mid-run. A real
# agent on 127.0.0.1 with fake-hexo for jobs, the real hexo as its client
# (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_agent_a
register_a
mkdir -p "$tmp/job"

# ------------------------------------------------ as a local run does --
# stdin is forwarded as it is read; its end closes the job's stdin.
out=$(printf 'line one\nline two\n' | "$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" stdin 2>&1)
[[ $out == $'line one\nline two\nstdin done' ]] && pass "stdin forwarded to the job, then its end" ||
	fail "stdin" "$out"
head -c 3000000 /dev/urandom >"$tmp/stdin.bin"
want=$(md5sum <"$tmp/stdin.bin" | cut -d' ' -f1)
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" stdin-sum <"$tmp/stdin.bin" 2>&1)
[[ $out == "stdin $want" ]] && pass "3 MB of stdin arrive intact" || fail "big stdin" "$out"
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" stdin </dev/null 2>&1)
[[ $out == "stdin done" ]] && pass "stdin /dev/null: the job reads its end" || fail "empty stdin" "$out"
# A job that never reads stdin ends at once, whatever stdin holds or does.
t0=$SECONDS
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:quick < <(sleep 30) 2>&1)
st=$?
[[ $st == 0 && $out == quick ]] && ((SECONDS - t0 < 10)) &&
	pass "a job that does not read an endless stdin ends ($((SECONDS - t0)) s)" ||
	fail "endless stdin" "status $st after $((SECONDS - t0)) s: $out"
t0=$SECONDS
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:quick <"$tmp/stdin.bin" 2>&1)
[[ $? == 0 && $out == quick ]] && ((SECONDS - t0 < 10)) &&
	pass "a job that does not read a 3 MB stdin ends" || fail "unread stdin" "$out"
if command -v script >/dev/null; then
	# stdin a terminal nobody types on: the job ends, the client too.
	t0=$SECONDS
	out=$(timeout 20 script -qec "$HEXO run --on a --dir $tmp/job $tmp/app.hexo out:on-a-tty" \
		/dev/null < <(sleep 30) 2>&1)
	st=$?
	[[ $st == 0 && $out == *on-a-tty* ]] && ((SECONDS - t0 < 10)) &&
		pass "stdin a terminal, job not reading: ends at once" ||
		fail "stdin a terminal" "status $st after $((SECONDS - t0)) s: $out"
	# A job reading a terminal: a line, then ^D.
	out=$(timeout 20 script -qec "$HEXO run --on a --dir $tmp/job $tmp/app.hexo stdin" /dev/null \
		< <(sleep 0.5; printf 'typed\n'; sleep 0.3; printf '\004'; sleep 10) 2>&1 | tr -d '\r')
	[[ $out == $'typed\ntyped\nstdin done' ]] && pass "stdin a terminal: a typed line, then ^D" ||
		fail "typing on a terminal" "$out"
	# In the background of a terminal, the client does not read it (no SIGTTIN stop).
	out=$(timeout 20 script -qec "bash -c 'set -m; $HEXO run --on a --dir $tmp/job $tmp/app.hexo \
		sleep:2 out:bg-done & wait; echo status \$?'" /dev/null \
		< <(sleep 0.5; printf 'for the shell\n'; sleep 10) 2>&1 | tr -d '\r')
	[[ $out == *bg-done*"status 0"* ]] && pass "in the background of a terminal: not stopped" ||
		fail "background on a terminal" "$out"
else
	skip "stdin a terminal: no 'script' (util-linux)"
fi
probe_refused "STDIN before a RUN refused" stdin-first "" "STDIN before any RUN"

# --env NAME takes the client's value (left out when unset there), as locally.
out=$(cd "$tmp" && HEXO_T_CLIENT="client value" env -u HOME "$HEXO" run --on a --dir job \
	--env HEXO_T_CLIENT --env HOME --env A=1 app.hexo opts 2>&1)
[[ $out == "opts --env=HEXO_T_CLIENT=client value --env=A=1" ]] &&
	pass "--env NAME: the client's value, or nothing (not the agent's HOME)" || fail "--env NAME" "$out"
probe_refused "environment without a value refused by the agent" bare-env "" "NAME=VALUE expected"

# Bad options are refused as locally (same line, 125), before any connection.
n0=$(grep -c ": connected" "$tmp/a/log")
for args in "--mem lots" "--mem 1M" "--mem 33554433" "--env =x" "--bogus" "--mem"; do
	# shellcheck disable=SC2086
	out=$("$HEXO" run --on a --dir "$tmp/job" $args "$tmp/app.hexo" 2>&1)
	st=$?
	# shellcheck disable=SC2086
	want=$("$HEXO" run --dir "$tmp/job" $args "$tmp/app.hexo" 2>&1)
	if [[ $st == 125 && $out == "hexo: "* && $out != *$'\n'* && $out == "$want" ]]; then
		pass "'$args' refused before upload as locally: $out"
	else
		fail "'$args' refused" "status $st: $out (local: $want)"
	fi
done
head -c 100 /dev/urandom >"$tmp/damaged.hexo"
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/damaged.hexo" 2>&1)
st=$?
want=$("$HEXO" run --dir "$tmp/job" "$tmp/damaged.hexo" 2>&1)
[[ $st == 125 && $out == "$want" ]] && pass "damaged image refused here, as locally: $out" ||
	fail "damaged image" "status $st: $out (want $want)"
out=$("$HEXO" run --on a --dir "$tmp/no-such-dir" "$tmp/app.hexo" 2>&1)
[[ $? == 125 && $out == "hexo: --dir '$tmp/no-such-dir': No such file or directory" ]] &&
	pass "missing --dir refused here, as locally" || fail "missing --dir" "$out"
n1=$(grep -c ": connected" "$tmp/a/log")
[[ $n0 == "$n1" ]] && pass "no connection made for any of them (agent log)" ||
	fail "refused runs connected" "$((n1 - n0)) connections"

# argv[0] is the image as given, whatever its form (or --argv0).
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" argv 2>&1)
[[ $out == "<$tmp/app.hexo><argv>" ]] && pass "argv[0] of an absolute image path kept" || fail "argv[0] absolute" "$out"
out=$(cd "$tmp/job" && "$HEXO" run --on a --dir . ../app.hexo argv 2>&1)
[[ $out == "<../app.hexo><argv>" ]] && pass "argv[0] '../app.hexo' kept" || fail "argv[0] ../" "$out"
out=$(cd "$tmp" && "$HEXO" run --on a --dir job ./app.hexo argv 2>&1)
[[ $out == "<./app.hexo><argv>" ]] && pass "argv[0] './app.hexo' kept" || fail "argv[0] ./" "$out"
out=$(cd "$tmp" && "$HEXO" run --on a --dir job --argv0 prog app.hexo argv 2>&1)
[[ $out == "<prog><argv>" ]] && pass "--argv0 passed on" || fail "--argv0" "$out"

# A reader that goes away (| head): the job's writes fail as locally, it ends.
t0=$SECONDS
out=$(timeout 20 "$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" spam 2>"$tmp/spam.err" | head -2)
st=${PIPESTATUS[0]}
[[ $st == 3 && $out == $'y\ny' && $(cat "$tmp/spam.err") == "write failed" ]] && ((SECONDS - t0 < 10)) &&
	pass "stdout closed by its reader: the job's writes fail (EPIPE), status $st" ||
	fail "stdout reader gone" "status $st after $((SECONDS - t0)) s: $(cat "$tmp/spam.err")"
# fds the client was started without are closed for the job too.
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" fds 2>&1 <&-)
[[ $out == "fds 0:closed 1:open 2:open" ]] && pass "stdin closed here: closed for the job" ||
	fail "closed stdin" "$out"
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" fds 2>&1 >&-)
[[ $out == "fds 0:open 1:closed 2:open" ]] && pass "stdout closed here: closed for the job" ||
	fail "closed stdout" "$out"

# stdout and stderr into one file (2>&1) keep their order.
"$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:1 err:2 out:3 err:4 out:5 >"$tmp/merged" 2>&1
[[ $(cat "$tmp/merged") == $'1\n2\n3\n4\n5' ]] && pass "2>&1: stdout and stderr in order" ||
	fail "2>&1 order" "$(tr '\n' ' ' <"$tmp/merged")"

# New files get the client's umask (the job runs with umask 0); changed
# files keep their mode.
mkdir -p "$tmp/um"
echo old >"$tmp/um/old.txt"
chmod 664 "$tmp/um/old.txt"
out=$(umask 077 && "$HEXO" run --on a --dir "$tmp/um" "$tmp/app.hexo" umask write:new.txt=x write:old.txt=y 2>&1)
[[ $out == 0000 && $(stat -c %a "$tmp/um/new.txt") == 600 && $(stat -c %a "$tmp/um/old.txt") == 664 &&
	$(cat "$tmp/um/old.txt") == y ]] && pass "new files get the client's umask (600), changed ones keep 664" ||
	fail "result modes" "job umask $out, new $(stat -c %a "$tmp/um/new.txt"), old $(stat -c %a "$tmp/um/old.txt")"

# Without --dir the current directory goes: not a huge one.
mkdir -p "$tmp/many" "$tmp/huge"
(cd "$tmp/many" && seq -f 'f%g' 10001 | xargs touch)
truncate -s 1100M "$tmp/huge/sparse.bin"
n0=$(grep -c ": connected" "$tmp/a/log")
out=$(cd "$tmp/many" && "$HEXO" run --on a "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"more than 10000 files and folders"*"--dir"* && $out != *$'\n'* ]] &&
	pass "no --dir and 10001 files here: refused ($out)" || fail "too many files" "status $st: $out"
out=$(cd "$tmp/huge" && "$HEXO" run --on a "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"more than 1 GiB"*"--dir"* ]] && pass "no --dir and 1.1 GB here: refused" ||
	fail "too many bytes" "status $st: $out"
n1=$(grep -c ": connected" "$tmp/a/log")
[[ $n0 == "$n1" ]] && pass "no connection made for them" || fail "too big: connected" "$((n1 - n0))"
out=$(cd "$tmp/um" && "$HEXO" run --on a "$tmp/app.hexo" cat:old.txt 2>&1)
[[ $out == y ]] && pass "no --dir: the current directory is the job directory" || fail "no --dir" "$out"
rm -rf "$tmp/many" "$tmp/huge"

# Output is streamed as produced, not at the end.
"$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:first sleep:3 out:second \
	>"$tmp/stream.out" 2>/dev/null &
cpid=$!
if wait_until 2 grep -qs first "$tmp/stream.out" && kill -0 "$cpid" 2>/dev/null; then
	pass "output arrives while the job still runs"
else
	fail "output not streamed" "$(cat "$tmp/stream.out")"
fi
wait "$cpid"
[[ $(cat "$tmp/stream.out") == $'first\nsecond' ]] && pass "streamed output complete" ||
	fail "streamed output" "$(cat "$tmp/stream.out")"

out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" $'write:bad\tname=x' 2>&1)
[[ $out == *"not returning 'bad?name': file name not allowed"* || $out == *"not returning 'bad"*"name': file name not allowed"* ]] &&
	[[ -z $(compgen -G "$tmp/job/bad*") ]] && pass "a file name the protocol refuses stays behind, with a note" ||
	fail "control character in a result name" "$out"

"$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" kill:9 >/dev/null 2>&1
st=$?
[[ $st == 137 ]] && pass "job killed by a signal: status 128+9" || fail "signal status" "$st"

# Two jobs at once.
t0=$SECONDS
mkdir -p "$tmp/j1" "$tmp/j2"
"$HEXO" run --on a --dir "$tmp/j1" "$tmp/app.hexo" sleep:2 write:done=1 >/dev/null 2>&1 &
c1=$!
"$HEXO" run --on a --dir "$tmp/j2" "$tmp/app.hexo" sleep:2 write:done=2 >/dev/null 2>&1 &
c2=$!
wait "$c1" "$c2"
dt=$((SECONDS - t0))
[[ $(cat "$tmp/j1/done") == 1 && $(cat "$tmp/j2/done") == 2 ]] && ((dt < 4)) &&
	pass "two jobs run at once (${dt}s)" || fail "concurrent jobs" "${dt}s"

# The client dies mid-run: the job's whole process group goes, and its dir.
rm -f "$tmp/job.pid"
"$HEXO" run --on a --dir "$tmp/j1" "$tmp/app.hexo" "pidfile:$tmp/job.pid" sleep:60 \
	>/dev/null 2>&1 &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid"; then
	jpid=$(cat "$tmp/job.pid")
	kill -9 "$cpid"
	wait "$cpid" 2>/dev/null
	if wait_until 5 no_group "$jpid" && wait_until 5 empty_dir "$tmp/a/work" &&
		wait_until 5 no_children "$PID_a"; then
		pass "client gone mid-run: job process group killed, temp dir removed"
	else
		fail "client gone mid-run" "group: $(procs_where pgrp "$jpid"), work: $(ls "$tmp/a/work")"
	fi
else
	fail "job did not start" "$(tail -3 "$tmp/a/log")"
	kill -9 "$cpid" 2>/dev/null
fi

# ---------------------------------------------------- still serving --
still_serving
finish
