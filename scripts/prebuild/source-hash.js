// The hash of everything a native binary is built from. prebuilds/manifest.json records it when
// the prebuilds are made; test/prebuilds.test.ts recomputes it, so a binary built from older
// sources can never ship unnoticed.
'use strict'
const { createHash } = require('node:crypto')
const { readFileSync, readdirSync, statSync } = require('node:fs')
const { join, sep } = require('node:path')

/** Files that go into the addon: CMake files and native/ (its tests excepted), sorted. */
function sourceFiles(root) {
  const files = ['CMakeLists.txt']
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = join(dir, name)
      if (statSync(join(root, path)).isDirectory()) walk(path)
      else files.push(path)
    }
  }
  for (const dir of ['cmake', 'native']) {
    try {
      walk(dir)
    } catch (error) {
      if (error.code !== 'ENOENT') throw error
    }
  }
  return files
    .map((f) => f.split(sep).join('/'))
    .filter((f) => !f.startsWith('native/test/'))
    .sort()
}

function sourceHash(root) {
  const hash = createHash('sha256')
  for (const file of sourceFiles(root)) {
    // Line endings normalised, so a checkout with CRLF hashes the same.
    const text = readFileSync(join(root, file)).toString('utf8').replace(/\r\n/g, '\n')
    hash.update(`${file}\n${text.length}\n${text}`)
  }
  return hash.digest('hex')
}

module.exports = { sourceFiles, sourceHash }
