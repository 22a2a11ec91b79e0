#!/usr/bin/env bash
# hexod's tests, 6: the agent's own limits. The work folder: refused when
# group/other-writable, someone else's or a symbolic link, created 0700
# when missing; a job folder swapped for a symlink while its job runs
# changes nothing (the agent holds it by descriptor). Deep job folders:
# deeper than the protocol allows is refused by the client (one line naming
# the path) and by the agent (a FILE frame), a job that nests deeper itself
# still has its folder removed, and no job folder is ever left behind.
# Idle connections that never authenticate do not keep clients out.
# A real agent on 127.0.0.1 with fake-hexo for jobs, the real hexo as its
# client (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The agent removes a job's folder right after the client has its results.
work_empty() { wait_until 5 empty_dir "$tmp/a/work"; }

# ------------------------------------------------------ the work folder --
# hexod WORK: exits 2 with one line holding TEXT, and serves nothing.
work_refused() {
	local what=$1 work=$2 text=$3 out st
	out=$(timeout 10 "$HEXOD" --listen 127.0.0.1:0 --secret-file "$tmp/secret" --work "$work" \
		--hexo "$FAKE" 2>&1)
	st=$?
	if [[ $st == 2 && $(wc -l <<<"$out") == 1 && $out == "hexod: "*"$text"* ]]; then
		pass "work folder $what refused ($out)"
	else
		fail "work folder $what" "status $st: $out"
	fi
}
mkdir -m 0777 "$tmp/w-open"
chmod 0777 "$tmp/w-open"
work_refused "with mode 0777" "$tmp/w-open" "writable by group or others"
mkdir -m 0770 "$tmp/w-group"
work_refused "with mode 0770" "$tmp/w-group" "writable by group or others"
mkdir -p "$tmp/real-work"
ln -s "$tmp/real-work" "$tmp/w-link"
work_refused "that is a symlink" "$tmp/w-link" "symbolic link"
if [[ $(id -u) == 0 ]] && id nobody >/dev/null 2>&1; then
	mkdir -m 0700 "$tmp/w-other"
	chown nobody "$tmp/w-other"
	work_refused "owned by another user" "$tmp/w-other" "belongs to uid"
else
	skip "work folder owned by another user refused" "not root (chown nobody)"
fi

start_agent_a # its work folder does not exist yet: created 0700
register_a
[[ $(stat -c %a "$tmp/a/work") == 700 ]] && pass "a missing work folder is created 0700" ||
	fail "work folder mode" "$(stat -c %a "$tmp/a/work")"
mkdir -p "$tmp/job"
echo keep >"$tmp/job/keep.txt"
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" out:hi write:new.txt=x 2>&1)
[[ $? == 0 && $out == hi && -f $tmp/job/new.txt ]] && work_empty &&
	pass "a job works in a good work folder, and its folder goes" || fail "job in a good folder" "$out"

# The job folder swapped for a symlink to another folder while the job
# runs: the results still come from the job's own folder (the client's
# files are not deleted), the other folder is untouched.
mkdir -p "$tmp/victim"
echo mine >"$tmp/victim/other.txt"
"$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" sleep:2 write:after.txt=y \
	>"$tmp/swap.out" 2>&1 &
run=$!
job_there() { compgen -G "$tmp/a/work/job-*" >/dev/null; }
wait_until 10 job_there
jobdir=$(compgen -G "$tmp/a/work/job-*" | head -1)
if [[ -n $jobdir ]]; then
	mv "$jobdir" "$tmp/moved"
	ln -s "$tmp/victim" "$jobdir"
fi
wait "$run"
st=$?
[[ -n $jobdir && $st == 0 && -f $tmp/job/keep.txt && -f $tmp/job/new.txt && -f $tmp/job/after.txt ]] &&
	pass "a job folder swapped for a symlink: results from the job's own folder" ||
	fail "swapped job folder" "status $st, job folder '$jobdir': $(cat "$tmp/swap.out"; ls "$tmp/job")"
