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
out=$("$CLI" run --on w --dir "$tmp" /dev/null 2>&1)
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
probe_refused "out-of-order DATA refused" out-of-order "" "expected a PING or RUN"
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
if wait_until 5 grep -q uploading "$tmp/drop.out" &&
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
head -c 5000 /dev/urandom >"$tmp/app.hexo"
ln -s input.txt "$tmp/job/link"
touch -d '2000-01-01' "$tmp/job/same.txt"
cd "$tmp"
"$CLI" run --on a --dir job --mem 64M --env A=B --stats app.hexo \
	out:hello err:oops cat:input.txt argv opts image \
	write:out.txt=result write:sub/new/deep.txt=x rm:sub/nested.txt \
	copy:big.bin=big2.bin exit:3 >"$tmp/run.out" 2>"$tmp/run.err"
st=$?
cd "$root"
[[ $st == 3 ]] && ok "exit status passes through (3)" || bad "exit status" "$st: $(cat "$tmp/run.err")"
expect_out=$'hello\ninput data\n<app.hexo><out:hello>'
[[ $(head -c ${#expect_out} "$tmp/run.out") == "$expect_out" ]] &&
	ok "stdout streamed back, job folder uploaded, image name kept as argv[0]" ||
	bad "stdout" "$(cat "$tmp/run.out")"
grep -qx "opts --mem=64M --env=A=B --stats" "$tmp/run.out" && ok "--mem, --env, --stats passed on" ||
	bad "options" "$(cat "$tmp/run.out")"
grep -qx "image 5000" "$tmp/run.out" && ok "image uploaded whole" || bad "image size"
grep -qx "oops" "$tmp/run.err" && ok "stderr streamed back separately" ||
	bad "stderr" "$(cat "$tmp/run.err")"
grep -q "not sending 'job/link'" "$tmp/run.err" && ok "symlink in the job folder not sent (warned)" ||
	bad "symlink warning" "$(cat "$tmp/run.err")"
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

# Output is streamed as produced, not at the end.
"$CLI" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:first sleep:3 out:second \
	>"$tmp/stream.out" 2>/dev/null &
cpid=$!
if wait_until 2 grep -q first "$tmp/stream.out" && kill -0 "$cpid" 2>/dev/null; then
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
else
	mkdir -p "$tmp/real/local" "$tmp/real/remote"
	cat >"$tmp/real/hello.c" <<'EOF'
#include <stdio.h>

int main(int argc, char **argv)
{
	char line[64] = "";
	FILE *f;

	printf("hello from %s:", argv[0]);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
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
	else
		start_agent r
		"$CLI" node add r "127.0.0.1:$PORT_r" --secret-file "$tmp/secret" >/dev/null 2>&1
		(cd "$tmp/real" && "$build/bin/hexo" run --dir local hello.hexo a "b c") \
			>"$tmp/real/local.out" 2>"$tmp/real/local.err"
		lst=$?
		(cd "$tmp/real" && "$CLI" run --on r --dir remote hello.hexo a "b c") \
			>"$tmp/real/remote.out" 2>"$tmp/real/remote.err"
		rst=$?
		if [[ $lst == "$rst" ]] && cmp -s "$tmp/real/local.out" "$tmp/real/remote.out" &&
			cmp -s "$tmp/real/local.err" "$tmp/real/remote.err"; then
			ok "real guest through hexod: same stdout, stderr and status ($rst) as a local run"
		else
			bad "real guest through hexod" "local $lst / remote $rst; remote: $(cat "$tmp/real/remote.out" "$tmp/real/remote.err" | head -5)"
		fi
		if [[ ! -s $tmp/real/local/result.txt ]]; then
			skipped "real guest output file: the local run wrote none (status $lst: $(head -c 200 "$tmp/real/local.err"))"
		elif [[ -s $tmp/real/remote/result.txt ]] && cmp -s "$tmp/real/local/result.txt" "$tmp/real/remote/result.txt"; then
			ok "real guest's output file comes back ($(cat "$tmp/real/remote/result.txt"))"
		else
			bad "real guest output file" "$(ls "$tmp/real/remote")"
		fi
	fi
fi

summary
[[ $fail == 0 ]]
