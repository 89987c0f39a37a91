#!/usr/bin/env node
// npm install hook. In order:
// 1. a native binary that loads here (a prebuild in prebuilds/<platform>-<arch>, or an earlier
//    build): nothing to do, nothing compiles;
// 2. cmake and a C++ compiler on PATH: compile from source with cmake-js. cmake-js and
//    node-addon-api are fetched for this one run (npm exec), so users who get a prebuild never
//    download a build toolchain;
// 3. neither: the install still succeeds, and ringtrace runs on its TS ring. This says so once.
// Never fails the user's install: the TS ring is a working tracer.
'use strict'
const { spawnSync } = require('node:child_process')
const { join } = require('node:path')

const root = join(__dirname, '..')
const CMAKE_JS = 'cmake-js@8.0.0'
const NODE_ADDON_API = 'node-addon-api@8.9.2'

function nativeLoads() {
  // In a child process: a binary that crashes on load must not take the install down with it.
  const probe = `require(${JSON.stringify(require.resolve('node-gyp-build'))})(${JSON.stringify(root)})`
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore' }).status === 0
}

function onPath(command) {
  const probe = process.platform === 'win32'
    ? spawnSync('where', [command], { stdio: 'ignore', shell: true })
    : spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
  return probe.status === 0
}

function hasToolchain() {
  if (!onPath('cmake')) return false
  if (process.platform === 'win32') return onPath('cl') || onPath('g++') || onPath('clang++')
  return onPath('c++') || onPath('g++') || onPath('clang++')
}

function compile() {
  // npm's own CLI when npm runs this hook; under pnpm or yarn, npm_execpath is theirs, whose
  // exec verbs differ: then the npm on PATH.
  const execPath = process.env.npm_execpath
  const npm = execPath !== undefined && /npm-cli\.js$/.test(execPath) ? execPath : undefined
  // cmake-js finds node-addon-api by resolving it from the package; NODE_PATH points that
  // resolution at the node_modules npm exec installed both packages into.
  const build = `const { dirname } = require('node:path'); const { execFileSync } = require('node:child_process');
const bin = process.platform === 'win32'
  ? execFileSync('where', ['cmake-js'], { encoding: 'utf8', shell: true }).split(/\\r?\\n/)[0]
  : execFileSync('sh', ['-c', 'command -v cmake-js'], { encoding: 'utf8' }).trim();
execFileSync(bin, ['compile'], { stdio: 'inherit', shell: process.platform === 'win32', env: { ...process.env, NODE_PATH: dirname(dirname(bin)) } });`
  const args = ['exec', '--yes', `--package=${CMAKE_JS}`, `--package=${NODE_ADDON_API}`, '--', 'node', '-e', build]
  const result = npm
    ? spawnSync(process.execPath, [npm, ...args], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  return result.status === 0 && nativeLoads()
}

function fallbackNotice(reason) {
  process.stderr.write(
    `ringtrace: no native backend for ${process.platform}-${process.arch} (${reason}).\n` +
    'ringtrace: tracing will use the TS ring (same API and file format, slower consumer on the producing thread).\n' +
    'ringtrace: to get the native backend, install cmake (3.20+) and a C++20 compiler, then run `npm rebuild ringtrace`.\n')
}

function main() {
  if (process.env.RINGTRACE_SKIP_BUILD === '1') return
  if (nativeLoads()) return
  if (!hasToolchain()) {
    fallbackNotice('no prebuilt binary, and no cmake or C++ compiler on PATH')
    return
  }
  if (!compile()) fallbackNotice('no prebuilt binary, and the build from source failed; its output is above')
}

main()
