# Damaged, truncated, foreign and missing images, and bad command lines: the
# monitor refuses each with status 125, exactly one line on stderr beginning
# "hexo: ", and never starts the guest (no stdout). Sourced by
# tests/run-guest-tests.sh.

bad_dir=$TEST_OUT/$TEST_NAME/bad
rm -rf "$bad_dir"
mkdir -p "$bad_dir"

refused() { # refused CASE-NAME HEXO-ARG...
	local name=$1
	shift
	case_begin "$TEST_NAME/$name"
	run_hexo_cmd "$@"
	want_status 125
	want_stdout ''
	want_stderr_lines 1
	want_stderr_re '^hexo: '
	case_end
}

size=$(stat -c %s "$IMAGE")
# One job directory for all refusals, kept for the whole test: a refusal
# must be about the image or option, never about a missing directory.
job=$bad_dir/job
mkdir -p "$job"

# The undamaged image runs, in that same directory: the refusals below are
# about the damage.
case_begin "$TEST_NAME/good"
run_hexo_cmd run --dir "$job" "$IMAGE"
want_status 0
want_stdout $'good image ran\n'
want_stderr_empty
case_end

# Truncated copies.
for n in $((size / 2)) $((size - 1)) 4096 100 64 63 8 0; do
	head -c "$n" "$IMAGE" >"$bad_dir/trunc-$n.hexo"
	refused "truncated-to-$n" run --dir "$job" "$bad_dir/trunc-$n.hexo"
done

# One byte changed: in the middle, the last byte, in the header's version and
# entry count, in the entry table.
flip() { # flip SRC DST OFFSET
	cp "$1" "$2"
	local b
	b=$(od -An -tu1 -j "$3" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b ^ 0x40) & 255)))" |
		dd of="$2" bs=1 seek="$3" conv=notrunc status=none
}
for off in $((size / 2)) $((size - 1)) 8 12 16 24 64 72; do
	flip "$IMAGE" "$bad_dir/flip-$off.hexo" "$off"
	want_diff=$(cmp "$IMAGE" "$bad_dir/flip-$off.hexo" | wc -l)
	[[ $want_diff -eq 1 ]] || echo "warning: flip at $off did not change the file" >&2
	refused "byte-flipped-at-$off" run --dir "$job" "$bad_dir/flip-$off.hexo"
done

# A longer file than the header says (bytes appended).
cp "$IMAGE" "$bad_dir/appended.hexo"
printf 'trailing junk' >>"$bad_dir/appended.hexo"
refused appended-bytes run --dir "$job" "$bad_dir/appended.hexo"

# Garbage: random bytes, random bytes behind the right magic, text, a host
# ELF executable, an empty file.
head -c 65536 /dev/urandom >"$bad_dir/random.hexo"
refused garbage-random run --dir "$job" "$bad_dir/random.hexo"
{ printf 'HEXOIMG\x1a'; head -c 65528 /dev/urandom; } >"$bad_dir/magic-then-random.hexo"
refused garbage-after-magic run --dir "$job" "$bad_dir/magic-then-random.hexo"
printf 'int main(void) { return 0; }\n' >"$bad_dir/text.hexo"
refused garbage-text run --dir "$job" "$bad_dir/text.hexo"
cp "$(type -P true)" "$bad_dir/host-elf.hexo"
refused host-elf run --dir "$job" "$bad_dir/host-elf.hexo"

# Not a file at all.
refused missing-path run --dir "$job" "$bad_dir/does-not-exist.hexo"
refused directory run --dir "$job" "$bad_dir"
refused dev-null run --dir "$job" /dev/null

# Bad command lines.
refused no-image run --dir "$job"
refused unknown-option run --bogus-option "$IMAGE"
refused mem-not-a-size run --mem lots "$IMAGE"
refused mem-too-small run --mem 1M "$IMAGE"
refused mem-too-big run --mem 100T "$IMAGE"
refused mem-not-page-multiple run --mem 33554433 "$IMAGE"
refused dir-missing run --dir "$bad_dir/no-such-dir" "$IMAGE"
refused dir-is-a-file run --dir "$IMAGE" "$IMAGE"
refused unknown-command frobnicate
