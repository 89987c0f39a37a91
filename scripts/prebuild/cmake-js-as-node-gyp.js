#!/usr/bin/env node
// prebuildify runs "node-gyp rebuild --target=<node version> --devdir=... --arch=<arch> --release".
// ringtrace builds with cmake-js, so this stands in for node-gyp: it keeps --arch, drops what
// cmake-js does not take (for cmake-js, --target names a CMake target), and passes the extra
// CMake definitions of RINGTRACE_CMAKE_DEFINES (e.g. a cross toolchain file) through.
'use strict'
const { spawnSync } = require('node:child_process')
const { join } = require('node:path')

const args = process.argv.slice(2)
const arch = args.find((a) => a.startsWith('--arch='))
const defines = (process.env.RINGTRACE_CMAKE_DEFINES || '').split(/\s+/).filter(Boolean).map((d) => `--CD${d}`)
const cmakeJs = join(__dirname, '..', '..', 'node_modules', 'cmake-js', 'bin', 'cmake-js')
const command = ['rebuild', ...(arch ? [arch] : []), ...(args.includes('--debug') ? ['--debug'] : []), ...defines]
console.log(`prebuild: cmake-js ${command.join(' ')}`)
const result = spawnSync(process.execPath, [cmakeJs, ...command], { stdio: 'inherit' })
process.exit(result.status ?? 1)
