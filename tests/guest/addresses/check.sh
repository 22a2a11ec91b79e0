# shellcheck shell=bash
# One address space on every ISA (docs/layout.md). The guest prints
# "KIND NAME 0xADDRESS" lines; the expected output is computed here from the
# image: symbol addresses from its ELFs (both must agree), pointer values
# read from the x86-64 ELF's data, the heap start from its manifest, the
# heap blocks at fixed offsets from it (newlib's malloc, the same C code on
# every ISA). tests/run-guest-tests.sh runs this on x86-64, the board suite
# on aarch64: both pass only if the ISAs share every address.
# Sourced by tests/run-guest-tests.sh and tests/board/test_guests_on_board.sh.

ad_dir=$TEST_OUT/$TEST_NAME/elves
mkdir -p "$ad_dir"

ad_u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }

# ad_extract: the image's ELF entries as $ad_dir/<isa>.elf, the manifest as
# $ad_dir/manifest.json (format: docs/image-format.md).
ad_extract() {
	local n i kind isa off size
	n=$(od -An -t u4 -j 12 -N 4 "$IMAGE" | tr -d ' ')
	for ((i = 0; i < n; i++)); do
		kind=$(od -An -t u4 -j $((64 + 32 * i)) -N 4 "$IMAGE" | tr -d ' ')
		isa=$(od -An -t u4 -j $((68 + 32 * i)) -N 4 "$IMAGE" | tr -d ' ')
		off=$(ad_u64 "$IMAGE" $((72 + 32 * i)))
		size=$(ad_u64 "$IMAGE" $((80 + 32 * i)))
		case $kind/$isa in
		1/1) tail -c +$((off + 1)) "$IMAGE" | head -c "$size" >"$ad_dir/x86_64.elf" ;;
		1/2) tail -c +$((off + 1)) "$IMAGE" | head -c "$size" >"$ad_dir/aarch64.elf" ;;
		2/0) tail -c +$((off + 1)) "$IMAGE" | head -c "$size" >"$ad_dir/manifest.json" ;;
		esac
	done
}

# ad_sym ELF NAME: the symbol's address, 0x-hex as %p prints it.
ad_sym() {
	local a
	a=$(llvm-nm "$1" | awk -v n="$2" '$3 == n { print $1; exit }')
	[[ -n $a ]] && printf '0x%x' $((16#$a))
}

# ad_ptr ELF ADDRESS: the 8 bytes at ADDRESS in the ELF's loaded data.
ad_ptr() {
	local elf=$1 want=$(($2)) name type addr off size rest
	while read -r name type addr off size rest; do
		[[ $type == PROGBITS ]] || continue
		addr=$((16#$addr)) off=$((16#$off)) size=$((16#$size))
		if ((want >= addr && want + 8 <= addr + size)); then
			printf '0x%x' "$(od -An -t u8 -j $((off + want - addr)) -N 8 "$elf" | tr -d ' ')"
			return
		fi
	done < <(llvm-readelf -SW "$elf" | sed -n 's/^ *\[ *[0-9]*\] //p')
	printf 'not-in-%s' "$elf"
}

ad_expected() {
	local x=$ad_dir/x86_64.elf a=$ad_dir/aarch64.elf name v va heap impure i
	for name in main addr_twice addr_thrice printf malloc free memcpy strlen strcmp strncmp strnlen qsort sin; do
		v=$(ad_sym "$x" "$name") va=$(ad_sym "$a" "$name")
		[[ $v == "$va" ]] || v="$v(x86_64)/$va(aarch64)"
		echo "func $name $v"
	done
	for name in addr_counter addr_zeroes addr_consts addr_table addr_greeting addr_words; do
		v=$(ad_sym "$x" "$name") va=$(ad_sym "$a" "$name")
		[[ $v == "$va" ]] || v="$v(x86_64)/$va(aarch64)"
		echo "data $name $v"
	done
	v=$(ad_sym "$x" addr_table)
	for i in 0 1 2; do
		echo "ptr addr_table[$i] $(ad_ptr "$x" $((v + 8 * i)))"
	done
	echo "ptr addr_greeting $(ad_ptr "$x" "$(ad_sym "$x" addr_greeting)")"
	v=$(ad_sym "$x" addr_words)
	echo "ptr addr_words[0] $(ad_ptr "$x" "$v")"
	echo "ptr addr_words[1] $(ad_ptr "$x" $((v + 8)))"
	# stdout is _impure_ptr->_stdout: struct _reent { int; FILE *_stdin, *_stdout; ... }
	impure=$(ad_ptr "$x" "$(ad_sym "$x" _impure_ptr)")
	echo "ptr stdout $(ad_ptr "$x" $((impure + 16)))"
	heap=$(tr -d ' \n' <"$ad_dir/manifest.json" | sed -n 's/.*"heap_start":\([0-9]*\).*/\1/p')
	printf 'heap brk0 0x%x\n' "$heap"
	# malloc(10), malloc(100), malloc(5000), malloc(1): 16-byte chunks
	# with a 16-byte header, from the start of the heap.
	for i in 0:0x10 1:0x30 2:0xa0 3:0x1430; do
		printf 'heap block%s 0x%x\n' "${i%%:*}" $((heap + ${i#*:}))
	done
	echo "check 44 6 0 1e+300 27 5 -13"
}

case_begin "$TEST_NAME"
if ! case_skipped; then
	ad_extract
	run_guest "$(new_jobdir)" --
	want_status 0
	want_stderr_empty
	want_stdout "$(ad_expected)"$'\n'
fi
case_end
