# The guest must not read, write, create or remove anything outside its job
# directory: not through "..", absolute paths, or symlinks (relative,
# absolute, to a parent directory). See main.c for the layout. Sourced by
# tests/run-guest-tests.sh.

SECRET="host secret $RANDOM$RANDOM: must never reach the guest"
INSIDE="inside content"
FAKE_PASSWD="job-dir stand-in for /etc/passwd"

# escape_case NAME WITH-FAKE-PASSWD(0|1)
escape_case() {
	local name=$1 fake=$2 t job before after
	case_begin "$TEST_NAME/$name"
	t=$(mktemp -d "$TEST_OUT/$TEST_NAME/job.XXXXXX")
	CASE_KEEP+=("$t")
	job=$t/job
	mkdir -p "$job/sub"
	printf '%s\n' "$SECRET" >"$t/outside.txt"
	printf '%s\n' "$INSIDE" >"$job/inside.txt"
	ln -s ../outside.txt "$job/link-out"
	ln -s "$t/outside.txt" "$job/abslink-out"
	ln -s .. "$job/dirlink"
	if [[ $fake -eq 1 ]]; then
		mkdir -p "$job/etc"
		printf '%s\n' "$FAKE_PASSWD" >"$job/etc/passwd"
	fi
	touch -d '2001-02-03 04:05:06' "$t/outside.txt"
	before=$(cd "$t" && find . -path ./job -prune -o -printf '%p %s %T@ %m\n' | LC_ALL=C sort)
	local passwd_sum
	passwd_sum=$(sha256sum </etc/passwd)

	run_guest "$job" -- "$t/outside.txt" "$t"
	if case_skipped; then
		case_end
		return
	fi
	want_status 0
	want_stdout_re '^done$'
	want_stderr_empty

	# positive controls: the job directory works, as "/" too
	want_stdout_re "^read inside.txt: got \\[$INSIDE\\]$"
	want_stdout_re "^read /inside.txt: got \\[$INSIDE\\]$"
	want_stdout_re "^fopen-r ./inside.txt: got \\[$INSIDE\\]$"
	want "inside-new.txt was not created in the job directory" \
		grep -q 'PWNED by the guest' "$job/inside-new.txt"

	# nothing read may come from outside: every "got [X]" is a job-dir file
	local line
	while IFS= read -r line; do
		case $line in
		*"got [$INSIDE]" | *"got [$FAKE_PASSWD]" | *"got [PWNED by the guest"*) ;;
		*"got []") ;; # an empty file the guest created inside
		*)
			CASE_FAILS+=("read something that is not in the job directory: $line")
			;;
		esac
	done < <(grep 'got \[' "$RUN_OUT" || true)
	want_stdout_no_re 'host secret'
	want_stdout_no_re '^(read|fopen-r) [^:]*: got \[root:'
	if [[ $fake -eq 0 ]]; then
		want_stdout_re '^read /etc/passwd: refused$'
	else
		# with the job dir as "/", /etc/passwd is the job's own file
		want_stdout_re "^read /etc/passwd: (refused|got \\[$FAKE_PASSWD\\])$"
	fi
	want_stdout_re '^read /proc/self/environ: refused$'

	# the host side is untouched
	after=$(cd "$t" && find . -path ./job -prune -o -printf '%p %s %T@ %m\n' | LC_ALL=C sort)
	if [[ $before != "$after" ]]; then
		CASE_FAILS+=("files outside the job directory changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')")
	fi
	want "outside.txt content changed" \
		test "$(cat "$t/outside.txt" 2>/dev/null)" = "$SECRET"
	want "the host's /etc/passwd changed" \
		test "$(sha256sum </etc/passwd)" = "$passwd_sum"
	case_end
}

escape_case escape 0
escape_case escape-fake-passwd 1
