#!/usr/bin/env bash
# Builds prebuilds/linux-x64/ringtrace.node on this (x64 Linux, glibc) machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(node -p 'process.platform + "-" + process.arch')" != linux-x64 ]; then
  echo "linux-x64 prebuild: run this on x64 Linux" >&2
  exit 1
fi
bash scripts/prebuild/prebuildify-in-scratch.sh x64
echo "linux-x64 prebuild: prebuilds/linux-x64/ringtrace.node ($(stat -c %s prebuilds/linux-x64/ringtrace.node) bytes)"
