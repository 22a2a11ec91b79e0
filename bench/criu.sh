#!/usr/bin/env bash
# Finds a CRIU that works on this kernel for bench/migrate.sh and prints the
# command to run it (one path) on stdout; exit 1 with the reason on stderr
# when there is none.
#
#   1. $CRIU when set (used as given, not checked);
#   2. the installed criu (Debian 12: 3.17.1, the `criu` package that
#      scripts/deps.sh installs) when `criu check` passes;
#   3. otherwise Debian 13's criu with the libraries it needs (its own
#      libc and loader), fetched with `apt-get download` from the Debian
#      archive (a private apt state; the system's apt is not touched) and
#      unpacked under DIR (default build/bench/criu-debian13), with a
#      wrapper DIR/criu that starts it through its own loader. Kept there
#      for the next run.
#
# Why 3: CRIU before 4.1 cannot handle the vDSO of Linux 6.13 and later
# (the x86 "vvar_vclock" mapping): it stops at start-up with "vdso:
# Unexpected rt vDSO area bounds". Debian 13's 4.1.1 knows it.
#
# usage: bench/criu.sh [DIR]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/build/bench/criu-debian13}
suite=trixie # Debian 13
arch=$(dpkg --print-architecture)

if [[ -n ${CRIU:-} ]]; then
	echo "$CRIU"
	exit 0
fi
if command -v criu >/dev/null && criu check >/dev/null 2>&1; then
	command -v criu
	exit 0
fi
if [[ -x $dir/criu ]] && "$dir/criu" check >/dev/null 2>&1; then
	echo "$dir/criu"
	exit 0
fi
why=$(criu check 2>&1 | grep Error | grep -v 'exited, status' | head -n 1 | sed 's/^([0-9. ]*) //' || true)
echo "bench: criu: the installed criu does not work here (${why:-criu not installed}); fetching Debian 13's criu into $dir" >&2

rm -rf "$dir"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/root"
echo "deb http://deb.debian.org/debian $suite main" >"$dir/apt/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$dir/apt/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache"
	-o "Dir::State::status=/dev/null" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
if ! apt-get "${apt_opts[@]}" -q update >"$dir/apt.log" 2>&1; then
	echo "bench: criu: apt-get update of Debian $suite failed (see $dir/apt.log)" >&2
	exit 1
fi
# criu and what it needs at run time, recursively (the status file is
# empty: every library comes from Debian 13, with its libc)
mapfile -t pkgs < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances "criu:$arch" 2>>"$dir/apt.log" |
	grep -v '^ ' | grep -v '^<' | sed "s/:$arch\$//" | grep -v -e '^python3' -e '^perl' | sort -u)
if [[ ${#pkgs[@]} -eq 0 ]]; then
	echo "bench: criu: Debian $suite has no criu for $arch (see $dir/apt.log)" >&2
	exit 1
fi
if ! (cd "$dir/debs" && apt-get "${apt_opts[@]}" -q download "${pkgs[@]}") >>"$dir/apt.log" 2>&1; then
	echo "bench: criu: apt-get download of ${pkgs[*]} failed (see $dir/apt.log)" >&2
	exit 1
fi
for d in "$dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$dir/root"
done
ld=$(find "$dir/root" -name 'ld-linux*.so.*' -path '*lib64*' | head -n 1)
[[ -n $ld ]] || ld=$(find "$dir/root" -name 'ld-linux*.so.*' | head -n 1)
libdir=$dir/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
if [[ -z $ld || ! -x $dir/root/usr/sbin/criu ]]; then
	echo "bench: criu: Debian $suite's packages have no loader or no usr/sbin/criu (in $dir/root)" >&2
	exit 1
fi
cat >"$dir/criu" <<EOF
#!/bin/sh
# Debian $suite's criu through its own loader and libraries (bench/criu.sh)
exec "$ld" --library-path "$libdir" "$dir/root/usr/sbin/criu" "\$@"
EOF
chmod +x "$dir/criu"
if ! "$dir/criu" check >"$dir/check.log" 2>&1; then
	echo "bench: criu: Debian $suite's criu does not work here either: $(grep -m1 Error "$dir/check.log" | sed 's/^([0-9. ]*) //')" >&2
	exit 1
fi
echo "bench: criu: using Debian $suite's criu $("$dir/criu" --version | sed -n 's/^Version: //p') ($dir/criu)" >&2
echo "$dir/criu"
