#!/usr/bin/env bash
# The ETW provider of the win32-x64 build under Wine, against a Linux capture of the same calls.
#   scripts/smoke/wine-etw.sh [20|22|both]      (default: both)
# Needs what wine-win32.sh needs (dist/, prebuilds/win32-x64/ringtrace.node) and a Linux addon
# of the same sources (build/Release from `npx cmake-js compile`, else the linux-x64 prebuild).
# For each Node version, scripts/smoke/etw-smoke.js runs under Wine: live `etw: {}` registers the
# provider (EventRegister + EventSetInformation) and keeps events disabled with no session; then
# `etw: { forceWrites: true, capture }` writes every event through EventWriteTransfer with no
# write error and to a capture file. The same script on Linux writes the capture of the same
# calls; the files must be byte-identical. Wine's ETW functions are stubs that return success:
# this proves the Windows code path and the bytes it hands ETW, not delivery to a session.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/smoke/wine-env.sh
node_versions "${1:-both}"

linux_capture="$cache/etw-linux.etwcap"
rm -f "$linux_capture"
node scripts/smoke/etw-smoke.js "$PWD" "$linux_capture"

failed=0
for version in "${versions[@]}"; do
  exe="$(node_exe "$version")"
  # Wine gives node an invalid handle for a pipe (EBADF on write): log to a file instead.
  log="$cache/etw-smoke-$version.log"
  capture="$cache/etw-win32-$version.etwcap"
  rm -f "$capture"
  status=0
  PREBUILDS_ONLY=1 "$wine" "$exe" scripts/smoke/etw-smoke.js "$PWD" "$capture" >"$log" 2>&1 || status=$?
  cat "$log"
  if [ "$status" -ne 0 ] || ! grep -q '^etw smoke ok: win32-x64 ' "$log"; then
    echo "wine etw smoke: node $version failed (exit $status)" >&2
    failed=1
  elif cmp "$capture" "$linux_capture"; then
    echo "wine etw smoke: node $version capture is byte-identical to Linux's ($(stat -c %s "$capture") bytes)"
  else
    echo "wine etw smoke: node $version capture differs from Linux's" >&2
    failed=1
  fi
done
exit "$failed"
