#!/usr/bin/env bash
# Host-side view of the job directory after the files test: what the guest
# wrote must be there, byte for byte, and what it removed must be gone.
# usage: verify.sh JOBDIR
set -euo pipefail
job=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bad=0
fail() { echo "verify: $*"; bad=1; }

same() { # same FILE EXPECTED-TEXT
	if [[ ! -f $job/$1 ]]; then
		fail "$1 is missing"
	elif ! cmp -s "$job/$1" <(printf '%s' "$2"); then
		fail "$1 has the wrong content:"
		od -c "$job/$1" | head -n 8
	fi
}

cmp -s "$job/input.txt" "$here/jobdir/input.txt" || fail "input.txt was changed"
same result.txt $'written by the files test\nanswer=42\n'
same sub/out.txt $'sub-directory output\n'
same notes.txt 'note 1: value 1.250 odd
note 2: value 2.500 even
note 3: value 3.750 odd
note 4: value 5.000 even
note 5: value 6.250 odd
appended line
appended again
'
for i in $(seq 0 19); do
	f=$(printf 'multi%02d.txt' "$i")
	if ((i % 2)); then
		[[ ! -e $job/$f ]] || fail "$f should have been unlinked"
	else
		want=""
		for r in 0 1 2 3 4; do want+="file $i round $r"$'\n'; done
		same "$f" "$want"
	fi
done
for gone in data.bin big.dat missing-dir; do
	[[ ! -e $job/$gone ]] || fail "$gone should not exist"
done
# nothing unexpected was created
extra=$(cd "$job" && find . -type f | LC_ALL=C sort | grep -Ev '^\./(input|result|notes)\.txt$|^\./sub/(nested|out)\.txt$|^\./multi[0-9]{2}\.txt$' || true)
[[ -z $extra ]] || fail "unexpected files: $extra"
exit $bad
