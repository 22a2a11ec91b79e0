# Malformed raw hypercalls: the monitor stops the guest with status 125 and
# exactly one line on stderr ("hexo: ..."), and never crashes itself (a
# signal would show as 128+N). The guest gets 64 MiB (main.c relies on it).
# Sourced by tests/run-guest-tests.sh.

hc_input=$TEST_OUT/$TEST_NAME/stdin.txt
printf 'some bytes for READ to store somewhere\n%.0s' {1..20} >"$hc_input"

case_begin "$TEST_NAME/control"
run_guest "$(new_jobdir)" --mem 64M -- control
want_status 0
want_stdout $'case control\nraw hello\nreturned ret=10\n'
want_stderr_empty
case_end

stopped() { # stopped CASE
	case_begin "$TEST_NAME/$1"
	RUN_STDIN=$hc_input
	run_guest "$(new_jobdir)" --mem 64M -- "$1"
	RUN_STDIN=/dev/null
	want_status 125
	want_stdout "case $1"$'\n' # the guest got as far as the call, and no further
	want_stderr_lines 1
	want_stderr_re '^hexo: '
	case_end
}

for c in write-buf-outside write-buf-straddles-end write-buf-at-end write-len-huge \
	write-len-wraps write-len-past-end read-buf-outside read-len-wraps \
	struct-outside-memory struct-straddles-end struct-misaligned \
	fstat-struct-straddles-end wallclock-struct-outside unknown-nr-max unknown-nr-0 \
	unknown-nr-255 open-path-outside open-path-unterminated unlink-path-unterminated; do
	stopped "$c"
done

# A terminated path longer than HEXO_PATH_MAX: stopping the guest (125) or
# failing the call with ENAMETOOLONG are both correct; crashing is not.
case_begin "$TEST_NAME/open-path-too-long"
run_guest "$(new_jobdir)" --mem 64M -- open-path-too-long
if ! case_skipped; then
	if [[ $RUN_STATUS -eq 125 ]]; then
		want_stderr_lines 1
		want_stderr_re '^hexo: '
	else
		want_status 0
		want_stdout $'case open-path-too-long\nreturned ret=-91\n'
	fi
fi
case_end
