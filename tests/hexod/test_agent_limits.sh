#!/usr/bin/env bash
# hexod's tests, 6: the agent's own limits. Deep job folders:
# deeper than the protocol allows is refused by the client (one line naming
# the path) and by the agent (a FILE frame), a job that nests deeper itself
# still has its folder removed, and no job folder is ever left behind.
# A real agent on 127.0.0.1 with fake-hexo for jobs, the real hexo as its
# client (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The agent removes a job's folder right after the client has its results.
work_empty() { wait_until 5 empty_dir "$tmp/a/work"; }

start_agent_a
register_a
mkdir -p "$tmp/job"

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

still_serving
summary
finish
