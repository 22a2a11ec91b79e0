#!/usr/bin/env bash
# Builds newlib (libc.a, libm.a, headers) for one hexo guest ISA into a
# per-machine cache, from Debian's newlib-source tarball. See docs/newlib.md.
#
#   build.sh dir        print the cache folder for the current inputs
#   build.sh build ISA  make sure <cache>/<ISA>/ exists (ISA: x86_64, aarch64)
#
# Inputs (environment): NEWLIB_CC (clang), NEWLIB_AR (llvm-ar),
# NEWLIB_RANLIB (llvm-ranlib), NEWLIB_CFLAGS (flags for every object),
# NEWLIB_TARBALL (/usr/src/newlib/newlib-3.3.0.tar.xz), HEXO_CACHE or
# XDG_CACHE_HOME (cache root). The cache folder's name is a hash of the
# tarball, the tools' versions, the flags and every file in this folder, so a
# change of any of them builds a new one. Each ISA is built in a temporary
# folder and renamed into place at the end: an interrupted build leaves no
# half cache.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cc=${NEWLIB_CC:-clang}
ar=${NEWLIB_AR:-llvm-ar}
ranlib=${NEWLIB_RANLIB:-llvm-ranlib}
cflags=${NEWLIB_CFLAGS:--O2 -g0}
# Per-ISA additions (the top Makefile's GUEST_ISA_CFLAGS_<isa>).
isa_cflags_x86_64=${NEWLIB_CFLAGS_x86_64:-}
isa_cflags_aarch64=${NEWLIB_CFLAGS_aarch64:-}
tarball=${NEWLIB_TARBALL:-/usr/src/newlib/newlib-3.3.0.tar.xz}
cache_root=${HEXO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hexo}

# Same code paths in libm on both ISAs (results must be bit-identical):
# the new (ARM optimized-routines) exp/log/pow/sinf/cosf on both, and none of
# the variants that depend on a fused multiply-add or round instruction.
math_defs="-D__OBSOLETE_MATH=0 -DHAVE_FAST_FMA=0 -DHAVE_FAST_ROUND=0 -DHAVE_FAST_LROUND=0"
# stdio sizes a stream's buffer from fstat's st_blksize (else BUFSIZ, 1 KiB),
# as newlib's Linux and Cygwin targets do.
stdio_defs="-DHAVE_BLKSIZE"

config_opts=(
	--disable-multilib
	--disable-nls
	--disable-newlib-supplied-syscalls
	--enable-newlib-io-long-long
	--enable-newlib-io-long-double
	--enable-newlib-io-c99-formats
)

isa_cflags() {
	local v="isa_cflags_$1"
	echo "${!v:-}"
}

die() {
	echo "newlib: $*" >&2
	exit 1
}

triple_of() {
	case $1 in
	x86_64) echo x86_64-none-elf ;;
	aarch64) echo aarch64-none-elf ;;
	*) die "unknown ISA '$1': use x86_64 or aarch64" ;;
	esac
}

clang_target_of() {
	case $1 in
	x86_64) echo x86_64-unknown-none-elf ;;
	aarch64) echo aarch64-unknown-none-elf ;;
	esac
}

cache_dir() {
	[[ -r $tarball ]] ||
		die "source tarball $tarball not found: install newlib-source (make deps)"
	command -v "${cc%% *}" >/dev/null ||
		die "compiler '$cc' not found: install clang (make deps)"
	local sum
	sum=$({
		sha256sum <"$tarball"
		"${cc%% *}" --version | head -n 1
		"$ar" --version 2>/dev/null | head -n 2
		echo "cflags=$cflags"
		echo "x86_64=$isa_cflags_x86_64 aarch64=$isa_cflags_aarch64"
		echo "math=$math_defs"
		echo "stdio=$stdio_defs"
		echo "config=${config_opts[*]}"
		(cd "$here" && find . -type f | LC_ALL=C sort | xargs sha256sum)
	} | sha256sum)
	echo "$cache_root/newlib-${sum:0:16}"
}