[[ $(ls -A "$tmp/victim") == other.txt && $(cat "$tmp/victim/other.txt") == mine ]] &&
	empty_dir "$tmp/moved" && pass "... the symlink's target untouched, the job's folder emptied" ||
	fail "swap victim" "$(ls -A "$tmp/victim" "$tmp/moved")"
rm -f "$jobdir"
rmdir "$tmp/moved" 2>/dev/null

# --------------------------------------------------- deep job folders --
# NAME DEPTH: a job folder whose deepest file is DEPTH components deep.
deep_dir() {
	local p=$tmp/$1 i
	for ((i = 1; i < $2; i++)); do p+=/d; done
	mkdir -p "$p"
	echo deep >"$p/f"
}
deep_dir deep130 130
out=$("$HEXO" run --on a --dir "$tmp/deep130" "$tmp/app.hexo" out:ran 2>&1)
st=$?
[[ $st == 125 && $(wc -l <<<"$out") == 1 && $out == *"nested deeper than 128 levels"* &&
	$out == *"d/d/d/d"* ]] && pass "a job folder 130 deep: one line naming the path (status 125)" ||
	fail "130-deep job folder" "status $st: $out"
work_empty && pass "... no job folder left on the agent" ||
	fail "130-deep job folder left" "$(ls "$tmp/a/work")"
deep_dir deep127 127
out=$("$HEXO" run --on a --dir "$tmp/deep127" "$tmp/app.hexo" out:ran write:top.txt=z 2>&1)
st=$?
[[ $st == 0 && $out == ran && -f $tmp/deep127/top.txt ]] &&
	pass "a job folder 127 deep runs" || fail "127-deep job folder" "status $st: $out"
work_empty && pass "... and its job folder goes" ||
	fail "127-deep job folder left" "$(ls "$tmp/a/work")"
deep=$(printf 'd/%.0s' {1..128})f
probe_refused "the agent refuses a FILE of 129 components" bad-path "$deep" "components"
work_empty && pass "... and leaves no job folder" || fail "job folder left" "$(ls "$tmp/a/work")"
# The job itself nests deeper than any walk: its folder goes all the same.
deep=$(printf 'd/%.0s' {1..200})f
out=$("$HEXO" run --on a --dir "$tmp/job" "$tmp/app.hexo" "write:$deep=x" 2>&1)
st=$?
[[ $st != 0 && $(grep -c "collecting the job's files" <<<"$out") == 1 &&
	$(grep -o "collecting" <<<"$out" | wc -l) == 1 ]] &&
	pass "a job nesting 200 deep: one clear error ($out)" || fail "200-deep job" "status $st: $out"
work_empty && pass "... and its job folder is removed all the same" ||
	fail "200-deep job folder left" "$(find "$tmp/a/work" -maxdepth 2)"
rm -rf "$tmp/job/d"

# ------------------------------------------------- idle connections --
# 40 connections that say nothing, to an agent with the default --timeout
# (30 s) and --max-conns (32): a client still gets in at once.
start_agent b --hexo "$FAKE"
"$HEXO" node add b "127.0.0.1:$PORT_b" --secret-file "$tmp/secret" >/dev/null 2>&1 ||
	fail "hexo node add b"
idle=()
for _ in $(seq 40); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT_b" && idle+=("$fd")
done
sleep 0.5
t0=$SECONDS
out=$(timeout 10 "$HEXO" node ping b 2>&1)
st=$?
((st == 0 && SECONDS - t0 <= 3)) && pass "${#idle[@]} idle connections: a ping still gets in ($((SECONDS - t0)) s)" ||
	fail "ping past idle connections" "status $st after $((SECONDS - t0)) s: $out"
out=$(cd "$tmp" && timeout 10 "$HEXO" run --on b --dir job app.hexo out:in 2>&1)
st=$?
[[ $st == 0 && $out == in ]] && pass "... and so does a job" || fail "job past idle connections" "status $st: $out"
grep -q "still in its handshake, the oldest" "$tmp/b/log" && pass "... the oldest idle ones dropped (logged)" ||
	fail "no drop logged" "$(tail -5 "$tmp/b/log")"
for fd in "${idle[@]}"; do exec {fd}>&-; done

still_serving
summary
finish
