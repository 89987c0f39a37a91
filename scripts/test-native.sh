#!/usr/bin/env bash
# Builds and runs the C++ tests of native/ (no node needed).
#   scripts/test-native.sh               Release (-O2 -g) in build-native-test/
#   scripts/test-native.sh --sanitizers  also ThreadSanitizer (build-native-test-tsan/) and
#                                        AddressSanitizer + UBSan (build-native-test-asan/)
# RINGTRACE_SANITIZERS=1 in the environment is the same as --sanitizers (CI sets it, so that
# `npm test` there includes the sanitizer runs).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers="${RINGTRACE_SANITIZERS:-0}"
for arg in "$@"; do
  case "$arg" in
    --sanitizers) sanitizers=1 ;;
    *) echo "usage: $0 [--sanitizers]" >&2; exit 2 ;;
  esac
done

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# build_and_run <build dir> <sanitizer> <fuzz records per run>
build_and_run() {
  local dir="$1" sanitizer="$2" records="$3"
  echo "== $dir (sanitizer: ${sanitizer:-none})"
  cmake -S . -B "$dir" "${generator[@]}" -DRINGTRACE_NATIVE_TESTS=ON -DRINGTRACE_ADDON=OFF \
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -g" \
    "-DRINGTRACE_SANITIZER=$sanitizer" >/dev/null
  cmake --build "$dir" -j2
  "$dir/ring_roundtrip_test"
  "$dir/file_sink_test"
  "$dir/etw_encoder_test"
  "$dir/etw_sink_test"
  "$dir/etw_session_test"
  "$dir/ring_fuzz_test" "$records"
}

export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
export ASAN_OPTIONS="abort_on_error=1 detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"

build_and_run build-native-test "" 5000000
if [ "$sanitizers" = 1 ]; then
  build_and_run build-native-test-tsan thread 500000
  build_and_run build-native-test-asan address 1000000
fi
echo "native tests: ok"
