# A program asking to stop (hexo_force_migration(HEXO_MIGRATE_STOP)), run
# with --dir and no --checkpoint from a folder that holds a file named as
# the default checkpoint (IMAGE's name with .ckpt): that file is untouched
# and nothing is written outside the job directory by the monitor. Here the
# request is refused with one warning and the job goes on; with --on the
# node stops the job and its checkpoint comes back beside the user's file
# under a new name (docs/migration.md). Sourced by tests/run-guest-tests.sh.

case_begin "$TEST_NAME/stop-without-checkpoint"
job=$(new_jobdir)
here=$(mktemp -d "$TEST_OUT/$TEST_NAME/cwd.XXXXXX")
CASE_KEEP+=("$here")
user_file="user data, not a checkpoint $RANDOM"
printf '%s\n' "$user_file" >"$here/$TEST_NAME.ckpt"
saved_cwd=$CWD
CWD=$here
run_guest "$job" --
CWD=$saved_cwd
want_status 0
want_stdout_re '^before the point$'
want "the user's $TEST_NAME.ckpt was changed" \
	test "$(cat "$here/$TEST_NAME.ckpt" 2>/dev/null)" = "$user_file"
want "a checkpoint in the job directory: $(ls -A "$job")" \
	test -z "$(find "$job" -name '*.ckpt*')"
if [[ -z $ON_NODE ]]; then
	want_stdout_re '^after the point$'
	want_stderr_re '^hexo: warning: the program asked for a checkpoint, but no --checkpoint FILE was given'
	want_stderr_lines 1
	want "files written beside the user's file: $(ls -A "$here")" \
		test "$(ls -A "$here")" = "$TEST_NAME.ckpt"
else
	want_stdout_no_re '^after the point$'
	want_stderr_re "^hexo: warning: '[^']*$TEST_NAME.ckpt' is not a checkpoint and is kept"
	want "no checkpoint $TEST_NAME.ckpt.XXXXXX came back: $(ls -A "$here")" \
		compgen -G "$here/$TEST_NAME.ckpt.??????" >/dev/null
fi
case_end
