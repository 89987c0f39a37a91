#!/usr/bin/env bash
# Runs scripts/smoke/smoke.js with a Windows node.exe under Wine against this checkout, which
# must hold dist/ (npx tsc -p tsconfig.build.json) and prebuilds/win32-x64/ringtrace.node
# (scripts/prebuild/win32-x64.sh).
#   scripts/smoke/wine-win32.sh [20|22|both]      (default: both)
# node.exe and the Wine prefix are cached (scripts/smoke/wine-env.sh). Prints one smoke line per
# Node version; exits non-zero when one fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/smoke/wine-env.sh
node_versions "${1:-both}"

failed=0
for version in "${versions[@]}"; do
  exe="$(node_exe "$version")"
  # Wine gives node an invalid handle for a pipe (EBADF on write): log to a file instead.
  log="$cache/smoke-$version.log"
  status=0
  PREBUILDS_ONLY=1 "$wine" "$exe" scripts/smoke/smoke.js "$PWD" >"$log" 2>&1 || status=$?
  cat "$log"
  if [ "$status" -ne 0 ] || ! grep -q '^smoke ok: win32-x64 ' "$log"; then
    echo "wine smoke: node $version failed (exit $status)" >&2
    failed=1
  fi
done
exit "$failed"
