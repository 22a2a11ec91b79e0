# A job restored with HEXO_RESTORE=mmap from a checkpoint in its own job
# directory cannot take its memory away by truncating that file (it used to
# end with SIGBUS, status 135, and no message) nor change it by writing the
# file: such opens fail with EBUSY (docs/migration.md). Here only: on a node
# the checkpoint is stored outside the job directory, and HEXO_RESTORE is
# the node's. Sourced by tests/run-guest-tests.sh.

case_begin "$TEST_NAME/selfckpt-mmap"
if [[ -n $ON_NODE ]]; then
	record SKIP "guest/$CASE_NAME (with --on the checkpoint is kept outside the job directory and HEXO_RESTORE is the node's)"
else
	job=$(new_jobdir)
	run_guest "$job" --checkpoint "$job/self.ckpt" --
	want_status 0
	want_stdout_re '^before: [0-9a-f]{16}$'
	want "no checkpoint in the job directory" test -f "$job/self.ckpt"
	if ! case_skipped; then
		first=$(cat "$RUN_OUT")
		RUN_CMD="HEXO_RESTORE=mmap $HEXO resume --dir $job $job/self.ckpt"
		set +e
		(cd "$CWD" && HEXO_RESTORE=mmap timeout -k 5 "$TEST_TIMEOUT" \
			"$HEXO" resume --dir "$job" "$job/self.ckpt") </dev/null >"$RUN_OUT" 2>"$RUN_ERR"
		RUN_STATUS=$?
		set -e
		want "the first run printed no 'before' line: $first" test -n "$first"
	fi
	want_status 0
	want_stdout_re '^truncate self.ckpt: .*[Bb]usy$'
	want_stdout_re '^rewrite self.ckpt: .*[Bb]usy$'
	want_stdout_re '^after: same memory$'
	want_stderr_empty
	case_end
fi
