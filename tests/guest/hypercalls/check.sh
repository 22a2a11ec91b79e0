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

stopped() { # stopped CASE STDERR-ERE (the line names the call and the address)
	case_begin "$TEST_NAME/$1"
	RUN_STDIN=$hc_input
	run_guest "$(new_jobdir)" --mem 64M -- "$1"
	RUN_STDIN=/dev/null
	want_status 125
	want_stdout "case $1"$'\n' # the guest got as far as the call, and no further
	want_stderr_lines 1
	want_stderr_re '^hexo: '
	want_stderr_re "$2"
	case_end
}

stopped write-buf-outside 'HEXO_HC_WRITE.*0x7000000000'
stopped write-buf-straddles-end 'HEXO_HC_WRITE.*0x3fffff8'
stopped write-buf-at-end 'HEXO_HC_WRITE.*0x4000000'
stopped write-len-huge 'HEXO_HC_WRITE.*0xf{16}'
stopped write-len-wraps 'HEXO_HC_WRITE'
stopped write-len-past-end 'HEXO_HC_WRITE'
stopped read-buf-outside 'HEXO_HC_READ.*0x7000000000'
stopped read-len-wraps 'HEXO_HC_READ'
stopped struct-outside-memory 'HEXO_HC_WRITE.*0xfffff000'
stopped struct-straddles-end 'HEXO_HC_WRITE.*0x3fffff0'
stopped struct-misaligned 'HEXO_HC_WRITE.*align'
stopped fstat-struct-straddles-end 'HEXO_HC_FSTAT.*0x3ffffe8'
stopped wallclock-struct-outside 'HEXO_HC_WALLCLOCK.*0xfffffff8'
stopped unknown-nr-max 'unknown hypercall [0-9]+'
stopped unknown-nr-0 'unknown hypercall 0\b'
stopped unknown-nr-255 'unknown hypercall 255\b'
stopped open-path-outside 'HEXO_HC_OPEN.*0x7000000000'
stopped open-path-unterminated 'HEXO_HC_OPEN.*0x3fffff8'
stopped unlink-path-unterminated 'HEXO_HC_UNLINK.*0x3fffff8'

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
