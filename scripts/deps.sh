#!/usr/bin/env bash
# Installs the Debian packages hexo needs, when any is missing.
# Idempotent: with everything present it only checks and says so.
# As root it runs apt-get; otherwise it prints the exact command to run.
set -euo pipefail

packages=(
	make clang lld llvm            # compiler, linker, llvm-link/llvm-ar
	llvm-14-dev                    # hexo-instrument (toolchain/pass): LLVM's C++ headers and libLLVM
	llvm-14-tools                  # tests/pass: FileCheck
	newlib-source                  # libc/libm for the guests, built by hexo
	libelf-dev                     # ELF reading in the monitor and tools
	libxxhash-dev                  # image and checkpoint checksums
	libjson-c-dev                  # --json output
	libcmocka-dev                  # host-side unit tests
	libclang-rt-14-dev             # tests/fuzz: clang's libFuzzer runtime and sanitizers (make fuzz)
	xz-utils                       # to unpack newlib's source tarball
	libgcc-12-dev                  # x86-64 guest compiler runtime (libgcc.a)
	libgcc-12-dev-arm64-cross      # aarch64 guest compiler runtime (libgcc.a)
	libsodium-dev                  # hexod: HMAC handshake, nonces, hashes
	gcc-aarch64-linux-gnu          # hexod: aarch64 libc/crt for the static board agent
	libsodium-dev:arm64            # hexod: static aarch64 libsodium (needs arm64 multiarch)
	qemu-user                      # tests: run the aarch64 hexod (qemu-aarch64)
	qemu-system-arm                # hexo board: qemu-system-aarch64 (emulated ARM64 board)
	libc6-dev-arm64-cross          # hexo board: static aarch64 hexo-init (board/init.c)
	libarchive-dev                 # hexo board: kernel .deb reading, cpio initramfs writing
	liblzma-dev libzstd-dev zlib1g-dev  # hexo board: libarchive's codecs, for a static hexo
	libelf-dev:arm64 libxxhash-dev:arm64 libjson-c-dev:arm64 zlib1g-dev:arm64  # static aarch64 hexo (the boards' monitor)
	libarchive-dev:arm64 liblzma-dev:arm64 libzstd-dev:arm64  # its board commands (part of the CLI)
	criu                           # make bench (bench/migrate.sh): checkpoint/restore of a native process, to compare
	python3                        # tests: reading --json output
	prometheus                     # tests: promtool checks the scheduler daemon's metrics (test_sched_metrics)
)

missing=()
for p in "${packages[@]}"; do
	# One status line per installed architecture (multiarch): any will do.
	st=$(dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null || true)
	grep -qx "install ok installed" <<<"$st" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi

# The board's static aarch64 tools and kernel come through apt's multiarch.
arch_cmd=""
dpkg --print-foreign-architectures | grep -qx arm64 || arch_cmd="dpkg --add-architecture arm64 && "

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root: ${arch_cmd}apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
[[ -z "$arch_cmd" ]] || dpkg --add-architecture arm64
apt-get update -qq
$cmd
