#!/usr/bin/env bash
# Rebuilds every prebuilt binary from the current sources and records them, with the source hash,
# in prebuilds/manifest.json. The builds run outside build/ (prebuildify-in-scratch.sh), so the
# local addon is left alone.
#   linux-x64   native build on this machine
#   linux-arm64 cross: apt-get install -y g++-aarch64-linux-gnu
#   win32-x64   cross: apt-get install -y g++-mingw-w64-x86-64
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== linux-x64"
bash scripts/prebuild/linux-x64.sh
echo "== linux-arm64"
bash scripts/prebuild/linux-arm64.sh
echo "== win32-x64"
bash scripts/prebuild/win32-x64.sh
node scripts/prebuild/write-manifest.js
