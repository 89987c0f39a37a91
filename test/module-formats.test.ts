import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BACKENDS } from './helpers/backends.js'

function run(fixture: string, backend: string): unknown {
  const out = execFileSync(process.execPath, [join(__dirname, 'fixtures', fixture), backend], { encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

describe.each(BACKENDS)('the built package (%s backend)', (backend) => {
  it('loads through import with named exports', () => {
    expect(run('import-esm.mjs', backend)).toEqual({ missing: [], backend, written: 1, hasDefault: 'function' })
  })

  it('loads through require', () => {
    expect(run('require-cjs.cjs', backend)).toEqual({ missing: [], backend, written: 1 })
  })
})
