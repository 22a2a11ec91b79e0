# Exit statuses pass through from the guest; see tests/README.md.
# Sourced by tests/run-guest-tests.sh: TEST_NAME, IMAGE and the case helpers
# are set.

exit_case() { # exit_case CASE STATUS EXPECTED-STDOUT
	case_begin "$TEST_NAME/$1"
	run_guest "$(new_jobdir)" -- "$1"
	want_status "$2"
	want_stdout "$3"
	want_stderr_empty
	case_end
}

exit_case exit0 0 ''
exit_case exit3 3 ''
exit_case exit255 255 ''
exit_case exit256 0 ''
exit_case exit-1 255 ''
exit_case exit-failure 1 ''
exit_case ret42 42 ''
exit_case ret0 0 ''
exit_case flush-on-exit 7 'buffered text without newline'
exit_case flush-on-return 9 $'line one\nbuffered tail'
exit_case atexit 4 $'main returns 4\nregistered last, runs first\natexit handler ran\n'
exit_case _exit 5 ''
exit_case unknown 99 $'unknown case \'unknown\'\n'

# abort(): newlib raises SIGABRT, whose default action in the library OS ends
# the job with 128 + SIGABRT = 134, as a shell reports a process killed by
# SIGABRT (kernel/sys_proc.c). Not a fault: no crash report.
exit_case abort 134 $'before abort\n'

case_begin "$TEST_NAME/big-output"
run_guest "$(new_jobdir)" -- big-output
want_status 11
want "stdout is not the 16384 expected lines" \
	cmp -s "$RUN_OUT" <(for ((i = 0; i < 16384; i++)); do printf '%06d %056d\n' "$i" "$i"; done)
want_stderr_empty
case_end
