#!/usr/bin/env bash
# hexod's tests, 5: real programs: the static aarch64 hexod (under
# qemu-aarch64 when installed), and with build/bin/hexocc and /dev/kvm a
# real guest through an agent running the real hexo, compared with a local
# `hexo run`, and migrated through it. Parts that cannot run here print
# "SKIP: <reason>" (tests/hexod/lib.sh).
# Ends with "N passed, N failed, N skipped"; exits non-zero when anything
# failed.
set -uo pipefail
# shellcheck source=tests/hexod/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ----------------------------------------------------- aarch64 agent --
a64=$build/aarch64/bin/hexod
if [[ ! -x $a64 ]]; then
	skip "aarch64 hexod: $a64 not built"
else
	machine=$(od -An -tx1 -j18 -N2 "$a64" | tr -d ' ')
	if [[ $machine == b700 ]] && ! readelf -l "$a64" 2>/dev/null | grep -q INTERP; then
		pass "build/aarch64/bin/hexod is a static aarch64 executable"
	else
		fail "aarch64 hexod" "e_machine $machine"
	fi
	if command -v qemu-aarch64 >/dev/null; then
		mkdir -p "$tmp/q"
		qemu-aarch64 "$a64" --listen 127.0.0.1:0 --port-file "$tmp/q/port" \
			--secret-file "$tmp/secret" --work "$tmp/q/work" --log "$tmp/q/log" &
		agents+=($!)
		wait_until 10 test -s "$tmp/q/port"
		"$HEXO" node add q "127.0.0.1:$(cat "$tmp/q/port" 2>/dev/null)" --secret-file "$tmp/secret" \
			--no-check >/dev/null 2>&1
		out=$("$HEXO" node ping q 2>&1)
		[[ $out == *"aarch64"* ]] && pass "aarch64 hexod answers ping under qemu-aarch64 ($out)" ||
			fail "aarch64 hexod ping" "$out"
	else
		skip "aarch64 hexod ping: qemu-aarch64 (qemu-user) not installed"
	fi
fi

# A real guest migrated through an agent here (x86-64 both sides): stopped at
# its first migration point there, resumed there and stopped again, then
# resumed here; and once stopped by SIGUSR1 to the client. The output, the
# status and the files must be a local run's.
real_migration() {
	local r=$tmp/real/mig st cpid
	mkdir -p "$r/ref" "$r/rem" "$r/usr"
	cat >"$r/steps.c" <<'EOF'
#include <stdio.h>
#include <hexo/migrate.h>

int main(void)
{
	volatile unsigned long spin = 0;
	FILE *f = fopen("steps.txt", "w");

	for (int i = 0; i < 6; i++) {
		hexo_check_migrate();
		for (unsigned long k = 0; k < 30000000ul; k++)
			spin += k;
		printf("step %d\n", i);
		fflush(stdout);
		fprintf(f, "%d\n", i);
		fflush(f);
	}
	fclose(f);
	return 4;
}
EOF
	if ! (cd "$r" && "$HEXOCC" -O2 -o steps.hexo steps.c) >"$r/cc.log" 2>&1; then
		fail "real guest migrated through hexod: hexocc failed" "$(tail -3 "$r/cc.log")"
		fail "real guest stopped by SIGUSR1 through hexod: not run"
		return
	fi
	(cd "$r" && "$HEXO" run --dir ref steps.hexo >ref.out 2>&1)
	echo "status $?" >>"$r/ref.out"
	(
		cd "$r" || exit 1
		"$HEXO" run --on r --dir rem --migrate-after 0 steps.hexo || exit 1
		[[ -f steps.ckpt ]] || exit 1
		"$HEXO" resume --on r --dir rem --migrate-after 0 steps.ckpt || exit 1
		"$HEXO" resume --dir rem steps.ckpt
	) >"$r/rem.out" 2>&1
	echo "status $?" >>"$r/rem.out"
	if cmp -s "$r/ref.out" "$r/rem.out" && cmp -s "$r/ref/steps.txt" "$r/rem/steps.txt"; then
		pass "real guest migrated through hexod: stopped there, resumed there, resumed here: as a local run"
	else
		fail "real guest migrated through hexod" "$(diff "$r/ref.out" "$r/rem.out" | head -6 | tr '\n' ' ')"
	fi
	rm -f "$r/steps.ckpt"
	(cd "$r" && exec "$HEXO" run --on r --dir usr steps.hexo >usr.out 2>&1) &
	cpid=$!
	wait_until 10 grep -qs "step 1" "$r/usr.out"
	kill -USR1 "$cpid"
	wait "$cpid"
	st=$?
	(cd "$r" && "$HEXO" resume --dir usr steps.ckpt >>usr.out 2>&1)
	echo "status $?" >>"$r/usr.out"
	if [[ $st == 0 ]] && cmp -s "$r/ref.out" "$r/usr.out" && cmp -s "$r/ref/steps.txt" "$r/usr/steps.txt"; then
		pass "real guest stopped by SIGUSR1 through hexod, resumed here: as a local run"
	else
		fail "real guest stopped by SIGUSR1 through hexod" "status $st: $(diff "$r/ref.out" "$r/usr.out" | head -6 | tr '\n' ' ')"
	fi
}

# --------------------------------------------------------- a real guest --
real_skip=
if [[ ! -x $HEXOCC ]]; then
	real_skip="$HEXOCC not built"
elif ! kvm_usable; then
	real_skip="/dev/kvm not usable"
