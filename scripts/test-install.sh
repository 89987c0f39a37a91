#!/usr/bin/env bash
# Installs the packed package the way users do, in fresh directories, and checks each path:
#   1. npm install: nothing compiles, the prebuilt native backend loads; require, import and a
#      TypeScript consumer (tsc) all work, and arethetypeswrong finds no problem in the exports;
#   2. npm install --ignore-scripts: still the native backend (node-gyp-build finds the prebuild);
#   3. no prebuild for this platform, cmake and a compiler present: it compiles from source;
#   4. no prebuild and no compiler: the install succeeds and the TS ring runs, saying so once.
# Needs the npm registry (for node-gyp-build, and cmake-js in case 3). About two minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ringtrace-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT
platform="$(node -p 'process.platform + "-" + process.arch')"

fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
step() { echo "== test-install: $*"; }

step "npm pack"
tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack made no tarball"
echo "   $(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB packed, $(tar -tzf "$tarball" | wc -l) files"

# new_app <dir>: an empty npm project
new_app() { mkdir -p "$1" && (cd "$1" && npm init -y >/dev/null); }

# backend_of <dir>: the backend a tracer gets there, with the warnings it printed
backend_of() {
  (cd "$1" && node -e "
    const { createTracer } = require('ringtrace')
    const a = createTracer({ provider: 'Install.Check' })
    const b = createTracer({ provider: 'Install.Check' })
    console.log(a.backend)
    a.closeSync(); b.closeSync()" 2>"$1/stderr.txt")
}

step "1. npm install: no compilation, prebuilt native backend"
app="$work/plain"; new_app "$app"
(cd "$app" && npm install --no-audit --no-fund "$tarball" >/dev/null)
[ ! -e "$app/node_modules/ringtrace/build" ] || fail "build/ appeared: the install compiled"
[ "$(backend_of "$app")" = native ] || fail "backend is not native: $(cat "$app/stderr.txt")"
(cd "$app" && npx --no-install ringtrace doctor | tee "$work/doctor.txt" | sed 's/^/   /')
grep -q "prebuilds/$platform/ringtrace.node (prebuilt)" "$work/doctor.txt" || fail "doctor does not name the prebuild"
cat > "$app/check.mjs" <<'EOF'
import { createTracer, t, readTrace } from 'ringtrace'
const tracer = createTracer({ provider: 'Install.Esm' })
tracer.event('E', [['n', t.u8]])(1)
await tracer.close()
if (typeof readTrace !== 'function' || tracer.stats().written !== 1) throw new Error('ESM import broken')
console.log('   import: ok')
EOF
(cd "$app" && node check.mjs)
cat > "$app/check.ts" <<'EOF'
import { createTracer, t, Level, type TracerStats } from 'ringtrace'
const tracer = createTracer({ provider: 'Install.Types', level: Level.Info })
const trace = tracer.event('E', [['n', t.u8], ['s', t.str]])
trace(1, 'ok')
// @ts-expect-error the consumer's compiler sees the field types
trace('1', 'ok')
const stats: TracerStats = tracer.stats()
console.log(stats.written)
EOF
for resolution in node16 bundler; do
  module=$([ "$resolution" = bundler ] && echo esnext || echo node16)
  "$root/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false --types node --typeRoots "$root/node_modules/@types" \
    --module "$module" --moduleResolution "$resolution" "$app/check.ts" || fail "tsc ($resolution) rejects the package's types"
  echo "   tsc --moduleResolution $resolution: ok"
done

step "1b. the exports map resolves to types in every module mode (arethetypeswrong)"
npx --yes @arethetypeswrong/cli@0.18.5 --format table-flipped "$tarball" > "$work/attw.txt" 2>&1 ||
  { cat "$work/attw.txt"; fail "arethetypeswrong found problems"; }
grep -q "No problems found" "$work/attw.txt" || { cat "$work/attw.txt"; fail "arethetypeswrong output not understood"; }
echo "   no problems found (node10, node16 from CJS and ESM, bundler)"

step "2. npm install --ignore-scripts: still native"
app="$work/ignore-scripts"; new_app "$app"
(cd "$app" && npm install --no-audit --no-fund --ignore-scripts "$tarball" >/dev/null)
[ "$(backend_of "$app")" = native ] || fail "backend is not native: $(cat "$app/stderr.txt")"

# A copy of the package without this platform's prebuild, as a user on an unsupported platform gets.
unpacked="$work/unpacked"; mkdir -p "$unpacked"
tar -xzf "$tarball" -C "$unpacked"
rm -rf "$unpacked/package/prebuilds/$platform"
noprebuild="$work/ringtrace-noprebuild.tgz"
tar -czf "$noprebuild" -C "$unpacked" package

step "3. no prebuild, cmake and a compiler present: builds from source"
app="$work/from-source"; new_app "$app"
(cd "$app" && npm install --no-audit --no-fund --foreground-scripts "$noprebuild" > "$work/from-source.log" 2>&1) ||
  { cat "$work/from-source.log"; fail "install failed"; }
[ -f "$app/node_modules/ringtrace/build/Release/ringtrace.node" ] || { cat "$work/from-source.log"; fail "nothing was compiled"; }
[ ! -d "$app/node_modules/cmake-js" ] || fail "cmake-js was installed into the user's project"
[ "$(backend_of "$app")" = native ] || fail "backend is not native: $(cat "$app/stderr.txt")"

step "4. no prebuild, no compiler: the install succeeds, the TS ring runs and says so once"
bin="$work/bin"; mkdir -p "$bin"
for tool in node npm npx sh bash env; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
app="$work/no-toolchain"; new_app "$app"
(cd "$app" && PATH="$bin" npm install --no-audit --no-fund --foreground-scripts "$noprebuild" > "$work/no-toolchain.log" 2>&1) ||
  { cat "$work/no-toolchain.log"; fail "install failed without a toolchain"; }
grep -q "tracing will use the TS ring" "$work/no-toolchain.log" || { cat "$work/no-toolchain.log"; fail "the install did not say it falls back"; }
[ "$(PATH="$bin" backend_of "$app")" = js ] || fail "backend is not js"
[ "$(grep -c RINGTRACE_TS_BACKEND "$app/stderr.txt")" = 1 ] || fail "expected exactly one warning, got: $(cat "$app/stderr.txt")"
sed 's/^/   /' "$app/stderr.txt"

echo "test-install: ok"
