// The committed prebuilt binaries must come from the current native sources: a stale binary
// would ship code that no test here has run.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// require(), not import: a CommonJS build script.
const { sourceHash } = require('../scripts/prebuild/source-hash.js') as { sourceHash: (root: string) => string }

const root = join(__dirname, '..')
const manifest = JSON.parse(readFileSync(join(root, 'prebuilds', 'manifest.json'), 'utf8')) as {
  sourceHash: string
  platforms: Record<string, { file: string; bytes: number; sha256: string }>
}

describe('prebuilt binaries', () => {
  it('were built from the current native sources (else run `npm run prebuild:all`)', () => {
    expect(manifest.sourceHash, 'native/, cmake/ or CMakeLists.txt changed after the prebuilds were made').toBe(sourceHash(root))
  })

  it.each(['linux-x64', 'linux-arm64', 'win32-x64'])('include %s, unchanged since the manifest was written', (platform) => {
    const entry = manifest.platforms[platform]
    expect(entry, `no ${platform} prebuild in prebuilds/manifest.json`).toBeDefined()
    const bytes = readFileSync(join(root, 'prebuilds', entry!.file))
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry!.sha256)
  })

  it(`load on ${process.platform}-${process.arch} without a local build and pass the smoke test`, () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'smoke', 'smoke.js'), root], {
      encoding: 'utf8',
      env: { ...process.env, PREBUILDS_ONLY: '1' },
    })
    expect(out).toContain(`smoke ok: ${process.platform}-${process.arch}`)
    expect(out).toContain(join('prebuilds', `${process.platform}-${process.arch}`, 'ringtrace.node'))
  })
})
