// The writer variants span records use (WriterSpec.guidWords, WriterSpec.emptyVariable), on a
// schema with every kind of variable field and guids around them, read back by the reader. Only
// the guid fields guidWords names take words: a span's ids, not its guid attributes. A correlated
// event's writer (WriterSpec.spanContext) stores the span context itself.

import { describe, expect, it } from 'vitest'
import { guidText } from '../src/reader/guid-text.js'
import { validateEvent } from '../src/schema/validate.js'
import { createTracer } from '../src/tracer.js'
import { registerEvent, writerOf } from '../src/internal-symbols.js'
import { t } from '../src/schema/field-type-tokens.js'
import { SpanContext, spanIdHex, traceIdHex } from '../src/spans/ids.js'
import { RingProducer } from '../src/ring/ring-producer.js'
import { createRecordWriter } from '../src/ring/writer-codegen.js'
import { DATA_OFFSET } from '../src/format/ring-layout.js'
import { runInContext } from '../src/spans/span-context.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const FIELDS = [['a', t.u8], ['g', t.guid], ['s', t.str], ['b', t.binary], ['arr', t.u32Array], ['h', t.guid]] as const

/** The GUID text of four int32 words stored little-endian. */
function wordsText(words: readonly number[]): string {
  const bytes = new Uint8Array(Int32Array.from(words).buffer)
  return guidText(bytes, 0)
}

describe.each(BACKENDS)('span writer variants (%s backend)', (backend) => {
  it('takes guids as four words, writes variable fields empty, and skips the gate when asked', async () => {
    const file = tracePath('writer-variants')
    const tracer = createTracer({ provider: 'Test.Writers', backend, file })
    const entry = tracer[registerEvent](validateEvent('Mixed', FIELDS))
    const words = tracer[writerOf](entry, { guidWords: [1, 5] })
    const wordsEmpty = tracer[writerOf](entry, { guidWords: [1, 5], emptyVariable: true })
    const g = [0x01020304, -1, -0x80000000, 0x7fffffff]
    const h = [0, 1, -2, 0x12345678]
    const ungated = tracer[writerOf](entry, { guidWords: [1, 5], emptyVariable: true, ungated: true })
    words(7, ...g, 'héllo', Uint8Array.of(1, 2, 3), [4, 5], ...h)
    wordsEmpty(8, ...h, ...g)
    // Level Info (4) off: the gated writers record nothing, the ungated one (its caller checked) does.
    tracer.setLevel(3)
    words(0, ...g, 'x', Uint8Array.of(), [], ...h)
    wordsEmpty(0, ...g, ...h)
    ungated(9, ...g, ...g)
    await tracer.close()
    const events = (await readEvents(file)).filter((e) => e.name === 'Mixed')
    expect(events.map((e) => e.fields)).toEqual([
      { a: 7, g: wordsText(g), s: 'héllo', b: Uint8Array.of(1, 2, 3), arr: Uint32Array.of(4, 5), h: wordsText(h) },
      { a: 8, g: wordsText(h), s: '', b: new Uint8Array(0), arr: new Uint32Array(0), h: wordsText(g) },
      { a: 9, g: wordsText(g), s: '', b: new Uint8Array(0), arr: new Uint32Array(0), h: wordsText(g) },
    ])
    expect(wordsText([0x01020304, 0, 0, 0])).toBe('01020304-0000-0000-0000-000000000000')
  })
})

describe.each(BACKENDS)('WriterSpec.guidWords (%s backend)', (backend) => {
  it('passes only the guid fields it names as words; the others take a guid string or 16 bytes', async () => {
    const file = tracePath('writer-guid-words')
    const tracer = createTracer({ provider: 'Test.Writers', backend, file })
    const entry = tracer[registerEvent](validateEvent('Mixed', FIELDS))
    const first = tracer[writerOf](entry, { guidWords: [1] })
    const last = tracer[writerOf](entry, { guidWords: [5] })
    const none = tracer[writerOf](entry, { guidWords: [] })
    const g = [0x01020304, -1, -0x80000000, 0x7fffffff]
    const text = '11111111-2222-3333-4444-555555555555'
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
    first(1, ...g, 'x', Uint8Array.of(1), [2], text)
    last(2, bytes, 'y', Uint8Array.of(3), [4], ...g)
    none(3, text, 'z', Uint8Array.of(5), [6], bytes)
    await tracer.close()
    const events = (await readEvents(file)).filter((e) => e.name === 'Mixed')
    const bytesText = guidText(bytes, 0)
    expect(events.map((e) => e.fields)).toEqual([
      { a: 1, g: wordsText(g), s: 'x', b: Uint8Array.of(1), arr: Uint32Array.of(2), h: text },
      { a: 2, g: bytesText, s: 'y', b: Uint8Array.of(3), arr: Uint32Array.of(4), h: wordsText(g) },
      { a: 3, g: text, s: 'z', b: Uint8Array.of(5), arr: Uint32Array.of(6), h: bytesText },
    ])
  })

  it('refuses to take a field that is not a guid as words', async () => {
    const tracer = createTracer({ provider: 'Test.Writers', backend })
    const entry = tracer[registerEvent](validateEvent('Mixed', FIELDS))
    expect(() => tracer[writerOf](entry, { guidWords: [0] })).toThrow(new RangeError('WriterSpec.guidWords: field 0 is not a guid'))
    await tracer.close()
  })
})

describe.each(BACKENDS)('WriterSpec.spanContext (%s backend)', (backend) => {
  it('stores the current span context first and takes the other fields, guid words among them, as arguments', async () => {
    const file = tracePath('writer-span-context')
    const tracer = createTracer({ provider: 'Test.Writers', backend, file, correlate: true })
    // Correlated: the span context fields are 0 and 1, so `g` is field 3.
    const entry = tracer[registerEvent](validateEvent('Context', [['a', t.u8], ['g', t.guid], ['s', t.str]]))
    const write = tracer[writerOf](entry, { guidWords: [3] })
    const g = [0x01020304, -1, -0x80000000, 0x7fffffff]
    const context = new SpanContext(0x11223344, -0x55667788, 1, -1, 0x0a0b0c0d, -0x80000000)
    runInContext(context, () => write(1, ...g, 'in'))
    write(2, ...g, 'out')
    await tracer.close()
    const events = (await readEvents(file)).filter((e) => e.name === 'Context')
    expect(events.map(({ fields, traceId, spanId }) => ({ fields, traceId, spanId }))).toEqual([
      { fields: { a: 1, g: wordsText(g), s: 'in' }, traceId: traceIdHex(context), spanId: spanIdHex(context) },
      { fields: { a: 2, g: wordsText(g), s: 'out' }, traceId: undefined, spanId: undefined },
    ])
  })

  it('refuses span context fields given as guid words', () => {
    const capacity = 4096
    const ring = new RingProducer(new ArrayBuffer(DATA_OFFSET + capacity), capacity, false)
    expect(() => createRecordWriter(ring, { eventId: 1, types: ['guid', 'u64'], clock: 'precise', maxStringBytes: 16, spanContext: true, guidWords: [0] }))
      .toThrow(new RangeError('ringtrace: a record writer\'s spanContext needs fields guid, u64 first, not given as guidWords'))
  })
})
