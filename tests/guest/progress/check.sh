# Progress (--status FILE, docs/migration.md): the JSON the monitor writes
# (here) or the node sends back (--on) counts exactly the migration points
# the job passed, while it runs and at its end, and the count travels in
# the checkpoint: `hexo inspect` shows it and a resumed job goes on from
# it. Sourced by tests/run-guest-tests.sh.

status_dir=$TEST_OUT/$TEST_NAME
# status_field FILE NAME: the value of "NAME" in the status JSON
status_field() { sed -n -E "s/.*\"$2\": (\"?)([^\",}]*)\1.*/\2/p" "$1"; }
want_status_json() { # want_status_json FILE POINTS STATE STATUS
	want "--status $1 missing" test -s "$1"
	want "--status $1: points $(status_field "$1" points), want $2: $(cat "$1" 2>/dev/null)" \
		test "$(status_field "$1" points)" = "$2"
	want "--status $1: state $(status_field "$1" state), want $3" \
		test "$(status_field "$1" state)" = "$3"
	want "--status $1: status $(status_field "$1" status), want $4" \
		test "$(status_field "$1" status)" = "$4"
	want "--status $1 is not one JSON object of the four fields: $(cat "$1" 2>/dev/null)" \
		grep -Eqx '\{"points": [0-9]+, "run_s": [0-9]+\.[0-9]{3}, "state": "[a-z]+", "status": (null|[0-9]+)\}' "$1"
}

# 1000 manual points: exactly 1000.
case_begin "$TEST_NAME/manual-points"
job=$(new_jobdir)
st=$status_dir/manual.json
rm -f "$st"
run_guest "$job" --status "$st" -- 1000
want_status 0
want_stdout '1000 points
'
want_stderr_empty
case_skipped || want_status_json "$st" 1000 exited 0
case_end

# The same program with automatic points too: more than its 1000.
case_begin "$TEST_NAME/auto-points"
auto_image=$status_dir/$TEST_NAME-auto.hexo
if ! "$HEXOCC" -O2 --migration-points=auto -o "$auto_image" "$TEST_SRC/main.c" \
	>"$status_dir/auto-build.log" 2>&1; then
	CASE_FAILS+=("hexocc --migration-points=auto failed: $(head -n 3 "$status_dir/auto-build.log")")
fi
job=$(new_jobdir)
st=$status_dir/auto.json
rm -f "$st"
saved_image=$IMAGE
IMAGE=$auto_image
run_guest "$job" --status "$st" -- 1000
IMAGE=$saved_image
want_status 0
want_stdout '1000 points
'
if ! case_skipped; then
	n=$(status_field "$st" points)
	want "--status $st: points '$n', want more than 1000 (automatic points too)" \
		test "${n:-0}" -gt 1000
	want "--status $st: state '$(status_field "$st" state)', want exited" \
		test "$(status_field "$st" state)" = exited
fi
case_end

# Stopped at point 1001 of 2000: the checkpoint holds 1001, the resumed job
# (here, or on the node with --on) ends at exactly 2000.
case_begin "$TEST_NAME/through-a-checkpoint"
job=$(new_jobdir)
ckpt=$status_dir/stop.ckpt
st=$status_dir/stop.json
st2=$status_dir/resumed.json
rm -f "$ckpt" "$st" "$st2"
run_guest "$job" --checkpoint "$ckpt" --status "$st" -- 2000 1001
want_status 0
want_stdout 'stopping at point 1001
'
if ! case_skipped; then
	want_status_json "$st" 1001 stopped 0
	inspect_json=$("$HEXO" inspect --json "$ckpt" 2>&1)
	want "hexo inspect --json $ckpt: no \"points\": 1001: $(grep -m1 points <<<"$inspect_json")" \
		grep -q '"points": 1001,' <<<"$inspect_json"
	inspect_text=$("$HEXO" inspect "$ckpt" 2>&1)
	want "hexo inspect $ckpt: no progress line with 1001" \
		grep -q '^progress: *1001 migration point(s) passed$' <<<"$inspect_text"
	_run "$HEXO" resume "${ON[@]}" --dir "$job" --status "$st2" "$ckpt"
	want_status 0
	want_stdout '2000 points
'
	want_stderr_empty
	want_status_json "$st2" 2000 exited 0
fi
case_end

# While the job runs (about 4 s: 40 points, 0.1 s apart), the file says
# "running" with a count that grows; at the end "exited", 40.
case_begin "$TEST_NAME/live"
job=$(new_jobdir)
st=$status_dir/live.json
rm -f "$st"
if ! case_skipped; then
	RUN_CMD="$HEXO run ${ON[*]} --dir $job --status $st $IMAGE 40 0 100000"
	(cd "$CWD" && timeout -k 5 "$TEST_TIMEOUT" "$HEXO" run "${ON[@]}" --dir "$job" \
		--status "$st" "$IMAGE" 40 0 100000) </dev/null >"$RUN_OUT" 2>"$RUN_ERR" &
	pid=$!
	seen=
	for _ in $(seq 1 200); do
		if [[ -s $st && $(status_field "$st" state) == running ]]; then
			n=$(status_field "$st" points)
			if [[ ${n:-0} -gt 0 && ${n:-0} -lt 40 ]]; then
				seen=$n
				break
			fi
		fi
		sleep 0.05
	done
	set +e
	wait "$pid"
	RUN_STATUS=$?
	set -e
	want "--status $st never said \"running\" with 0 < points < 40 while the job ran" \
		test -n "$seen"
	want_status 0
	want_stdout '40 points
'
	want_status_json "$st" 40 exited 0
fi
case_end
