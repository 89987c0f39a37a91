#!/usr/bin/env bash
# Builds and runs the C++ tests of native/.
#   scripts/test-native.sh               Release (-O2 -g) in build-native-test/
#   scripts/test-native.sh --sanitizers  also ThreadSanitizer (build-native-test-tsan/) and
#                                        AddressSanitizer + UBSan (build-native-test-asan/)
#   scripts/test-native.sh --target T    only builds target T in build-native-test/ (what
#                                        test/ring-producer-replay.test.ts does for ring_replay)
# RINGTRACE_SANITIZERS=1 in the environment is the same as --sanitizers (CI sets it, so that
# `npm test` there includes the sanitizer runs). With node_modules present, each build also runs
# test/ring-producer-replay.test.ts against its ring_replay: the C++ producer, sanitized, must
# still write exactly what the JS producer writes.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers="${RINGTRACE_SANITIZERS:-0}"
target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitizers) sanitizers=1 ;;
    --target) target="${2:?--target needs a target name}"; shift ;;
    *) echo "usage: $0 [--sanitizers] [--target <cmake target>]" >&2; exit 2 ;;
  esac
  shift
done

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# configure <build dir> <sanitizer>
configure() {
  cmake -S . -B "$1" "${generator[@]}" -DRINGTRACE_NATIVE_TESTS=ON -DRINGTRACE_ADDON=OFF \
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -g" \
    "-DRINGTRACE_SANITIZER=$2" >/dev/null
}

if [ -n "$target" ]; then
  configure build-native-test ""
  cmake --build build-native-test -j2 --target "$target"
  exit 0
fi

# build_and_run <build dir> <sanitizer> <fuzz records per run> (a fifth of that for the live
# stream's two-thread test, whose producer is paced)
build_and_run() {
  local dir="$1" sanitizer="$2" records="$3"
  echo "== $dir (sanitizer: ${sanitizer:-none})"
  configure "$dir" "$sanitizer"
  cmake --build "$dir" -j2
  "$dir/ring_roundtrip_test"
  "$dir/file_sink_test"
  "$dir/live_stream_test" "$((records / 5))"
  "$dir/etw_encoder_test"
  "$dir/etw_sink_test"
  "$dir/etw_session_test"
  "$dir/ring_fuzz_test" "$records"
  if [ -x node_modules/.bin/vitest ]; then
    RINGTRACE_RING_REPLAY="$dir/ring_replay" node_modules/.bin/vitest run \
      test/ring-producer-replay.test.ts --typecheck.enabled=false
  else
    echo "  (no node_modules: ring_replay built, not compared with the JS producer)"
  fi
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