# Applied to the unpacked source copy, never to /usr/src.
patch_source() {
	local src=$1
	# x86_64-*-elf gets aarch64's system-call set-up: libc/syscalls
	# (write() calls _write_r() calls _write()) instead of MISSING_SYSCALL_NAMES
	# (_write_r() calling write()), so the library OS provides the same
	# symbols, _write etc., on both ISAs.
	sed -i 's/^  aarch64\*-\*-\*)$/  aarch64*-*-* | x86_64-*-elf*)/' \
		"$src/newlib/configure.host"
	[[ $(grep -c 'x86_64-\*-elf\*)$' "$src/newlib/configure.host") == 2 ]] ||
		{ echo "configure.host: unexpected content"; return 1; }
	# clang's integrated assembler rejects GNU as's "vN.2d[i]" form of an
	# element operand; "vN.d[i]" is the canonical spelling of the same
	# instruction (umov), so the code assembled is unchanged.
	sed -i 's/\.2d\[/.d[/g' \
		"$src"/newlib/libc/machine/aarch64/{memchr,strchr,strchrnul,strrchr}.S
	# One correctly rounded fused multiply-add for both ISAs
	# (see fma_core.h).
	local d
	for d in libm/common libm/machine/aarch64; do
		cp "$here/fma_core.h" "$src/newlib/$d/"
		cp "$here/fma.c" "$src/newlib/$d/s_fma.c"
		cp "$here/fmaf.c" "$src/newlib/$d/sf_fma.c"
	done
	# calloc(n, size) must fail when n * size overflows; newlib 3.3 lets
	# the product wrap and returns a block that is far too small.
	local m=$src/newlib/libc/stdlib/mallocr.c
	sed -i 's|^  INTERNAL_SIZE_T sz = n \* elem_size;$|&\
  if (elem_size != 0 \&\& n > (size_t)-1 / elem_size) { RERRNO = ENOMEM; return 0; }|' "$m"
	grep -q 'n > (size_t)-1 / elem_size' "$m" ||
		{ echo "mallocr.c: calloc overflow patch did not apply"; return 1; }
	# stdout starts line-buffered only when it is a terminal: without
	# HAVE_FCNTL (which would also make fdopen/freopen need F_GETFL/F_SETFL)
	# findfp.c presets __SLBF on stdout, whatever its file is, and
	# __smakebuf_r can only add the flag. This is the HAVE_FCNTL branch:
	# __smakebuf_r sets __SLBF when isatty() says so.
	local f=$src/newlib/libc/stdio/findfp.c
	sed -i 's/^  std (ptr, __SWR | __SLBF, 1);$/  std (ptr, __SWR, 1);/' "$f"
	[[ $(grep -c '^  std (ptr, __SWR, 1);$' "$f") == 2 ]] ||
		{ echo "findfp.c: stdout buffering patch did not apply"; return 1; }
	# newlib declares posix_memalign, and aligned_alloc calls it, but there
	# is no definition: add ours to the file that needs it.
	cat "$here/posix_memalign.c" >>"$src/newlib/libc/stdlib/aligned_alloc.c"
}

# Lets the library OS's POSIX clocks and nanosleep be declared by <time.h>.
patch_headers() {
	cat >>"$1/newlib.h" <<'EOF'

/* hexo: <time.h> declares clock_gettime (CLOCK_REALTIME, CLOCK_MONOTONIC,
   CLOCK_PROCESS_CPUTIME_ID)
   and nanosleep, which the library OS provides. */
#ifndef _POSIX_TIMERS
#define _POSIX_TIMERS 1
#endif
#ifndef _POSIX_MONOTONIC_CLOCK
#define _POSIX_MONOTONIC_CLOCK 200112L
#endif
#ifndef _POSIX_CPUTIME
#define _POSIX_CPUTIME 200112L
#endif
EOF
}

tmp= child= log=
# On exit or interrupt: stop newlib's make (it stops its own jobs), then drop
# the temporary folder. Nothing half-built is ever left in the cache.
cleanup() {
	if [[ -n $child ]]; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	[[ -z $tmp ]] || rm -rf "$tmp" 2>/dev/null || rm -rf "$tmp" || true
}

# Runs a long step in the background, so a signal is handled at once.
run() {
	"$@" >>"$log" 2>&1 </dev/null &
	child=$!
	local rc=0
	wait "$child" || rc=$?
	child=
	return "$rc"
}

