# A guest asking for set-user-ID, set-group-ID or sticky bits, or group/other
# write, on files it creates (open 06755, 01777, 07777, 0666) gets none of
# them: the monitor passes mode & 0777 less the caller's umask and 022. (A
# guest creates no directory: it has no mkdir.) Sourced by tests/run-guest-tests.sh.

case_begin "$TEST_NAME/modes"
job=$(new_jobdir)
run_guest "$job" --
want_status 0
want_stdout_re '^done$'
want_stderr_empty
for f in suid sticky plain private everything; do
	want_stdout_re "^create $f [0-7]+: mode 0[0-7]{3}\$"
done
# as the guest saw them: no 7000 bit, no group/other write
want_stdout_no_re ': mode [1-7][0-7]{3}$'
want_stdout_no_re ': mode [0-7][0-7][2367][0-7]$'
want_stdout_no_re ': mode [0-7][0-7][0-7][2367]$'
want_stdout_re '^create private 0600: mode 0600$'
# as the host sees them
bad_modes() {
	find "$job" -mindepth 1 \( -perm /7000 -o -perm /022 \) -printf '%P %m\n'
}
want "files with a set-user-ID, set-group-ID or sticky bit or group/other write: $(bad_modes 2>/dev/null | tr '\n' ' ')" \
	test -z "$(bad_modes 2>/dev/null)"
want "suid was not created" test -f "$job/suid"
case_end
