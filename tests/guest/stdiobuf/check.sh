# stdio buffering of the job's streams (docs/newlib.md, "stdio"): stdout to a
# file or pipe is fully buffered, so many short lines cost few WRITE
# hypercalls (counted by `hexo run --stats` on stderr); isatty() tells the
# truth (stdin here is /dev/null: a character device, no terminal); stdout to
# a terminal stays line-buffered (the tty case, only where `script` can give
# the monitor a pty and the guest runs here). Sourced by tests/run-guest-tests.sh.

stats_count() { # stats_count FILE NAME: the --stats count of hypercall NAME (0 if absent)
	tr -d '\r' <"$1" | awk -v n="$2" '$1 == n { c = $2 } END { print c + 0 }'
}

n=100000
lines_out=$TEST_OUT/$TEST_NAME/lines.expected
{
	echo 'isatty 0 1 2: 0 0 0'
	awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) print "line " i }'
} >"$lines_out"

case_begin "$TEST_NAME/file"
run_guest "$(new_jobdir)" --stats -- isatty lines $n
want_status 0
want_stdout_file "$lines_out"
if ! case_skipped; then
	writes=$(stats_count "$RUN_ERR" HEXO_HC_WRITE)
	# One write per 64 KiB buffer is 17; 1 KiB line-buffered stdout made one
	# per line (100000).
	want "at most 300 WRITE hypercalls for $n lines, got $writes" test "$writes" -ge 1 -a "$writes" -le 300
fi
case_end

# A terminal: isatty() says 1 and stdout flushes every line.
if [[ ${#ON[@]} -eq 0 ]] && command -v script >/dev/null; then
	case_begin "$TEST_NAME/tty"
	job=$(new_jobdir)
	CASE_KEEP+=("$job")
	if ! case_skipped; then
		_run script -qec "$(printf '%q ' "$HEXO" run --dir "$job" --stats "$IMAGE" isatty lines 10)" /dev/null
		want_status 0
		want_stdout_re '^isatty 0 1 2: 1 1 1.?$'
		writes=$(stats_count "$RUN_OUT" HEXO_HC_WRITE)
		want "a WRITE hypercall per line on a terminal (11 lines), got $writes" test "$writes" -ge 11
	fi
	case_end
fi
