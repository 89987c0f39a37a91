#!/usr/bin/env bash
# Runs prebuildify (with cmake-js standing in for node-gyp) in a scratch project under /tmp whose
# sources are symlinks to this checkout; only its output (--out) lands in prebuilds/ here.
#   scripts/prebuild/prebuildify-in-scratch.sh <label> [prebuildify options ...]
# RINGTRACE_CMAKE_DEFINES (e.g. a cross toolchain file) reaches cmake-js through the stand-in.
#
# Why not build in the checkout: prebuildify always builds into <cwd>/build/Release, and
# node-gyp-build loads build/Release before prebuilds/. A cross build there would leave a foreign
# binary (or a cached cross configuration that a later `cmake-js compile` reuses) where every
# local run loads it first, and would race any other build using build/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
label="$1"
shift

scratch="$(mktemp -d "/tmp/ringtrace-prebuild-$label.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
for entry in package.json CMakeLists.txt cmake native node_modules; do
  ln -s "$root/$entry" "$scratch/$entry"
done
(cd "$root" && npx --no-install prebuildify --napi --strip "$@" \
  --node-gyp "$root/scripts/prebuild/cmake-js-as-node-gyp.js" --out "$root" "$scratch")
