# Guest faults: status 139, a crash report on stderr (naming the exception,
# the PC and the fault address), the output printed before the fault kept,
# nothing after it. Sourced by tests/run-guest-tests.sh.

# fault_case CASE REPORT-ERE [addr|-] [MORE-ERE]
fault_case() {
	local c=$1 re=$2 addr_check=${3:-} more=${4:-}
	[[ $addr_check == - ]] && addr_check=
	case_begin "$TEST_NAME/$c"
	run_guest "$(new_jobdir)" -- "$c"
	want_status 139
	want_stdout_re "^fault $c at "
	want "stdout has more than the line printed before the fault" \
		test "$(wc -l <"$RUN_OUT")" -eq 1
	want_stderr_re "$re"
	want_stderr_re 'pc|rip'
	[[ -n $more ]] && want_stderr_re "$more"
	if [[ -n $addr_check ]] && ! case_skipped; then
		local a
		a=$(sed -n "s/^fault $c at \\(.*\\)$/\\1/p" "$RUN_OUT")
		[[ -n $a ]] && want_stderr_hex "$a"
	fi
	case_end
}

pf='page fault|#PF|vector 14'
fault_case null-read "$pf" addr 'null pointer|page 0'
fault_case null-write "$pf" addr
fault_case null-call "$pf" addr
fault_case write-code "$pf" addr 'write.*protection|protection.*write'
fault_case write-rodata "$pf" addr 'write.*protection|protection.*write'
fault_case exec-data "$pf" addr 'instruction fetch|execute'
fault_case outside-read "$pf" addr
fault_case outside-write "$pf" addr
fault_case stack-overflow 'stack overflow'
fault_case trap 'invalid opcode|#UD|vector 6|BRK instruction'
fault_case div-zero 'divide|#DE|vector 0'
fault_case div-overflow 'divide|#DE|vector 0'
fault_case mod-zero 'divide|#DE|vector 0'
