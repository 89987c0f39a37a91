#!/usr/bin/env bash
# Rebuilds every prebuilt binary from the current sources, records them in
# prebuilds/manifest.json, and rebuilds the local addon (build/Release) afterwards.
#   linux-x64   native build on this machine
#   linux-arm64 cross: apt-get install -y g++-aarch64-linux-gnu
#   win32-x64   cross: apt-get install -y g++-mingw-w64-x86-64
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== linux-x64"
npx prebuildify --napi --strip --node-gyp scripts/prebuild/cmake-js-as-node-gyp.js
echo "== linux-arm64"
bash scripts/prebuild/linux-arm64.sh
echo "== win32-x64"
bash scripts/prebuild/win32-x64.sh
node scripts/prebuild/write-manifest.js
echo "== local build"
npx cmake-js compile >/dev/null
