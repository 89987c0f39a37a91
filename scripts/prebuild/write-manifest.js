#!/usr/bin/env node
// Records, after the prebuilds are made, the source hash they were built from and each binary's
// checksum in prebuilds/manifest.json.
'use strict'
const { createHash } = require('node:crypto')
const { existsSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { sourceHash } = require('./source-hash.js')

const root = join(__dirname, '..', '..')
const PLATFORMS = ['linux-x64', 'linux-arm64', 'win32-x64']

const platforms = {}
for (const platform of PLATFORMS) {
  const file = `${platform}/ringtrace.node`
  const path = join(root, 'prebuilds', file)
  if (!existsSync(path)) {
    console.error(`write-manifest: ${path} is missing; build it first (npm run prebuild:all)`)
    process.exit(1)
  }
  const bytes = readFileSync(path)
  platforms[platform] = { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
}
const manifest = { sourceHash: sourceHash(root), napiVersion: 8, platforms }
writeFileSync(join(root, 'prebuilds', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
console.log(`write-manifest: prebuilds/manifest.json, source ${manifest.sourceHash.slice(0, 12)}`)
