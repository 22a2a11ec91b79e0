# shellcheck shell=bash
# What the benchmark scripts (bench/bench.sh, bench/migrate.sh) share.
# Sourced after `set -euo pipefail`, with bench_who set to the prefix of
# their messages ("bench", "bench: migrate"). Goes to the top of the tree and
# sets HEXO, HEXOCC (build/bin/...) and NATIVE_CC (clang), unless set in the
# environment; the compute kernels of bench/kernels: kernels (their names),
# kargs (their arguments) and kquick (their arguments with --quick).
#   die MESSAGE            "<bench_who>: MESSAGE" on stderr, exit 1
#   bench_needs            dies without build/bin/hexo, build/bin/hexocc or a
#                          usable /dev/kvm
#   stats FILE             "median min max" of the numbers in FILE (one a line;
#                          "nan nan nan" when there are none)
#   mmm MEDIAN MIN MAX     {"median": .., "min": .., "max": ..}
#   json_str TEXT          TEXT as a JSON string
#   geomean                the geometric mean of the numbers on stdin (%.4f)
#   run_logged [-t SECS] LOG CMD...
#                          runs CMD (stdin /dev/null, timeout SECS, 900) with
#                          stdout and stderr to LOG; dies when it fails
#   kernel_result LOG TIMES LABEL
#                          a kernel's run: appends its "time:" to TIMES, sets
#                          k_sum (its "checksum:") and k_what (its "kernel:");
#                          dies (naming LABEL) when they are missing

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
HEXO=${HEXO:-$root/build/bin/hexo}
HEXOCC=${HEXOCC:-$root/build/bin/hexocc}
NATIVE_CC=${NATIVE_CC:-clang}
bench_who=${bench_who:-bench}

# kernel name, arguments (full size), arguments (--quick)
kernels=(dgemm triad chase intsort sieve)
declare -A kargs=([dgemm]="1024" [triad]="11534336 40" [chase]="33554432 5000000"
	[intsort]="8388608" [sieve]="200000000 1")
declare -A kquick=([dgemm]="256" [triad]="1048576 5" [chase]="1048576 200000"
	[intsort]="262144" [sieve]="2000000 1")

die() { echo "$bench_who: $*" >&2; exit 1; }

bench_needs() {
	[[ -x $HEXO ]] || die "$HEXO not found: run 'make all'"
	[[ -x $HEXOCC ]] || die "$HEXOCC not found: run 'make all'"
	[[ -r /dev/kvm && -w /dev/kvm ]] || die "no usable /dev/kvm: cannot run guests"
}

stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan nan nan"; exit }
		      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.10g %.10g %.10g\n", m, v[1], v[NR] }'
}
mmm() { printf '{"median": %s, "min": %s, "max": %s}' "$1" "$2" "$3"; }
json_str() { printf '"%s"' "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1")"; }
geomean() { awk '{ s += log($1) } END { printf "%.4f", exp(s / NR) }'; }

run_logged() {
	local limit=900 log st=0
	if [[ $1 == -t ]]; then
		limit=$2
		shift 2
	fi
	log=$1
	shift
	timeout "$limit" "$@" >"$log" 2>&1 </dev/null || st=$?
	if [[ $st -ne 0 ]]; then
		tail -n 20 "$log" >&2
		die "'$*' exited with status $st (log: $log)"
	fi
}

kernel_result() {
	local t
	t=$(sed -n 's/^time: //p' "$1")
	k_sum=$(sed -n 's/^checksum: //p' "$1")
	k_what=$(sed -n 's/^kernel: //p' "$1")
	[[ -n $t && -n $k_sum ]] || { cat "$1" >&2; die "$3: no time/checksum lines"; }
	echo "$t" >>"$2"
}
