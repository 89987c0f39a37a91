// Trace and capture files are private by default and a symbolic link planted at the path is not
// followed: its target must not be truncated or overwritten.

import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'
import { t } from '../src/schema/field-type-tokens.js'

function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask)
  try {
    return fn()
  } finally {
    process.umask(old)
  }
}

describe.each(BACKENDS)('trace file access (%s backend)', (backend) => {
  it('creates the file 0600 unless filePermissions says otherwise', async () => {
    const privateFile = tracePath('mode-default')
    const shared = tracePath('mode-0640')
    await withUmask(0, () => createTracer({ provider: 'Test.Access', backend, file: privateFile })).close()
    await withUmask(0, () => createTracer({ provider: 'Test.Access', backend, file: shared, filePermissions: 0o640 })).close()
    expect((statSync(privateFile).mode & 0o777).toString(8)).toBe('600')
    expect((statSync(shared).mode & 0o777).toString(8)).toBe('640')
  })

  it('refuses a symbolic link at the path and leaves its target alone', () => {
    const target = tracePath('victim')
    const link = tracePath('planted-link')
    writeFileSync(target, 'precious')
    symlinkSync(target, link)
    const open = () => createTracer({ provider: 'Test.Access', backend, file: link })
    expect(open).toThrow(/symbolic links|ELOOP/)
    expect(readFileSync(target, 'utf8')).toBe('precious')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
  })

  it('follows the link when followSymlinks is set', async () => {
    const target = tracePath('link-target')
    const link = tracePath('wanted-link')
    writeFileSync(target, '')
    symlinkSync(target, link)
    const tracer = createTracer({ provider: 'Test.Access', backend, file: link, followSymlinks: true })
    tracer.event('E', [['i', t.u32]])(7)
    await tracer.close()
    expect((await readEvents(target)).map((e) => e.fields.i)).toEqual([7])
  })
})

describe('ETW capture file access (native backend)', () => {
  it('creates the capture file 0600 and refuses a symbolic link at its path', async () => {
    const capture = tracePath('capture-mode')
    await withUmask(0, () => createTracer({ provider: 'Test.AccessCapture', backend: 'native', etw: { capture } })).close()
    expect((statSync(capture).mode & 0o777).toString(8)).toBe('600')
    const target = tracePath('capture-victim')
    const link = tracePath('capture-link')
    writeFileSync(target, 'precious')
    symlinkSync(target, link)
    expect(() => createTracer({ provider: 'Test.AccessCapture2', backend: 'native', etw: { capture: link } })).toThrow(/symbolic links/)
    expect(readFileSync(target, 'utf8')).toBe('precious')
  })
})

describe('createTracer() file options', () => {
  it.each([
    ['filePermissions', { filePermissions: 0o1000 }],
    ['filePermissions', { filePermissions: '600' }],
    ['followSymlinks', { followSymlinks: 1 }],
    ['flushIntervalMs', { flushIntervalMs: -1 }],
    ['flushIntervalMs', { flushIntervalMs: 1.5 }],
  ])('rejects a bad %s', (name, bad) => {
    expect(() => createTracer({ provider: 'Test.Access', backend: 'js', ...(bad as object) })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(name) }))
  })
})
