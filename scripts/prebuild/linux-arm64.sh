#!/usr/bin/env bash
# Cross-builds prebuilds/linux-arm64/ringtrace.node (glibc) on an x64 Linux host with Debian's
# g++-aarch64-linux-gnu. scripts/smoke/qemu-arm64.sh then proves it under qemu-user.
#   scripts/prebuild/linux-arm64.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
triple=aarch64-linux-gnu

for tool in "$triple-g++" "$triple-strip"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "linux-arm64 prebuild: $tool not found; install the cross toolchain:" >&2
    echo "  apt-get install -y g++-aarch64-linux-gnu" >&2
    exit 1
  fi
done

# cmake-js's --arch (from prebuildify's --arch arm64) only names the target in NODE_ARCH on
# Linux; the toolchain file is what makes the build an arm64 one.
RINGTRACE_CMAKE_DEFINES="CMAKE_TOOLCHAIN_FILE=$root/cmake/toolchain-$triple.cmake" \
  bash scripts/prebuild/prebuildify-in-scratch.sh arm64 --strip-bin "$triple-strip" --arch arm64

binary="prebuilds/linux-arm64/ringtrace.node"
# A host compiler slipping in (a cached CMAKE_CXX_COMPILER, a changed toolchain file) would
# still produce a ringtrace.node; only its ELF machine tells.
machine="$("$triple-readelf" -h "$binary" | sed -n 's/^ *Machine: *//p')"
if [ "$machine" != "AArch64" ]; then
  echo "linux-arm64 prebuild: $binary is for '$machine', not AArch64" >&2
  exit 1
fi
echo "linux-arm64 prebuild: $binary ($(stat -c %s "$binary") bytes)"
