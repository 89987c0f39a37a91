#!/usr/bin/env bash
# Runs the vitest suites under other Node versions, with Linux x64 binaries from the npm
# registry (scripts/node-binary.sh), against the addon built here (N-API 8: one binary serves
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
for version in "${versions[@]}"; do
  node="$(scripts/node-binary.sh "$version")"
  echo "== vitest on Node $("$node" --version)"
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run
done
