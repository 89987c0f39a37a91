#!/usr/bin/env bash
# Cross-compiles prebuilds/win32-x64/ringtrace.node on Linux with mingw-w64 (Debian's
# g++-mingw-w64-x86-64). scripts/smoke/wine-win32.sh then proves it under Wine.
#   scripts/prebuild/win32-x64.sh
# The import library for node.exe is made in the build directory from node-api-headers' def
# file (CMakeLists.txt); nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
triple=x86_64-w64-mingw32

for tool in "$triple-g++-posix" "$triple-dlltool" "$triple-strip" "$triple-objdump"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "win32-x64 prebuild: $tool not found; install the cross toolchain:" >&2
    echo "  apt-get install -y g++-mingw-w64-x86-64" >&2
    exit 1
  fi
done

# The PE header has a time stamp that ld and strip both write; pinned to 0, the committed binary
# is byte for byte what its sources build. prebuildify strips with --strip-bin only on a Linux
# or macOS host, which this is; platform and arch name the prebuilds/ directory, the toolchain
# file makes the build.
SOURCE_DATE_EPOCH=0 RINGTRACE_CMAKE_DEFINES="CMAKE_TOOLCHAIN_FILE=$root/cmake/toolchain-mingw-w64-x86_64.cmake" \
  bash scripts/prebuild/prebuildify-in-scratch.sh win32 --strip-bin "$triple-strip" --platform win32 --arch x64

binary="prebuilds/win32-x64/ringtrace.node"
# A host compiler slipping in (a cached CMAKE_CXX_COMPILER, a changed toolchain file) would
# still produce a ringtrace.node; only its file format tells.
format="$("$triple-objdump" -f "$binary" | sed -n 's/.*file format *//p')"
if [ "$format" != "pei-x86-64" ]; then
  echo "win32-x64 prebuild: $binary is '$format', not a Windows x64 DLL (pei-x86-64)" >&2
  exit 1
fi
echo "win32-x64 prebuild: $binary ($(stat -c %s "$binary") bytes)"