build_isa() {
	local isa=$1 triple ctarget dir final t0 old
	triple=$(triple_of "$isa")
	ctarget=$(clang_target_of "$isa")
	dir=$(cache_dir)
	final=$dir/$isa
	[[ -f $final/lib/libc.a ]] && return 0

	# Run from make with -n, -t or -q: say what would be done, do nothing.
	local w=${MAKEFLAGS:-}
	w=${w%% *}
	if [[ $w != -* && $w == *[ntq]* ]]; then
		echo "newlib $isa: would build $final"
		return 0
	fi
	# Newlib's own make gets only the caller's jobserver (so the caller's
	# -j bounds both), never its other flags; no caller: all cores.
	local jobs=() t mf=
	for t in ${MAKEFLAGS:-}; do
		case $t in
		-j* | --jobserver-auth=* | --jobserver-fds=*) mf="$mf $t" ;;
		esac
	done
	case $mf in
	*jobserver*) ;;
	*) mf= jobs=(-j"$(nproc)") ;;
	esac
	export MAKEFLAGS="$mf"
	unset MFLAGS MAKELEVEL

	mkdir -p "$dir"
	# Leftovers of builds that were killed outright (kill -9, power loss).
	for old in "$dir"/.tmp-"$isa"-*; do
		[[ -d $old ]] || continue
		kill -0 "${old##*-}" 2>/dev/null || rm -rf "$old"
	done
	tmp=$dir/.tmp-$isa-$$
	rm -rf "$tmp"
	mkdir "$tmp"
	log=$dir/build-$isa.log
	trap cleanup EXIT
	trap 'cleanup; trap - EXIT; exit 130' INT TERM HUP
	: >"$log"
	t0=$SECONDS

	fail() {
		echo "newlib $isa: $1 failed; first errors and last lines of $log:" >&2
		grep -m 5 -E 'error:|Error [0-9]' "$log" >&2 || true
		echo "..." >&2
		tail -n 15 "$log" >&2
		echo "newlib $isa: $1 failed; full log: $log" >&2
		exit 1
	}
	step() { echo "newlib $isa: $1"; }

	step "unpacking $(basename "$tarball")"
	mkdir "$tmp/src" "$tmp/obj" "$tmp/dest" "$tmp/out"
	run tar -xJf "$tarball" -C "$tmp/src" --strip-components=1 ||
		fail "unpacking"
	patch_source "$tmp/src" >>"$log" 2>&1 || fail "patching"

	# -nostdlibinc: only newlib's and clang's own headers, never the
	# host's /usr/include (clang adds it for x86_64-*-none).
	local tcc="$cc --target=$ctarget -nostdlibinc"
	step "configuring for $triple (log: $log)"
	run env -C "$tmp/obj" "$tmp/src/configure" \
		--target="$triple" --prefix=/hexo \
		"${config_opts[@]}" \
		CC_FOR_TARGET="$tcc" \
		CFLAGS_FOR_TARGET="$cflags $(isa_cflags "$isa") $math_defs $stdio_defs" \
		AR_FOR_TARGET="$ar" \
		RANLIB_FOR_TARGET="$ranlib" \
		AS_FOR_TARGET="$tcc -c" \
		NM_FOR_TARGET=llvm-nm \
		LD_FOR_TARGET=ld.lld || fail "configure"

	step "compiling libc and libm"
	run make -C "$tmp/obj" "${jobs[@]}" all-target-newlib || fail "compiling"

	step "installing"
	run make -C "$tmp/obj" install-target-newlib DESTDIR="$tmp/dest" ||
		fail "installing"
	local inst=$tmp/dest/hexo/$triple
	[[ -f $inst/lib/libc.a && -f $inst/lib/libm.a ]] ||
		fail "installing (no libc.a/libm.a)"
	mkdir "$tmp/out/lib"
	mv "$inst/include" "$tmp/out/include"
	mv "$inst/lib/libc.a" "$inst/lib/libm.a" "$tmp/out/lib/"
	patch_headers "$tmp/out/include"

	# Atomic publish; another build that got there first wins.
	if ! mv -T "$tmp/out" "$final" 2>/dev/null; then
		[[ -f $final/lib/libc.a ]] || fail "publishing to $final"
	fi
	step "done in $((SECONDS - t0)) s: $final"
}

case ${1:-} in
dir) cache_dir ;;
build)
	[[ $# -eq 2 ]] || die "usage: $0 build x86_64|aarch64"
	build_isa "$2"
	;;
*) die "usage: $0 dir | build x86_64|aarch64" ;;
esac