fi
if [[ -n $real_skip ]]; then
	skip "real guest through hexod: $real_skip"
	skip "real guest output file comes back: $real_skip"
	skip "real guest migrated through hexod: $real_skip"
	skip "real guest stopped by SIGUSR1 through hexod: $real_skip"
else
	mkdir -p "$tmp/real/local" "$tmp/real/remote"
	cat >"$tmp/real/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[64] = "";
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "spam")) { /* until a write fails */
		while (puts("y") >= 0 && fflush(stdout) == 0)
			;
		fprintf(stderr, "write failed\n");
		return 3;
	}

	printf("hello from %s:", argv[0]);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	printf("env: %s\n", getenv("HEXO_T_REAL") ? getenv("HEXO_T_REAL") : "(unset)");
	if (fgets(line, sizeof(line), stdin))
		printf("stdin: %s", line);
	else
		printf("stdin: (end)\n");
	f = fopen("input.txt", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("input: %s", line);
	if (f)
		fclose(f);
	f = fopen("result.txt", "w");
	if (!f)
		return 1;
	fprintf(f, "result of %d args\n", argc);
	fclose(f);
	fprintf(stderr, "to stderr\n");
	return 7;
}
EOF
	echo "real input" >"$tmp/real/local/input.txt"
	echo "real input" >"$tmp/real/remote/input.txt"
	if ! (cd "$tmp/real" && "$HEXOCC" -O2 -o hello.hexo hello.c) >"$tmp/real/cc.log" 2>&1; then
		fail "real guest: hexocc failed" "$(tail -3 "$tmp/real/cc.log")"
		fail "real guest output file: not run"
		fail "real guest migrated through hexod: not run"
		fail "real guest stopped by SIGUSR1 through hexod: not run"
	else
		start_agent r
		"$HEXO" node add r "127.0.0.1:$PORT_r" --secret-file "$tmp/secret" >/dev/null 2>&1
		(cd "$tmp/real" && "$HEXO" run --dir local hello.hexo a "b c") \
			>"$tmp/real/local.out" 2>"$tmp/real/local.err" </dev/null
		lst=$?
		(cd "$tmp/real" && "$HEXO" run --on r --dir remote hello.hexo a "b c") \
			>"$tmp/real/remote.out" 2>"$tmp/real/remote.err" </dev/null
		rst=$?
		if [[ $lst == "$rst" ]] && cmp -s "$tmp/real/local.out" "$tmp/real/remote.out" &&
			cmp -s "$tmp/real/local.err" "$tmp/real/remote.err"; then
			pass "real guest through hexod: same stdout, stderr and status ($rst) as a local run"
		else
			fail "real guest through hexod" "local $lst / remote $rst; remote: $(cat "$tmp/real/remote.out" "$tmp/real/remote.err" | head -5)"
		fi
		# An absolute image path (argv[0]), stdin, --env NAME from here, 2>&1.
		for where in local remote; do
			runner=("$HEXO" run)
			[[ $where == remote ]] && runner=("$HEXO" run --on r)
			printf 'typed line\nmore\n' | HEXO_T_REAL="from the client" \
				"${runner[@]}" --dir "$tmp/real/$where" --env HEXO_T_REAL \
				"$tmp/real/hello.hexo" x >"$tmp/real/$where.2.out" 2>&1
			echo "status $?" >>"$tmp/real/$where.2.out"
		done
		if cmp -s "$tmp/real/local.2.out" "$tmp/real/remote.2.out" &&
			grep -q "hello from $tmp/real/hello.hexo: x" "$tmp/real/remote.2.out" &&
			grep -q "stdin: typed line" "$tmp/real/remote.2.out" &&
			grep -q "env: from the client" "$tmp/real/remote.2.out"; then
			pass "real guest: absolute argv[0], stdin, --env NAME and 2>&1 as locally"
		else
			fail "real guest: argv[0], stdin, --env" "$(diff "$tmp/real/local.2.out" "$tmp/real/remote.2.out" | head -8 | tr '\n' ' ')"
		fi
		# A guest writing until it fails, into | head.
		for where in local remote; do
			runner=("$HEXO" run)
			[[ $where == remote ]] && runner=("$HEXO" run --on r)
			timeout 20 "${runner[@]}" --dir "$tmp/real/$where" "$tmp/real/hello.hexo" spam \
				2>"$tmp/real/$where.3.err" | head -2 >"$tmp/real/$where.3.out"
			echo "status ${PIPESTATUS[0]}" >>"$tmp/real/$where.3.out"
		done
		if cmp -s "$tmp/real/local.3.out" "$tmp/real/remote.3.out" &&
			cmp -s "$tmp/real/local.3.err" "$tmp/real/remote.3.err"; then
			pass "real guest: | head ends a guest writing forever, as locally ($(tail -1 "$tmp/real/remote.3.out"))"
		else
			fail "real guest: | head" "local $(tr '\n' ' ' <"$tmp/real/local.3.out") / remote $(tr '\n' ' ' <"$tmp/real/remote.3.out")"
		fi
		if [[ ! -s $tmp/real/local/result.txt ]]; then
			skip "real guest output file: the local run wrote none (status $lst: $(head -c 200 "$tmp/real/local.err"))"
		elif [[ -s $tmp/real/remote/result.txt ]] && cmp -s "$tmp/real/local/result.txt" "$tmp/real/remote/result.txt"; then
			pass "real guest's output file comes back ($(cat "$tmp/real/remote/result.txt"))"
		else
			fail "real guest output file" "$(ls "$tmp/real/remote")"
		fi
		real_migration
	fi
fi

finish
