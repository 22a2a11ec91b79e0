#!/usr/bin/env bash
# Integration tests for hexod and the client side of 'hexo run --on', against
# real agents on 127.0.0.1 with free ports. Jobs run under a stand-in hexo
# (tests/hexod/fake-hexo) so the agent is tested without KVM; when
# build/bin/hexo, build/bin/hexocc and /dev/kvm are there, a real guest also
# runs through an agent and is compared with a local 'hexo run'.
# Needs: make build/bin/hexod build/tests/hexod/hexo-cli build/tests/hexod/probe
# (make test-hexod builds them and runs this). Ends with the line
#   N passed, N failed, N skipped
# and exits non-zero when anything failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=$root/${BUILD:-build}
HEXOD=$build/bin/hexod
CLI=$build/tests/hexod/hexo-cli
PROBE=$build/tests/hexod/probe
FAKE=$root/tests/hexod/fake-hexo

pass=0 fail=0 skip=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1${2:+: $2}"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $1"; skip=$((skip + 1)); }
summary() { echo "$pass passed, $fail failed, $skip skipped"; }

for b in "$HEXOD" "$CLI" "$PROBE"; do
	if [[ ! -x $b ]]; then
		bad "hexod tests" "$b is not built: run 'make test-hexod'"
		summary
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/hexod-test.XXXXXX)
export HEXO_STATE=$tmp/state
export HEXO_TEST_PROBE=$PROBE # fake-hexo makes and reads checkpoints with it
agents=()

cleanup() {
	local p
	for p in "${agents[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_agent NAME [hexod options...]: sets PID_<NAME> and PORT_<NAME>.
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

# The pids whose /proc stat field ppid (which=ppid) or pgrp equals $2.
procs_where() {
	local which=$1 want=$2 s line rest
	for s in /proc/[0-9]*/stat; do
		{ read -r line <"$s"; } 2>/dev/null || continue
		rest=${line##*) }
		set -- $rest
		if [[ $which == ppid && $2 == "$want" ]] || [[ $which == pgrp && $3 == "$want" ]]; then
			echo "${s//[^0-9]/}"
		fi
	done
}

# wait_until SECS CMD...: polls CMD every 50 ms.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.05
	done
}

no_children() { [[ -z $(procs_where ppid "$1") ]]; }
no_group() { [[ -z $(procs_where pgrp "$1") ]]; }
# True when process $1 has exited (gone, or a zombie not yet waited for).
exited() { [[ ! -e /proc/$1 || $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) == Z* ]]; }
empty_dir() { [[ -z $(ls -A "$1" 2>/dev/null) ]]; }

"$HEXOD" --new-secret "$tmp/secret" || { bad "hexod --new-secret"; summary; exit 1; }
"$HEXOD" --new-secret "$tmp/wrong" >/dev/null
start_agent a --hexo "$FAKE" --timeout 2
if [[ -z $PORT_a ]]; then
	bad "agent starts" "no port file; log: $(cat "$tmp/a/log" 2>/dev/null)"
	summary
	exit 1
fi
ok "agent starts on 127.0.0.1:$PORT_a"
# A valid image (the client checks images as a local run does), not a guest:
# fake-hexo only looks at its size.
"$PROBE" make-image "$tmp/app.hexo" 5000 || { bad "probe make-image"; summary; exit 1; }

# --------------------------------------------------------------- secrets --
mode=$(stat -c %a "$tmp/secret")
[[ $mode == 600 ]] && ok "--new-secret writes mode 0600" || bad "--new-secret mode" "$mode"
if ! "$HEXOD" --new-secret "$tmp/secret" 2>/dev/null; then
	ok "--new-secret refuses to overwrite"
else
	bad "--new-secret overwrote a secret"
fi

# ------------------------------------------------------ registry and ping --
if out=$("$CLI" node add a "127.0.0.1:$PORT_a" --secret-file "$tmp/secret" 2>&1) &&
	[[ $out == *"hexod "*"x86_64"* || $out == *"hexod "*"$(uname -m)"* ]]; then
	ok "node add pings the agent: $out"
else
	bad "node add" "$out"
fi
mode=$(stat -c %a "$HEXO_STATE/nodes/a.json" 2>/dev/null)
dmode=$(stat -c %a "$HEXO_STATE" 2>/dev/null)
[[ $mode == 600 && $dmode == 700 ]] && ok "registry file 0600 in a 0700 folder" ||
	bad "registry modes" "file $mode, folder $dmode"

out=$("$CLI" node ping a 2>&1)
cpus=$(nproc)
if [[ $out == *"hexod 0.1.0, $(uname -m), $cpus CPUs"* ]]; then
	ok "ping: version, ISA, CPUs ($out)"
else
	bad "ping" "$out"
fi
out=$("$CLI" node list 2>&1)
[[ $out == *"a "*"remote"*"127.0.0.1:$PORT_a"*"$(uname -m)"* ]] && ok "node list" ||
	bad "node list" "$out"

# ------------------------------------------------------------ bad secret --
out=$("$CLI" node add w "127.0.0.1:$PORT_a" --secret-file "$tmp/wrong" 2>&1)
st=$?
if [[ $st == 125 && $out == *"secret"* && ! -e $HEXO_STATE/nodes/w.json ]]; then
	ok "node add with a wrong secret is refused: $out"
else
	bad "node add with a wrong secret" "status $st: $out"
