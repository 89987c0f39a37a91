// Generated code: record writers are built from checked integers and type names only, and a
// process that forbids code generation from strings gets a TracerError saying so.

import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RingProducer } from '../src/ring/ring-producer.js'
import { createRecordWriter, type WriterSpec } from '../src/ring/writer-codegen.js'
import { DATA_OFFSET } from '../src/format/ring-layout.js'
import { BACKENDS } from './helpers/backends.js'
import { runChild } from './helpers/child-process.js'
import { tracePath } from './helpers/trace-files.js'

const CHILD = join(__dirname, 'fixtures', 'codegen-disallowed.js')

describe('createRecordWriter()', () => {
  const capacity = 4096
  const ring = new RingProducer(new ArrayBuffer(DATA_OFFSET + capacity), capacity, false)
  const good: WriterSpec = { eventId: 1, types: ['u32', 'str'], clock: 'precise', maxStringBytes: 16 }
  const bad: [string, Record<string, unknown>][] = [
    ['an eventId that is source text', { eventId: '1; globalThis.pwned = 1' }],
    ['an eventId that is not an integer', { eventId: 1.5 }],
    ['an eventId out of range', { eventId: 4096 }],
    ['the reserved eventId 0', { eventId: 0 }],
    ['an unknown type name', { types: ['u32', 'u32; globalThis.pwned = 1'] }],
    ['types that are not an array', { types: 'u32' }],
    ['a maxStringBytes that is source text', { maxStringBytes: '1; globalThis.pwned = 1' }],
    ['a maxStringBytes out of range', { maxStringBytes: 65536 }],
    ['an unknown clock', { clock: 'slow' }],
    ['spanContext on fields that are not a guid and a u64', { spanContext: true }],
  ]
  it.each(bad)('refuses %s before building any source', (_, change) => {
    expect(() => createRecordWriter(ring, { ...good, ...change } as unknown as WriterSpec)).toThrow(RangeError)
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined()
  })

  it('reads each spec value once, so a getter cannot swap in source text after the check', () => {
    let reads = 0
    const spec = { ...good, get eventId() { reads++; return reads === 1 ? 1 : '1; globalThis.pwned = 1' } }
    const writer = createRecordWriter(ring, spec as unknown as WriterSpec)
    writer(7, 'x')
    expect({ reads, pwned: (globalThis as { pwned?: unknown }).pwned }).toEqual({ reads: 1, pwned: undefined })
  })
})

describe.each(BACKENDS)('under --disallow-code-generation-from-strings (%s backend)', (backend) => {
  it('throws CODEGEN_DISALLOWED from event(), defineSpan(), span() and EventBuilder, taking nothing', async () => {
    const result = await runChild(['--disallow-code-generation-from-strings', CHILD, backend, tracePath('codegen')])
    expect(result.stderr).toBe('')
    const refused = { name: 'TracerError', code: 'CODEGEN_DISALLOWED', codegen: true }
    expect(JSON.parse(result.stdout)).toEqual({
      event: refused,
      eventAgain: refused,
      defineSpan: refused,
      span: refused,
      eventBuilder: refused,
      close: 'ok',
      stats: 0,
    })
  })
})
