#!/usr/bin/env bash
# Migration tests: every program tests/migrate/NAME.c is built once with
# hexocc, run without migration (a --no-migration build: the reference),
# then run again while being stopped at migration points and resumed, hop
# after hop, on the hosts of a plan; the concatenated stdout and stderr, the
# final exit status and the files left in the job directory must equal the
# reference byte for byte. Prints one PASS/FAIL/SKIP line per case and ends
# with "N passed, N failed, N skipped". Exit 0 when nothing failed.
#
# usage: tests/run-migrate-tests.sh [--on NODE] [--plan PLAN] [--hops K] [NAME...]
#   --plan PLAN  where each step runs, comma-separated, L = here, N = on NODE;
#                the last entry repeats: "L" (default), "L,N" = x86->arm,
#                "N,L" = arm->x86, "N" = arm->arm, "L,N,L" = x86->arm->x86
#                (with the board as NODE). Several --plan options: each one.
#   --hops K     stop at the first point of each of the first K steps
#                (--migrate-after 0; default 4); later steps stop only where
#                the program forces it (hexo_force_migration)
# Every step also writes --status: the progress (migration points passed)
# must grow at each stop, equal the checkpoint's (hexo inspect --json), and
# not go back at the end.
# Scenarios per program and plan: "hops" (above) and, for plans without N,
# "every" (--checkpoint-every while running: output must be unchanged, and
# the last checkpoint must resume to the same end).
# A first line "/* hexocc-flags: ..." in NAME.c adds hexocc flags; NAME.dir/
# is copied into the job directory.
# Environment: HEXO, HEXOCC, TEST_OUT (build/tests/migrate), HEXO_TEST_NO_KVM=1.
set -euo pipefail
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
TEST_OUT=${TEST_OUT:-$root/build/tests/migrate}
SRC=$root/tests/migrate

node= hops=4
plans=()
names=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--on) node=$2; shift ;;
	--plan) plans+=("$2"); shift ;;
	--hops) hops=$2; shift ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-migrate-tests.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1") ;;
	esac
	shift