fi
"$CLI" node add w "127.0.0.1:$PORT_a" --secret-file "$tmp/wrong" --no-check >/dev/null 2>&1
out=$("$CLI" run --on w --dir "$tmp" "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"secret"* ]] && ok "run with a wrong secret fails with 125" ||
	bad "run with a wrong secret" "status $st: $out"
out=$("$PROBE" "$PORT_a" "$tmp/secret" bad-auth 2>&1)
[[ $? == 0 && $out == *"authentication failed"* ]] &&
	ok "agent refuses a wrong proof with an error frame ($out)" || bad "bad proof" "$out"
"$CLI" node rm w >/dev/null

# ------------------------------------------------------ hostile clients --
probe_refused() { # NAME SCENARIO [ARG] [EXPECTED-TEXT]
	local out
	out=$("$PROBE" "$PORT_a" "$tmp/secret" "$2" ${3:+"$3"} 2>&1)
	if [[ $? == 0 && $out == *"${4:-refused}"* ]]; then
		ok "$1 ($out)"
	else
		bad "$1" "$out"
	fi
}
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
	ok "no file written outside the job folder" || bad "a file escaped the job folder"
"$PROBE" "$PORT_a" "$tmp/secret" truncated >/dev/null 2>&1
n=$(grep -c "refused" "$tmp/a/log")
if ((n >= 14)) && grep -q "127.0.0.1:[0-9]* #[0-9]*: refused: handshake: unknown frame type" "$tmp/a/log"; then
	ok "refusals logged with the peer address ($n lines)"
else
	bad "refusal log" "$n lines"
fi

# ------------------------------------------------- connection dropped --
"$PROBE" "$PORT_a" "$tmp/secret" drop-upload 1500 >"$tmp/drop.out" 2>&1 &
probe_pid=$!
if wait_until 5 grep -qs uploading "$tmp/drop.out" &&
	wait_until 2 compgen -G "$tmp/a/work/job-*" >/dev/null; then
	ok "a job folder exists during the upload"
else
	bad "no job folder during the upload"
fi
wait "$probe_pid"
if wait_until 5 empty_dir "$tmp/a/work" && wait_until 5 no_children "$PID_a"; then
	ok "upload dropped: temp dir removed, no process left"
else
	bad "upload dropped" "work: $(ls "$tmp/a/work"), children: $(procs_where ppid "$PID_a")"
fi
grep -q "client went away" "$tmp/a/log" && ok "dropped upload logged" ||
	bad "dropped upload not logged"

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
"$CLI" run --on a --dir job --mem 64M --env A=B --stats app.hexo \
	out:hello err:oops cat:input.txt cat:link argv opts image \
	write:out.txt=result write:sub/new/deep.txt=x rm:sub/nested.txt \
	copy:big.bin=big2.bin isdir:empty mode:empty exit:3 >"$tmp/run.out" 2>"$tmp/run.err"
st=$?
cd "$root"
[[ $st == 3 ]] && ok "exit status passes through (3)" || bad "exit status" "$st: $(cat "$tmp/run.err")"
expect_out=$'hello\ninput data\ninput data\n<app.hexo><out:hello>'
[[ $(head -c ${#expect_out} "$tmp/run.out") == "$expect_out" ]] &&
	ok "stdout streamed back, job folder uploaded (a symlink too), image name kept as argv[0]" ||
	bad "stdout" "$(cat "$tmp/run.out")"
grep -qx "opts --mem=64M --env=A=B --stats" "$tmp/run.out" && ok "--mem, --env, --stats passed on" ||
	bad "options" "$(cat "$tmp/run.out")"
grep -qx "image $(stat -c %s "$tmp/app.hexo")" "$tmp/run.out" && ok "image uploaded whole" ||
	bad "image size" "$(grep image "$tmp/run.out")"
grep -qx "dir empty" "$tmp/run.out" && grep -qx 750 "$tmp/run.out" &&
	ok "an empty folder is sent, with its mode" || bad "empty folder" "$(cat "$tmp/run.out")"
grep -qx "oops" "$tmp/run.err" && ok "stderr streamed back separately" ||
	bad "stderr" "$(cat "$tmp/run.err")"
grep -q "not sending" "$tmp/run.err" && bad "fifo not sent: warned without --verbose" "$(cat "$tmp/run.err")" ||
	ok "a fifo in the job folder is not sent, quietly"
out=$(cd "$tmp" && "$CLI" run --on a --verbose --dir job app.hexo 2>&1 >/dev/null)
[[ $out == "hexo: warning: not sending 'job/fifo' to node 'a': not a regular file, folder or symlink"$'\n'"hexo: job job-"??????" started on node 'a'" ]] &&
	ok "--verbose names the special files not sent, and the job's id" || bad "--verbose" "$out"
[[ -L $tmp/job/link ]] && ok "the symlink stays a symlink" || bad "symlink replaced"
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" rm:link 2>&1)
[[ -z $out && ! -e $tmp/job/link && ! -L $tmp/job/link && -f $tmp/job/input.txt ]] &&
	ok "a symlink the job removed is removed here" || bad "symlink removal" "$out"
ln -s input.txt "$tmp/job/link"
[[ $(cat "$tmp/job/out.txt" 2>/dev/null) == result && $(cat "$tmp/job/sub/new/deep.txt" 2>/dev/null) == x ]] &&
	ok "created files come back (with new folders)" || bad "created files"
[[ ! -e $tmp/job/sub/nested.txt ]] && ok "deleted file removed locally" || bad "deleted file still there"
cmp -s "$tmp/job/big.bin" "$tmp/job/big2.bin" && ok "3 MB file comes back intact (chunked)" ||
	bad "big file"
[[ $(stat -c %Y "$tmp/job/same.txt") == $(date -d 2000-01-01 +%s) ]] &&
	ok "unchanged file not rewritten" || bad "unchanged file was rewritten"
ls -A "$tmp/job" | grep -q hexo-tmp && bad "temp files left in the job folder" ||
	ok "no temp files left in the job folder"
wait_until 5 empty_dir "$tmp/a/work" && ok "job temp dir removed" || bad "job temp dir left"

# ------------------------------------------------ as a local run does --
# stdin is forwarded as it is read; its end closes the job's stdin.
out=$(printf 'line one\nline two\n' | "$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" stdin 2>&1)
[[ $out == $'line one\nline two\nstdin done' ]] && ok "stdin forwarded to the job, then its end" ||
	bad "stdin" "$out"
head -c 3000000 /dev/urandom >"$tmp/stdin.bin"
want=$(md5sum <"$tmp/stdin.bin" | cut -d' ' -f1)
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" stdin-sum <"$tmp/stdin.bin" 2>&1)
[[ $out == "stdin $want" ]] && ok "3 MB of stdin arrive intact" || bad "big stdin" "$out"
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" stdin </dev/null 2>&1)
[[ $out == "stdin done" ]] && ok "stdin /dev/null: the job reads its end" || bad "empty stdin" "$out"
# A job that never reads stdin ends at once, whatever stdin holds or does.
t0=$SECONDS
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:quick < <(sleep 30) 2>&1)
st=$?
[[ $st == 0 && $out == quick ]] && ((SECONDS - t0 < 10)) &&
	ok "a job that does not read an endless stdin ends ($((SECONDS - t0)) s)" ||
	bad "endless stdin" "status $st after $((SECONDS - t0)) s: $out"
t0=$SECONDS
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:quick <"$tmp/stdin.bin" 2>&1)
[[ $? == 0 && $out == quick ]] && ((SECONDS - t0 < 10)) &&
	ok "a job that does not read a 3 MB stdin ends" || bad "unread stdin" "$out"
if command -v script >/dev/null; then
	# stdin a terminal nobody types on: the job ends, the client too.
	t0=$SECONDS
	out=$(timeout 20 script -qec "$CLI run --on a --dir $tmp/job $tmp/app.hexo out:on-a-tty" \
		/dev/null < <(sleep 30) 2>&1)
	st=$?
	[[ $st == 0 && $out == *on-a-tty* ]] && ((SECONDS - t0 < 10)) &&
		ok "stdin a terminal, job not reading: ends at once" ||
		bad "stdin a terminal" "status $st after $((SECONDS - t0)) s: $out"
	# A job reading a terminal: a line, then ^D.
	out=$(timeout 20 script -qec "$CLI run --on a --dir $tmp/job $tmp/app.hexo stdin" /dev/null \
		< <(sleep 0.5; printf 'typed\n'; sleep 0.3; printf '\004'; sleep 10) 2>&1 | tr -d '\r')
	[[ $out == $'typed\ntyped\nstdin done' ]] && ok "stdin a terminal: a typed line, then ^D" ||
		bad "typing on a terminal" "$out"
	# In the background of a terminal, the client does not read it (no SIGTTIN stop).
	out=$(timeout 20 script -qec "bash -c 'set -m; $CLI run --on a --dir $tmp/job $tmp/app.hexo \
		sleep:2 out:bg-done & wait; echo status \$?'" /dev/null \
		< <(sleep 0.5; printf 'for the shell\n'; sleep 10) 2>&1 | tr -d '\r')
	[[ $out == *bg-done*"status 0"* ]] && ok "in the background of a terminal: not stopped" ||
		bad "background on a terminal" "$out"
else
	skipped "stdin a terminal: no 'script' (util-linux)"
fi
probe_refused "STDIN before a RUN refused" stdin-first "" "STDIN before any RUN"

# --env NAME takes the client's value (left out when unset there), as locally.
out=$(cd "$tmp" && HEXO_T_CLIENT="client value" env -u HOME "$CLI" run --on a --dir job \
	--env HEXO_T_CLIENT --env HOME --env A=1 app.hexo opts 2>&1)
[[ $out == "opts --env=HEXO_T_CLIENT=client value --env=A=1" ]] &&
	ok "--env NAME: the client's value, or nothing (not the agent's HOME)" || bad "--env NAME" "$out"
probe_refused "environment without a value refused by the agent" bare-env "" "NAME=VALUE expected"

# Bad options are refused as locally (same line, 125), before any connection.
n0=$(grep -c ": connected" "$tmp/a/log")
for args in "--mem lots" "--mem 1M" "--mem 33554433" "--env =x" "--bogus" "--mem"; do
	# shellcheck disable=SC2086
	out=$("$CLI" run --on a --dir "$tmp/job" $args "$tmp/app.hexo" 2>&1)
	st=$?
	want=
	if [[ -x $build/bin/hexo ]]; then
		# shellcheck disable=SC2086
		want=$("$build/bin/hexo" run --dir "$tmp/job" $args "$tmp/app.hexo" 2>&1)
	fi
	if [[ $st == 125 && $out == "hexo: "* && $out != *$'\n'* && (-z $want || $out == "$want") ]]; then
		ok "'$args' refused before upload as locally: $out"
	else
		bad "'$args' refused" "status $st: $out (local: $want)"
	fi
done
head -c 100 /dev/urandom >"$tmp/damaged.hexo"
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/damaged.hexo" 2>&1)
st=$?
want="hexo: $tmp/damaged.hexo: not a hexo image (bad magic)"
[[ -x $build/bin/hexo ]] && want=$("$build/bin/hexo" run --dir "$tmp/job" "$tmp/damaged.hexo" 2>&1)
[[ $st == 125 && $out == "$want" ]] && ok "damaged image refused here, as locally: $out" ||
	bad "damaged image" "status $st: $out (want $want)"
out=$("$CLI" run --on a --dir "$tmp/no-such-dir" "$tmp/app.hexo" 2>&1)
[[ $? == 125 && $out == "hexo: --dir '$tmp/no-such-dir': No such file or directory" ]] &&
	ok "missing --dir refused here, as locally" || bad "missing --dir" "$out"
n1=$(grep -c ": connected" "$tmp/a/log")
[[ $n0 == "$n1" ]] && ok "no connection made for any of them (agent log)" ||
	bad "refused runs connected" "$((n1 - n0)) connections"

# argv[0] is the image as given, whatever its form (or --argv0).
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" argv 2>&1)
[[ $out == "<$tmp/app.hexo><argv>" ]] && ok "argv[0] of an absolute image path kept" || bad "argv[0] absolute" "$out"
out=$(cd "$tmp/job" && "$CLI" run --on a --dir . ../app.hexo argv 2>&1)
[[ $out == "<../app.hexo><argv>" ]] && ok "argv[0] '../app.hexo' kept" || bad "argv[0] ../" "$out"
out=$(cd "$tmp" && "$CLI" run --on a --dir job ./app.hexo argv 2>&1)
[[ $out == "<./app.hexo><argv>" ]] && ok "argv[0] './app.hexo' kept" || bad "argv[0] ./" "$out"
out=$(cd "$tmp" && "$CLI" run --on a --dir job --argv0 prog app.hexo argv 2>&1)
[[ $out == "<prog><argv>" ]] && ok "--argv0 passed on" || bad "--argv0" "$out"

# A reader that goes away (| head): the job's writes fail as locally, it ends.
t0=$SECONDS
out=$(timeout 20 "$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" spam 2>"$tmp/spam.err" | head -2)
st=${PIPESTATUS[0]}
[[ $st == 3 && $out == $'y\ny' && $(cat "$tmp/spam.err") == "write failed" ]] && ((SECONDS - t0 < 10)) &&
	ok "stdout closed by its reader: the job's writes fail (EPIPE), status $st" ||
	bad "stdout reader gone" "status $st after $((SECONDS - t0)) s: $(cat "$tmp/spam.err")"
# fds the client was started without are closed for the job too.
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" fds 2>&1 <&-)
[[ $out == "fds 0:closed 1:open 2:open" ]] && ok "stdin closed here: closed for the job" ||
	bad "closed stdin" "$out"
out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" fds 2>&1 >&-)
[[ $out == "fds 0:open 1:closed 2:open" ]] && ok "stdout closed here: closed for the job" ||
	bad "closed stdout" "$out"

# stdout and stderr into one file (2>&1) keep their order.
"$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:1 err:2 out:3 err:4 out:5 >"$tmp/merged" 2>&1
[[ $(cat "$tmp/merged") == $'1\n2\n3\n4\n5' ]] && ok "2>&1: stdout and stderr in order" ||
	bad "2>&1 order" "$(tr '\n' ' ' <"$tmp/merged")"

# New files get the client's umask (the job runs with umask 0); changed
# files keep their mode.
mkdir -p "$tmp/um"
echo old >"$tmp/um/old.txt"
chmod 664 "$tmp/um/old.txt"
out=$(umask 077 && "$CLI" run --on a --dir "$tmp/um" "$tmp/app.hexo" umask write:new.txt=x write:old.txt=y 2>&1)
[[ $out == 0000 && $(stat -c %a "$tmp/um/new.txt") == 600 && $(stat -c %a "$tmp/um/old.txt") == 664 &&
	$(cat "$tmp/um/old.txt") == y ]] && ok "new files get the client's umask (600), changed ones keep 664" ||
	bad "result modes" "job umask $out, new $(stat -c %a "$tmp/um/new.txt"), old $(stat -c %a "$tmp/um/old.txt")"

# Without --dir the current directory goes: not a huge one.
mkdir -p "$tmp/many" "$tmp/huge"
(cd "$tmp/many" && seq -f 'f%g' 10001 | xargs touch)
truncate -s 1100M "$tmp/huge/sparse.bin"
n0=$(grep -c ": connected" "$tmp/a/log")
out=$(cd "$tmp/many" && "$CLI" run --on a "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"more than 10000 files and folders"*"--dir"* && $out != *$'\n'* ]] &&
	ok "no --dir and 10001 files here: refused ($out)" || bad "too many files" "status $st: $out"
out=$(cd "$tmp/huge" && "$CLI" run --on a "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"more than 1 GiB"*"--dir"* ]] && ok "no --dir and 1.1 GB here: refused" ||
	bad "too many bytes" "status $st: $out"
n1=$(grep -c ": connected" "$tmp/a/log")
[[ $n0 == "$n1" ]] && ok "no connection made for them" || bad "too big: connected" "$((n1 - n0))"
out=$(cd "$tmp/um" && "$CLI" run --on a "$tmp/app.hexo" cat:old.txt 2>&1)
[[ $out == y ]] && ok "no --dir: the current directory is the job directory" || bad "no --dir" "$out"
rm -rf "$tmp/many" "$tmp/huge"

# Output is streamed as produced, not at the end.
"$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:first sleep:3 out:second \
	>"$tmp/stream.out" 2>/dev/null &
cpid=$!
if wait_until 2 grep -qs first "$tmp/stream.out" && kill -0 "$cpid" 2>/dev/null; then
	ok "output arrives while the job still runs"
else
	bad "output not streamed" "$(cat "$tmp/stream.out")"
fi
wait "$cpid"
[[ $(cat "$tmp/stream.out") == $'first\nsecond' ]] && ok "streamed output complete" ||
	bad "streamed output" "$(cat "$tmp/stream.out")"

out=$("$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" $'write:bad\tname=x' 2>&1)
[[ $out == *"not returning 'bad?name': file name not allowed"* || $out == *"not returning 'bad"*"name': file name not allowed"* ]] &&
	[[ -z $(compgen -G "$tmp/job/bad*") ]] && ok "a file name the protocol refuses stays behind, with a note" ||
	bad "control character in a result name" "$out"

"$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" kill:9 >/dev/null 2>&1
st=$?
[[ $st == 137 ]] && ok "job killed by a signal: status 128+9" || bad "signal status" "$st"

# Two jobs at once.
t0=$SECONDS
mkdir -p "$tmp/j1" "$tmp/j2"
"$CLI" run --on a --dir "$tmp/j1" "$tmp/app.hexo" sleep:2 write:done=1 >/dev/null 2>&1 &
c1=$!
"$CLI" run --on a --dir "$tmp/j2" "$tmp/app.hexo" sleep:2 write:done=2 >/dev/null 2>&1 &
c2=$!
wait "$c1" "$c2"
dt=$((SECONDS - t0))
[[ $(cat "$tmp/j1/done") == 1 && $(cat "$tmp/j2/done") == 2 ]] && ((dt < 4)) &&
	ok "two jobs run at once (${dt}s)" || bad "concurrent jobs" "${dt}s"

# The client dies mid-run: the job's whole process group goes, and its dir.
rm -f "$tmp/job.pid"
"$CLI" run --on a --dir "$tmp/j1" "$tmp/app.hexo" "pidfile:$tmp/job.pid" sleep:60 \
	>/dev/null 2>&1 &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid"; then
	jpid=$(cat "$tmp/job.pid")
	kill -9 "$cpid"
	wait "$cpid" 2>/dev/null
	if wait_until 5 no_group "$jpid" && wait_until 5 empty_dir "$tmp/a/work" &&
		wait_until 5 no_children "$PID_a"; then
		ok "client gone mid-run: job process group killed, temp dir removed"
	else
		bad "client gone mid-run" "group: $(procs_where pgrp "$jpid"), work: $(ls "$tmp/a/work")"
	fi
else
	bad "job did not start" "$(tail -3 "$tmp/a/log")"
	kill -9 "$cpid" 2>/dev/null
fi

# ------------------------------------------------------------ migration --
# Checkpoints come back, resumes go out, migration requests reach the job.
# fake-hexo's checkpoints are real ones (probe make-ckpt) holding the actions
# left to play, so the client verifies them as `hexo resume` would.
ckpt_text() { "$PROBE" ckpt-text "$1" 2>&1 | tr '\n' ' '; }
no_tmp_left() { [[ -z $(find "$1" -maxdepth 1 -name '*hexo-tmp*') ]]; }
mkdir -p "$tmp/mig/job" "$tmp/mig/cwd"
echo "from the client" >"$tmp/mig/job/in.txt"
cp "$tmp/app.hexo" "$tmp/mig/app.hexo"
out=$("$CLI" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/a.ckpt" --migrate-after 2.5 \
	--checkpoint-every 7 "$tmp/mig/app.hexo" migopts write:before=1 stop out:never 2>&1)
st=$?
[[ $st == 0 && $out == "migopts 2.5 7 outside" ]] &&
	ok "run --on: --migrate-after and --checkpoint-every passed on as given, the checkpoint goes outside the job folder" ||
	bad "migration options" "status $st: $out"
[[ $(ckpt_text "$tmp/mig/a.ckpt") == "out:never " && $(cat "$tmp/mig/job/before" 2>/dev/null) == 1 ]] &&
	ok "stopped at a checkpoint: it comes back to --checkpoint, with the job's files" ||
	bad "checkpoint back" "$(ls "$tmp/mig" "$tmp/mig/job"): $(ckpt_text "$tmp/mig/a.ckpt")"
[[ $(stat -c %a "$tmp/mig/a.ckpt") == $(printf '%o' $((0666 & ~$(umask)))) ]] && no_tmp_left "$tmp/mig" &&
	ok "checkpoint written atomically with a local run's mode, no temp file left" ||
	bad "checkpoint mode or temp" "$(stat -c %a "$tmp/mig/a.ckpt"); $(ls -A "$tmp/mig")"
(cd "$tmp/mig/cwd" && "$CLI" run --on a --dir ../job ../app.hexo out:x stop out:y >/dev/null 2>&1)
[[ $(ckpt_text "$tmp/mig/cwd/app.ckpt") == "out:y " ]] &&
	ok "without --checkpoint: IMAGE's name with .ckpt in the current folder" ||
	bad "default checkpoint name" "$(ls "$tmp/mig/cwd")"
# No checkpoint written: nothing touched here.
rm -f "$tmp/mig/cwd/app.ckpt"
echo old >"$tmp/mig/old.ckpt"
touch -d '2000-01-01' "$tmp/mig/old.ckpt"
(cd "$tmp/mig/cwd" && "$CLI" run --on a --dir ../job ../app.hexo out:x >/dev/null 2>&1 &&
	"$CLI" run --on a --dir ../job --checkpoint ../old.ckpt ../app.hexo out:x exit:4 >/dev/null 2>&1)
st=$?
[[ $st == 4 && ! -e $tmp/mig/cwd/app.ckpt && $(cat "$tmp/mig/old.ckpt") == old &&
	$(stat -c %Y "$tmp/mig/old.ckpt") == $(date -d 2000-01-01 +%s) ]] && no_tmp_left "$tmp/mig/cwd" &&
	ok "no checkpoint written there: no file made or touched here" ||
	bad "no checkpoint" "status $st; $(ls -A "$tmp/mig/cwd"); old: $(cat "$tmp/mig/old.ckpt")"
# Periodic checkpoints: the job goes on and ends; its last checkpoint comes back.
out=$("$CLI" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/p.ckpt" --checkpoint-every 1 \
	"$tmp/mig/app.hexo" ckpt out:one ckpt out:two exit:5 2>&1)
st=$?
[[ $st == 5 && $out == $'one\ntwo' && $(ckpt_text "$tmp/mig/p.ckpt") == "out:two exit:5 " ]] &&
	ok "periodic checkpoints: the job ends (status 5), the last checkpoint comes back" ||
	bad "periodic checkpoint" "status $st: $out; $(ckpt_text "$tmp/mig/p.ckpt")"

# Resume: the checkpoint, the image and the job folder go; the job's files
# and its next checkpoint (default: over CHECKPOINT) come back.
rm -rf "$tmp/mig/job2"
mkdir -p "$tmp/mig/job2"
echo "job two" >"$tmp/mig/job2/in.txt"
"$CLI" run --on a --dir "$tmp/mig/job2" --checkpoint "$tmp/mig/r.ckpt" "$tmp/mig/app.hexo" \
	write:state=1 stop whoami image cat:in.txt cat:state write:state=2 migopts stop out:end exit:6 \
	>/dev/null 2>&1
n0=$(grep -c "job started: .*hexo resume" "$tmp/a/log")
out=$("$CLI" resume --on a --dir "$tmp/mig/job2" --image "$tmp/mig/app.hexo" --migrate-after 0 \
	--checkpoint-every 3 "$tmp/mig/r.ckpt" 2>&1)
st=$?
want="resume app.hexo"$'\n'"image $(stat -c %s "$tmp/mig/app.hexo")"$'\n'"job two"$'\n'"1"$'\n'"migopts 0 3 outside"
[[ $st == 0 && $out == "$want" ]] &&
	ok "resume --on: checkpoint, image and job folder sent, options passed on" ||
	bad "resume --on" "status $st: $out"
[[ $(cat "$tmp/mig/job2/state") == 2 && $(ckpt_text "$tmp/mig/r.ckpt") == "out:end exit:6 " ]] && no_tmp_left "$tmp/mig" &&
	ok "resume --on: changed files back, the new checkpoint over CHECKPOINT" ||
	bad "resume results" "state $(cat "$tmp/mig/job2/state"); $(ckpt_text "$tmp/mig/r.ckpt")"
n1=$(grep -c "job started: .*hexo resume" "$tmp/a/log")
((n1 == n0 + 1)) && ok "the agent ran hexo resume" || bad "agent log" "$n0 -> $n1"
# The checkpoint records the node's copy of the image: it is found by its
# name next to the checkpoint, as a local resume does.
cp "$tmp/mig/r.ckpt" "$tmp/mig/r2.ckpt"
out=$("$CLI" resume --on a --dir "$tmp/mig/job2" --checkpoint "$tmp/mig/r3.ckpt" "$tmp/mig/r2.ckpt" 2>&1)
st=$?
[[ $st == 6 && $out == end && ! -e $tmp/mig/r3.ckpt && $(ckpt_text "$tmp/mig/r2.ckpt") == "out:end exit:6 " ]] &&
	ok "resume without --image: the image next to the checkpoint; the job ends: no checkpoint back" ||
	bad "resume to the end" "status $st: $out"
mkdir -p "$tmp/mig/elsewhere"
"$PROBE" make-ckpt "$tmp/mig/elsewhere/x.ckpt" "$tmp/mig/app.hexo" "out:recorded"
out=$("$CLI" resume --on a --dir "$tmp/mig/job2" "$tmp/mig/elsewhere/x.ckpt" 2>&1)
[[ $? == 0 && $out == recorded ]] && ok "resume without --image: the image path the checkpoint records" ||
	bad "recorded image path" "$out"
# What a local resume refuses is refused here, with its line, before connecting.
n0=$(grep -c ": connected" "$tmp/a/log")
head -c 1000 /dev/urandom >"$tmp/mig/bad.ckpt"
"$PROBE" make-ckpt-foreign "$tmp/mig/foreign.ckpt" "$tmp/mig/app.hexo" "out:x"
"$PROBE" make-ckpt "$tmp/mig/orphan.ckpt" "$tmp/mig/app.hexo" "out:x" "$tmp/mig/gone/app.hexo"
mv "$tmp/mig/app.hexo" "$tmp/mig/app.hexo.away"
for args in "--image $tmp/mig/app.hexo.away $tmp/mig/bad.ckpt" "--image $tmp/mig/app.hexo.away $tmp/mig/foreign.ckpt" \
	"$tmp/mig/orphan.ckpt" "--env A=1 $tmp/mig/r2.ckpt" "--image $tmp/mig/app.hexo.away $tmp/mig/r2.ckpt x"; do
	# shellcheck disable=SC2086
	out=$("$CLI" resume --on a --dir "$tmp/mig/job2" $args 2>&1)
	st=$?
	want=
	if [[ -x $build/bin/hexo ]] && "$build/bin/hexo" resume --help >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		want=$("$build/bin/hexo" resume --dir "$tmp/mig/job2" $args 2>&1)
	fi
	if [[ $st == 125 && $out == "hexo: "* && $out != *$'\n'* && (-z $want || $out == "$want") ]]; then
		ok "resume --on $(basename "${args##* }"): refused as locally: $out"
	else
		bad "resume --on ${args##* } refused" "status $st: $out (local: $want)"
	fi
done
mv "$tmp/mig/app.hexo.away" "$tmp/mig/app.hexo"
n1=$(grep -c ": connected" "$tmp/a/log")
[[ $n0 == "$n1" ]] && ok "no connection made for them" || bad "refused resumes connected" "$((n1 - n0))"
probe_refused "RESUME with arguments refused by the agent" resume-args "" "RESUME with arguments"

# SIGUSR1 to the client: MIGRATE; the agent sends SIGUSR1 to the job's hexo.
rm -f "$tmp/mig/u.ckpt" "$tmp/job.pid"
"$CLI" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/u.ckpt" "$tmp/mig/app.hexo" \
	"pidfile:$tmp/job.pid" out:started point:30 out:after >"$tmp/mig/u.out" 2>"$tmp/mig/u.err" &
cpid=$!
t0=$SECONDS
if wait_until 5 test -s "$tmp/job.pid"; then
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	if [[ $st == 0 && $(cat "$tmp/mig/u.out") == started && $(cat "$tmp/mig/u.err") == "fake-hexo: SIGUSR1" &&
		$(ckpt_text "$tmp/mig/u.ckpt") == "out:after " ]] && ((SECONDS - t0 < 15)); then
		ok "SIGUSR1 to 'run --on' reaches the job's hexo; its checkpoint comes back"
	else
		bad "SIGUSR1 forwarding" "status $st: $(cat "$tmp/mig/u.out" "$tmp/mig/u.err")"
	fi
	grep -q "migration requested by the client" "$tmp/a/log" && grep -q "SIGUSR1 to pid $(cat "$tmp/job.pid")" "$tmp/a/log" &&
		ok "the request and the signal logged" || bad "migration log" "$(grep -i migrat "$tmp/a/log" | tail -3)"
else
	bad "SIGUSR1 job did not start"
	kill -9 "$cpid" 2>/dev/null
fi
# A request that comes while the job's hexo would still die of SIGUSR1 (no
# handler yet) waits until it has one.
rm -f "$tmp/mig/u.ckpt"
"$CLI" run --on a --dir "$tmp/mig/job" --checkpoint "$tmp/mig/u.ckpt" "$tmp/mig/app.hexo" \
	"pidfile:$tmp/job.pid" trap-later:2 point:30 out:after >/dev/null 2>"$tmp/mig/u.err" &
cpid=$!
rm -f "$tmp/job.pid"
if wait_until 5 test -s "$tmp/job.pid"; then
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	[[ $st == 0 && $(cat "$tmp/mig/u.err") == "fake-hexo: SIGUSR1" && $(ckpt_text "$tmp/mig/u.ckpt") == "out:after " ]] &&
		ok "a request the job cannot take yet waits for it (no death by SIGUSR1)" ||
		bad "early SIGUSR1" "status $st: $(cat "$tmp/mig/u.err")"
else
	bad "trap-later job did not start"
	kill -9 "$cpid" 2>/dev/null
fi
# Also on resume --on.
"$PROBE" make-ckpt "$tmp/mig/v.ckpt" "$tmp/mig/app.hexo" "pidfile:$tmp/job.pid"$'\n'"point:30"$'\n'"out:later"
rm -f "$tmp/job.pid"
"$CLI" resume --on a --dir "$tmp/mig/job" "$tmp/mig/v.ckpt" >/dev/null 2>"$tmp/mig/v.err" &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid"; then
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	[[ $st == 0 && $(ckpt_text "$tmp/mig/v.ckpt") == "out:later " ]] &&
		ok "SIGUSR1 to 'resume --on': the job stops again, its checkpoint over CHECKPOINT" ||
		bad "SIGUSR1 on resume" "status $st: $(cat "$tmp/mig/v.err")"
else
	bad "resume job did not start"
	kill -9 "$cpid" 2>/dev/null
fi

# MIGRATE JOB: another connection (a scheduler) asks for the migration.
rm -f "$tmp/mig/w.ckpt" "$tmp/job.pid"
"$CLI" run --on a --verbose --dir "$tmp/mig/job" --checkpoint "$tmp/mig/w.ckpt" "$tmp/mig/app.hexo" \
	"pidfile:$tmp/job.pid" point:30 out:after >/dev/null 2>"$tmp/mig/w.err" &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid" && job=$(sed -n "s/^hexo: job \(job-[A-Za-z0-9]*\) started on node 'a'$/\1/p" "$tmp/mig/w.err") &&
	[[ -n $job ]]; then
	out=$("$CLI" node migrate a "$job" 2>&1)
	st=$?
	wait "$cpid"
	cst=$?
	[[ $st == 0 && $out == "a: migration of $job requested" && $cst == 0 && $(ckpt_text "$tmp/mig/w.ckpt") == "out:after " ]] &&
		ok "node migrate NODE JOB: the job stops, its client gets the checkpoint ($out)" ||
		bad "node migrate" "status $st: $out; client $cst: $(cat "$tmp/mig/w.err")"
	grep -q "left a checkpoint: $tmp/mig/w.ckpt" "$tmp/mig/w.err" && ok "--verbose says the checkpoint came back" ||
		bad "--verbose checkpoint line" "$(cat "$tmp/mig/w.err")"
	out=$("$CLI" node migrate a "$job" 2>&1)
	[[ $? == 125 && $out == *"no job '$job' running on this agent"* ]] && ok "node migrate of a job that ended: refused ($out)" ||
		bad "migrate ended job" "$out"
else
	bad "node migrate: job did not start" "$(cat "$tmp/mig/w.err")"
	kill -9 "$cpid" 2>/dev/null
fi
out=$("$CLI" node migrate a ../x 2>&1)
[[ $? == 125 && $out == *"not a job id"* ]] && ok "node migrate with a bad job id refused here ($out)" || bad "bad job id" "$out"
probe_refused "MIGRATE of an unknown job refused" migrate job-nosuch "no job 'job-nosuch' running"
probe_refused "MIGRATE of a bad job id refused" migrate "../../etc" "bad job id"
probe_refused "MIGRATE of this connection's job before any RUN refused" migrate-first "" "MIGRATE before any RUN"
[[ -z $(ls "$tmp/a/work") ]] && ok "no job folder left after the migrations" || bad "job folders left" "$(ls "$tmp/a/work")"

# Protocol versions: an older peer is refused with a clear message, both ways.
probe_refused "a client of the previous protocol refused" old-version "" \
	"client speaks protocol version $(( $(sed -n 's/^#define HEXO_PROTO_VERSION *\([0-9]*\)u.*/\1/p' lib/proto.h) - 1 ))"
"$PROBE" old-agent "$tmp/old.port" >"$tmp/old.out" 2>&1 &
opid=$!
if wait_until 5 test -s "$tmp/old.port"; then
	out=$("$CLI" node add old "127.0.0.1:$(cat "$tmp/old.port")" --secret-file "$tmp/secret" 2>&1)
	st=$?
	wait "$opid"
	[[ $st == 125 && $out == *"agent speaks protocol version"*"same hexo release on both sides"* ]] &&
		ok "an agent of the previous protocol refused by the client ($out)" || bad "old agent" "status $st: $out"
else
	bad "old agent did not start"
	kill "$opid" 2>/dev/null
fi

# ---------------------------------------------------- still serving --
out=$("$CLI" node ping a 2>&1) && ok "agent still serves after all that" || bad "agent died" "$out"
kill -0 "$PID_a" 2>/dev/null && ok "agent process alive" || bad "agent process gone"

# ------------------------------------------------- missing hexo binary --
start_agent m --hexo "$tmp/no-such-hexo"
"$CLI" node add m "127.0.0.1:$PORT_m" --secret-file "$tmp/secret" >/dev/null 2>&1
out=$("$CLI" run --on m --dir "$tmp/j1" "$tmp/app.hexo" 2>&1)
st=$?
[[ $st == 125 && $out == *"cannot run"*"--hexo"* ]] && ok "missing hexo: 125 and a clear line ($out)" ||
	bad "missing hexo" "status $st: $out"
grep -q "warning: .*no-such-hexo" "$tmp/m/log" && ok "missing hexo warned at start" ||
	bad "no start-up warning"

# ---------------------------------------------------- agent stopping --
rm -f "$tmp/job.pid"
"$CLI" run --on a --dir "$tmp/j1" "$tmp/app.hexo" "pidfile:$tmp/job.pid" sleep:60 \
	>"$tmp/stop.out" 2>&1 &
cpid=$!
if wait_until 5 test -s "$tmp/job.pid"; then
	jpid=$(cat "$tmp/job.pid")
	kill -TERM "$PID_a"
	wait "$cpid"
	st=$?
	if [[ $st == 125 ]] && grep -q "agent stopping" "$tmp/stop.out" && wait_until 5 no_group "$jpid" &&
		wait_until 5 empty_dir "$tmp/a/work" && wait_until 5 exited "$PID_a"; then
		ok "SIGTERM: client told, job killed, temp dir removed, agent exits"
	else
		bad "SIGTERM" "status $st: $(cat "$tmp/stop.out")"
	fi
else
	bad "job did not start before SIGTERM"
	kill -9 "$cpid" 2>/dev/null
fi

# ----------------------------------------------------- aarch64 agent --
a64=$build/aarch64/bin/hexod
if [[ ! -x $a64 ]]; then
	skipped "aarch64 hexod: $a64 not built"
else
	machine=$(od -An -tx1 -j18 -N2 "$a64" | tr -d ' ')
	if [[ $machine == b700 ]] && ! readelf -l "$a64" 2>/dev/null | grep -q INTERP; then
		ok "build/aarch64/bin/hexod is a static aarch64 executable"
	else
		bad "aarch64 hexod" "e_machine $machine"
	fi
	if command -v qemu-aarch64 >/dev/null; then
		mkdir -p "$tmp/q"
		qemu-aarch64 "$a64" --listen 127.0.0.1:0 --port-file "$tmp/q/port" \
			--secret-file "$tmp/secret" --work "$tmp/q/work" --log "$tmp/q/log" &
		agents+=($!)
		wait_until 10 test -s "$tmp/q/port"
		"$CLI" node add q "127.0.0.1:$(cat "$tmp/q/port" 2>/dev/null)" --secret-file "$tmp/secret" \
			--no-check >/dev/null 2>&1
		out=$("$CLI" node ping q 2>&1)
		[[ $out == *"aarch64"* ]] && ok "aarch64 hexod answers ping under qemu-aarch64 ($out)" ||
			bad "aarch64 hexod ping" "$out"
	else
		skipped "aarch64 hexod ping: qemu-aarch64 (qemu-user) not installed"
	fi
fi

# A real guest migrated through an agent here (x86-64 both sides): stopped at
# its first migration point there, resumed there and stopped again, then
# resumed here; and once stopped by SIGUSR1 to the client. The output, the
# status and the files must be a local run's.
real_migration() {
	local r=$tmp/real/mig st cpid
	if ! "$build/bin/hexo" resume --help >/dev/null 2>&1; then
		skipped "real guest migrated through hexod: no 'hexo resume' yet"
		skipped "real guest stopped by SIGUSR1 through hexod: no 'hexo resume' yet"
		return
	fi
	mkdir -p "$r/ref" "$r/rem" "$r/usr"
	cat >"$r/steps.c" <<'EOF'
#include <stdio.h>
#include <hexo/migrate.h>

int main(void)
{
	volatile unsigned long spin = 0;
	FILE *f = fopen("steps.txt", "w");

	for (int i = 0; i < 6; i++) {
		hexo_check_migrate();
		for (unsigned long k = 0; k < 30000000ul; k++)
			spin += k;
		printf("step %d\n", i);
		fflush(stdout);
		fprintf(f, "%d\n", i);
		fflush(f);
	}
	fclose(f);
	return 4;
}
EOF
	if ! (cd "$r" && "$build/bin/hexocc" -O2 -o steps.hexo steps.c) >"$r/cc.log" 2>&1; then
		bad "real guest migrated through hexod: hexocc failed" "$(tail -3 "$r/cc.log")"
		bad "real guest stopped by SIGUSR1 through hexod: not run"
		return
	fi
	(cd "$r" && "$build/bin/hexo" run --dir ref steps.hexo >ref.out 2>&1)
	echo "status $?" >>"$r/ref.out"
	(
		cd "$r" || exit 1
		"$CLI" run --on r --dir rem --migrate-after 0 steps.hexo || exit 1
		[[ -f steps.ckpt ]] || exit 1
		"$CLI" resume --on r --dir rem --migrate-after 0 steps.ckpt || exit 1
		"$build/bin/hexo" resume --dir rem steps.ckpt
	) >"$r/rem.out" 2>&1
	echo "status $?" >>"$r/rem.out"
	if cmp -s "$r/ref.out" "$r/rem.out" && cmp -s "$r/ref/steps.txt" "$r/rem/steps.txt"; then
		ok "real guest migrated through hexod: stopped there, resumed there, resumed here: as a local run"
	else
		bad "real guest migrated through hexod" "$(diff "$r/ref.out" "$r/rem.out" | head -6 | tr '\n' ' ')"
	fi
	rm -f "$r/steps.ckpt"
	(cd "$r" && exec "$CLI" run --on r --dir usr steps.hexo >usr.out 2>&1) &
	cpid=$!
	wait_until 10 grep -qs "step 1" "$r/usr.out"
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	(cd "$r" && "$build/bin/hexo" resume --dir usr steps.ckpt >>usr.out 2>&1)
	echo "status $?" >>"$r/usr.out"
	if [[ $st == 0 ]] && cmp -s "$r/ref.out" "$r/usr.out" && cmp -s "$r/ref/steps.txt" "$r/usr/steps.txt"; then
		ok "real guest stopped by SIGUSR1 through hexod, resumed here: as a local run"
	else
		bad "real guest stopped by SIGUSR1 through hexod" "status $st: $(diff "$r/ref.out" "$r/usr.out" | head -6 | tr '\n' ' ')"
	fi
}

# --------------------------------------------------------- a real guest --
real_skip=
if [[ ! -x $build/bin/hexo || ! -x $build/bin/hexocc ]]; then
	real_skip="build/bin/hexo or build/bin/hexocc not built"
elif [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
	real_skip="/dev/kvm not usable"
fi
if [[ -n $real_skip ]]; then
	skipped "real guest through hexod: $real_skip"
	skipped "real guest output file comes back: $real_skip"
	skipped "real guest migrated through hexod: $real_skip"
	skipped "real guest stopped by SIGUSR1 through hexod: $real_skip"
else
	mkdir -p "$tmp/real/local" "$tmp/real/remote"
	cat >"$tmp/real/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[64] = "";
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "spam")) { /* until a write fails */
		while (puts("y") >= 0 && fflush(stdout) == 0)
			;
		fprintf(stderr, "write failed\n");
		return 3;
	}

	printf("hello from %s:", argv[0]);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	printf("env: %s\n", getenv("HEXO_T_REAL") ? getenv("HEXO_T_REAL") : "(unset)");
	if (fgets(line, sizeof(line), stdin))
		printf("stdin: %s", line);
	else
		printf("stdin: (end)\n");
	f = fopen("input.txt", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("input: %s", line);
	if (f)
		fclose(f);
	f = fopen("result.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "result of %d args\n", argc);
	fclose(f);
	fprintf(stderr, "to stderr\n");
	return 7;
}
EOF
	echo "real input" >"$tmp/real/local/input.txt"
	echo "real input" >"$tmp/real/remote/input.txt"
	if ! (cd "$tmp/real" && "$build/bin/hexocc" -O2 -o hello.hexo hello.c) >"$tmp/real/cc.log" 2>&1; then
		bad "real guest: hexocc failed" "$(tail -3 "$tmp/real/cc.log")"
		bad "real guest output file: not run"
		bad "real guest migrated through hexod: not run"
		bad "real guest stopped by SIGUSR1 through hexod: not run"
	else
		start_agent r
		"$CLI" node add r "127.0.0.1:$PORT_r" --secret-file "$tmp/secret" >/dev/null 2>&1
		(cd "$tmp/real" && "$build/bin/hexo" run --dir local hello.hexo a "b c") \
			>"$tmp/real/local.out" 2>"$tmp/real/local.err" </dev/null
		lst=$?
		(cd "$tmp/real" && "$CLI" run --on r --dir remote hello.hexo a "b c") \
			>"$tmp/real/remote.out" 2>"$tmp/real/remote.err" </dev/null
		rst=$?
		if [[ $lst == "$rst" ]] && cmp -s "$tmp/real/local.out" "$tmp/real/remote.out" &&
			cmp -s "$tmp/real/local.err" "$tmp/real/remote.err"; then
			ok "real guest through hexod: same stdout, stderr and status ($rst) as a local run"
		else
			bad "real guest through hexod" "local $lst / remote $rst; remote: $(cat "$tmp/real/remote.out" "$tmp/real/remote.err" | head -5)"
		fi
		# An absolute image path (argv[0]), stdin, --env NAME from here, 2>&1.
		for where in local remote; do
			runner=("$build/bin/hexo" run)
			[[ $where == remote ]] && runner=("$CLI" run --on r)
			printf 'typed line\nmore\n' | HEXO_T_REAL="from the client" \
				"${runner[@]}" --dir "$tmp/real/$where" --env HEXO_T_REAL \
				"$tmp/real/hello.hexo" x >"$tmp/real/$where.2.out" 2>&1
			echo "status $?" >>"$tmp/real/$where.2.out"
		done
		if cmp -s "$tmp/real/local.2.out" "$tmp/real/remote.2.out" &&
			grep -q "hello from $tmp/real/hello.hexo: x" "$tmp/real/remote.2.out" &&
			grep -q "stdin: typed line" "$tmp/real/remote.2.out" &&
			grep -q "env: from the client" "$tmp/real/remote.2.out"; then
			ok "real guest: absolute argv[0], stdin, --env NAME and 2>&1 as locally"
		else
			bad "real guest: argv[0], stdin, --env" "$(diff "$tmp/real/local.2.out" "$tmp/real/remote.2.out" | head -8 | tr '\n' ' ')"
		fi
		# A guest writing until it fails, into | head.
		for where in local remote; do
			runner=("$build/bin/hexo" run)
			[[ $where == remote ]] && runner=("$CLI" run --on r)
			timeout 20 "${runner[@]}" --dir "$tmp/real/$where" "$tmp/real/hello.hexo" spam \
				2>"$tmp/real/$where.3.err" | head -2 >"$tmp/real/$where.3.out"
			echo "status ${PIPESTATUS[0]}" >>"$tmp/real/$where.3.out"
		done
		if cmp -s "$tmp/real/local.3.out" "$tmp/real/remote.3.out" &&
			cmp -s "$tmp/real/local.3.err" "$tmp/real/remote.3.err"; then
			ok "real guest: | head ends a guest writing forever, as locally ($(tail -1 "$tmp/real/remote.3.out"))"
		else
			bad "real guest: | head" "local $(tr '\n' ' ' <"$tmp/real/local.3.out") / remote $(tr '\n' ' ' <"$tmp/real/remote.3.out")"
		fi
		if [[ ! -s $tmp/real/local/result.txt ]]; then
			skipped "real guest output file: the local run wrote none (status $lst: $(head -c 200 "$tmp/real/local.err"))"
		elif [[ -s $tmp/real/remote/result.txt ]] && cmp -s "$tmp/real/local/result.txt" "$tmp/real/remote/result.txt"; then
			ok "real guest's output file comes back ($(cat "$tmp/real/remote/result.txt"))"
		else
			bad "real guest output file" "$(ls "$tmp/real/remote")"
		fi
		real_migration
	fi
fi

summary
[[ $fail == 0 ]]