done
[[ ${#plans[@]} -gt 0 ]] || plans=(L)
if [[ ${#names[@]} -eq 0 ]]; then
	for f in "$SRC"/*.c; do names+=("$(basename "$f" .c)"); done
fi

if ! kvm_usable && ! grep -q N <<<"${plans[*]}"; then
	for n in "${names[@]}"; do skip "migrate/$n (no usable /dev/kvm)"; done
	finish
fi

# Without KVM here, only the node can run guests: the plans with a step here
# are skipped, and the reference runs on the node.
ref_on=()
no_kvm_plans=()
if ! kvm_usable; then
	ref_on=(--on "$node")
	kept=()
	for p in "${plans[@]}"; do
		if [[ $p == *L* ]]; then no_kvm_plans+=("$p"); else kept+=("$p"); fi
	done
	plans=("${kept[@]}")
fi

mkdir -p "$TEST_OUT"

# fresh_dir NAME DIR: an empty job directory with NAME.dir's files
fresh_dir() {
	rm -rf "$2"
	mkdir -p "$2"
	if [[ -d $SRC/$1.dir ]]; then cp -a "$SRC/$1.dir/." "$2/"; fi
}

# step HOST KIND IMAGE_OR_CKPT CKPT JOBDIR OUT ERR [extra hexo options...]
# runs one step (KIND run|resume) here (L) or on the node (N); returns hexo's status
step() {
	local host=$1 kind=$2 what=$3 ckpt=$4 dir=$5 out=$6 err=$7
	shift 7
	local -a on=()
	[[ $host == N ]] && on=(--on "$node")
	# --argv0: the guest's argv[0] is the same wherever it runs
	local -a a0=()
	[[ $kind == run ]] && a0=(--argv0 prog)
	timeout -k 5 300 "$HEXO" "$kind" "${on[@]}" --dir "$dir" --checkpoint "$ckpt" "${a0[@]}" \
		"$@" "$what" </dev/null >>"$out" 2>>"$err"
}

# snapshot DIR: the job directory's files and contents, for comparison
snapshot() {
	(cd "$1" && find . -type f ! -name '*.ckpt' | LC_ALL=C sort | while read -r f; do
		echo "== $f"
		cat "$f"
	done)
}

# status_points FILE: "points" of a --status file
status_points() { sed -n -E 's/.*"points": ([0-9]+).*/\1/p' "$1" 2>/dev/null; }
status_state() { sed -n -E 's/.*"state": "([a-z]+)".*/\1/p' "$1" 2>/dev/null; }

# migrate_case NAME IMAGE PLAN: runs NAME hop by hop; compares with the reference
migrate_case() {
	local name=$1 img=$2 plan=$3 label="migrate/$1 [$3]"
	local w=$TEST_OUT/$name.${plan//,/}
	local -a hosts
	IFS=, read -r -a hosts <<<"$plan"
	fresh_dir "$name" "$w/job"
	: >"$w/out"
	: >"$w/err"
	local ckpt=$w/job.ckpt st=0 i=0 stops=0 host
	local status=$w/status.json points=0 p cp progress=
	local -a opts
	rm -f "$ckpt"
	while :; do
		host=${hosts[$((i < ${#hosts[@]} ? i : ${#hosts[@]} - 1))]}
		opts=(--status "$status")
		rm -f "$status"
		[[ $i -lt $hops ]] && opts+=(--migrate-after 0)
		st=0
		rm -f "$ckpt.prev"
		[[ -f $ckpt ]] && mv "$ckpt" "$ckpt.prev"
		if [[ $i -eq 0 ]]; then
			step "$host" run "$img" "$ckpt" "$w/job" "$w/out" "$w/err" "${opts[@]}" || st=$?
		else
			step "$host" resume "$ckpt.prev" "$ckpt" "$w/job" "$w/out" "$w/err" --image "$img" \
				"${opts[@]}" || st=$?
		fi
		i=$((i + 1))
		p=$(status_points "$status")
		if [[ $st -eq 0 && -f $ckpt ]]; then
			cp=$("$HEXO" inspect --json "$ckpt" | sed -n -E 's/^  "points": ([0-9]+),$/\1/p')
			[[ $(status_state "$status") == stopped && ${p:-0} -gt $points && $p == "$cp" ]] ||
				progress+=" step $i: --status '$(cat "$status" 2>/dev/null)' after $points points, checkpoint $cp;"
			points=${p:-0}
			stops=$((stops + 1))
			if [[ $i -gt 60 ]]; then
				fail "$label (still stopping after 60 steps)"
				return
			fi
			continue
		fi
		[[ ${p:-0} -ge $points ]] ||
			progress+=" the end: --status '$(cat "$status" 2>/dev/null)' after $points points;"
		break
	done
	local why=$progress
	[[ $st == "$(cat "$w/../$name.ref.status")" ]] || why+=" status $st, expected $(cat "$w/../$name.ref.status");"
	cmp -s "$w/out" "$w/../$name.ref.out" || why+=" stdout differs;"
	cmp -s "$w/err" "$w/../$name.ref.err" || why+=" stderr differs;"
	snapshot "$w/job" >"$w/files"
	cmp -s "$w/files" "$w/../$name.ref.files" || why+=" job files differ;"
	[[ $stops -gt 0 ]] || why+=" never stopped at a point;"
	if [[ -z $why ]]; then
		pass "$label ($stops stops)"
	else
		fail "$label:$why (see $w)"
		diff <(cat "$w/../$name.ref.out") "$w/out" | head -20 || true
		diff <(cat "$w/../$name.ref.err") "$w/err" | head -10 || true
	fi
}

# every_case NAME IMAGE: periodic checkpoints leave the output unchanged,
# and the last one resumes to the same end as the reference
every_case() {
	local name=$1 img=$2 label="migrate/$1 [checkpoint-every]"
	local w=$TEST_OUT/$name.every st=0
	fresh_dir "$name" "$w/job"
	: >"$w/out"
	: >"$w/err"
	rm -f "$w/job.ckpt"
	"$HEXO" run --dir "$w/job" --checkpoint "$w/job.ckpt" --checkpoint-every 0.001 --argv0 prog \
		"$img" </dev/null >"$w/out" 2>"$w/err" || st=$?
	local why=
	[[ $st == "$(cat "$w/../$name.ref.status")" ]] || why+=" status $st;"
	cmp -s "$w/out" "$w/../$name.ref.out" || why+=" stdout differs;"
	if [[ -z $why ]]; then pass "$label"; else fail "$label:$why (see $w)"; fi
}

for name in "${names[@]}"; do
	src=$SRC/$name.c
	if [[ ! -f $src ]]; then
		fail "migrate/$name (no $src)"
		continue
	fi
	flags=$(sed -n '1s|^/\* hexocc-flags: \(.*\)$|\1|p' "$src")
	img=$TEST_OUT/$name.hexo ref=$TEST_OUT/$name.ref.hexo
	# shellcheck disable=SC2086
	if ! "$HEXOCC" -O2 $flags -o "$img" "$src" -lm >"$TEST_OUT/$name.build.log" 2>&1 ||
		! "$HEXOCC" -O2 $flags --no-migration -o "$ref" "$src" -lm >>"$TEST_OUT/$name.build.log" 2>&1; then
		fail "migrate/$name (build failed: $TEST_OUT/$name.build.log)"
		sed -n '1,15p' "$TEST_OUT/$name.build.log"
		continue
	fi
	fresh_dir "$name" "$TEST_OUT/$name.refjob"
	st=0
	timeout -k 5 300 "$HEXO" run "${ref_on[@]}" --dir "$TEST_OUT/$name.refjob" --argv0 prog "$ref" \
		</dev/null >"$TEST_OUT/$name.ref.out" 2>"$TEST_OUT/$name.ref.err" || st=$?
	echo "$st" >"$TEST_OUT/$name.ref.status"
	snapshot "$TEST_OUT/$name.refjob" >"$TEST_OUT/$name.ref.files"
	for plan in "${no_kvm_plans[@]}"; do
		skip "migrate/$name [$plan] (a step here, and no usable /dev/kvm here)"
	done
	for plan in "${plans[@]}"; do
		migrate_case "$name" "$img" "$plan"
	done
	# (programs that stop themselves, and the big heap, are left out)
	if ! grep -q N <<<"${plans[*]}" && [[ $name != bigheap ]] &&
		! grep -q 'hexo_force_migration(HEXO_MIGRATE_STOP' "$src"; then
		every_case "$name" "$img"
	fi
done

finish
