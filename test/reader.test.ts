import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { FieldTypeName } from '../src/format/field-types.js'
import {
  readTrace, readTraceBatches, summarizeTrace, summarizeTracePrefix, TraceFileError, TraceReader,
  type ReadTraceOptions, type TraceEvent, type TraceItem, type TraceLost,
} from '../src/reader/index.js'
import { MONO_NS, TraceBuilder, WALL_NS, eventRecord, lostRecord, paddingRecord } from './fixtures/trace-builder.js'
import { ChunkType, LOSS_REASON_UNWRITTEN } from '../src/format/file-layout.js'
import { encodeJsonChunk } from '../src/format/chunk.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-reader-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileCount = 0
const fileName = (): string => `t${fileCount++}.rtrc`

async function collect(path: string, options?: ReadTraceOptions): Promise<{ items: TraceItem[]; error?: TraceFileError }> {
  const items: TraceItem[] = []
  try {
    for await (const item of readTrace(path, options)) items.push(item)
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    return { items, error }
  }
  return { items }
}

const events = (items: TraceItem[]): TraceEvent[] => items.filter((i): i is TraceEvent => i.kind === 'event')
const losts = (items: TraceItem[]): TraceLost[] => items.filter((i): i is TraceLost => i.kind === 'lost')

const TICK: [string, FieldTypeName][] = [['n', 'u32']]
/** A correlated event's fields (SCHEMA context 'span'): the span context, then its own. */
const CORRELATED: [string, FieldTypeName][] = [['trace.id', 'guid'], ['span.id', 'u64'], ['n', 'u32'], ['s', 'str']]
const tick = (seq: number, timestamp = seq): Uint8Array => eventRecord(1, ['u32'], { seq, timestamp, values: [seq] })

/** Stream 1 with event 1 "tick" (one u32) and `chunks` EVENTS chunks of `perChunk` ticks. */
function ticks(chunks: number, perChunk: number): TraceBuilder {
  const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK)
  for (let c = 0; c < chunks; c++) {
    b.events(1, ...Array.from({ length: perChunk }, (_, i) => tick(c * perChunk + i)))
  }
  return b
}

const ALL_TYPES: [string, FieldTypeName][] = [
  ['b', 'bool'], ['i8', 'i8'], ['u8', 'u8'], ['i16', 'i16'], ['u16', 'u16'], ['i32', 'i32'], ['u32', 'u32'],
  ['i64', 'i64'], ['u64', 'u64'], ['f32', 'f32'], ['f64', 'f64'], ['g', 'guid'], ['s', 'str'], ['bin', 'binary'],
  ['ai8', 'i8[]'], ['au8', 'u8[]'], ['ai16', 'i16[]'], ['au16', 'u16[]'], ['ai32', 'i32[]'], ['au32', 'u32[]'],
  ['ai64', 'i64[]'], ['au64', 'u64[]'], ['af32', 'f32[]'], ['af64', 'f64[]'],
]
const TYPES = ALL_TYPES.map(([, type]) => type)

describe('readTrace()', () => {
  it('decodes every field type to its JavaScript value', async () => {
    const values = [
      true, -128, 255, -32768, 65535, -2147483648, 4294967295,
      -(2n ** 63n), 2n ** 64n - 1n, 1.5, Math.PI, '00112233-4455-6677-8899-aabbccddeeff', 'hello', Uint8Array.of(0, 1, 255),
      [-1, 127], [0, 255], [-2, 300], [65535], [-5, 6, 7], [4294967295], [-(2n ** 63n), 5n], [2n ** 64n - 1n],
      [0.5, -2], [Math.E, -0],
    ]
    const b = new TraceBuilder().stream(1).schema(1, 1, 'all', ALL_TYPES, { level: 2, keyword: '0x8000000000000001', opcode: 9 })
      .events(1, eventRecord(1, TYPES, { seq: 0, timestamp: 1.25, values }))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(error).toBeUndefined()
    expect(items).toHaveLength(1)
    const event = items[0] as TraceEvent
    expect(event).toMatchObject({
      kind: 'event', name: 'all', stream: 1, level: 2, keyword: 0x8000000000000001n, opcode: 9, eventId: 1, seq: 0,
    })
    expect(event.truncated).toBeUndefined()
    expect(event.fields).toEqual({
      b: true, i8: -128, u8: 255, i16: -32768, u16: 65535, i32: -2147483648, u32: 4294967295,
      i64: -(2n ** 63n), u64: 2n ** 64n - 1n, f32: 1.5, f64: Math.PI,
      g: '00112233-4455-6677-8899-aabbccddeeff', s: 'hello', bin: Uint8Array.of(0, 1, 255),
      ai8: Int8Array.of(-1, 127), au8: Uint8Array.of(0, 255), ai16: Int16Array.of(-2, 300), au16: Uint16Array.of(65535),
      ai32: Int32Array.of(-5, 6, 7), au32: Uint32Array.of(4294967295), ai64: BigInt64Array.of(-(2n ** 63n), 5n),
      au64: BigUint64Array.of(2n ** 64n - 1n), af32: Float32Array.of(0.5, -2), af64: Float64Array.of(Math.E, -0),
    })
    expect(event.fields.bin).not.toBeInstanceOf(Buffer)
    expect(Object.keys(event.fields)).toEqual(ALL_TYPES.map(([name]) => name))
  })

  it('keeps NaN, -0 and infinities, and 64-bit extremes', async () => {
    const types: FieldTypeName[] = ['f64', 'f64', 'f64', 'f64', 'f32', 'f32', 'u64', 'i64', 'i64']
    const fields: [string, FieldTypeName][] = types.map((type, i) => [`v${i}`, type])
    const b = new TraceBuilder().stream(1).schema(1, 1, 'edge', fields)
      .events(1, eventRecord(1, types, {
        seq: 0, timestamp: 0, values: [NaN, -0, Infinity, -Infinity, NaN, -Infinity, 2n ** 64n - 1n, -1n, 2n ** 63n - 1n],
      }))
    const [event] = events((await collect(b.write(dir, fileName()))).items)
    const f = event.fields
    expect(f.v0).toBeNaN()
    expect(f.v1).toBe(-0)
    expect([f.v2, f.v3, f.v5]).toEqual([Infinity, -Infinity, -Infinity])
    expect(f.v4).toBeNaN()
    expect([f.v6, f.v7, f.v8]).toEqual([18446744073709551615n, -1n, 9223372036854775807n])
  })

  it('decodes empty and non-ASCII strings, empty arrays and the truncated flag', async () => {
    const types: FieldTypeName[] = ['str', 'str', 'u16[]', 'binary', 'str']
    const fields: [string, FieldTypeName][] = [['empty', 'str'], ['text', 'str'], ['arr', 'u16[]'], ['bin', 'binary'], ['cut', 'str']]
    const b = new TraceBuilder().stream(1).schema(1, 1, 'strings', fields)
      .events(1, eventRecord(1, types, {
        seq: 0, timestamp: 0, values: ['', 'héllo ✓ 日本 😀', [], new Uint8Array(0), 'abc'], truncated: [1, 4],
      }))
    const [event] = events((await collect(b.write(dir, fileName()))).items)
    expect(event.fields).toEqual({
      empty: '', text: 'héllo ✓ 日本 😀', arr: new Uint16Array(0), bin: new Uint8Array(0), cut: 'abc',
    })
    expect(event.truncated).toEqual(['text', 'cut'])
  })

  it('reads GUIDs with the first three groups little-endian, as Windows does', async () => {
    const bytes = Uint8Array.of(0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff)
    const record = eventRecord(1, ['guid'], { seq: 0, timestamp: 0, values: ['00000000-0000-0000-0000-000000000000'] })
    record.set(bytes, 16)
    const b = new TraceBuilder().stream(1).schema(1, 1, 'g', [['id', 'guid']]).events(1, record)
    const [event] = events((await collect(b.write(dir, fileName()))).items)
    expect(event.fields.id).toBe('00112233-4455-6677-8899-aabbccddeeff')
  })

  it('skips padding records of any size', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK)
      .events(1, paddingRecord(8), tick(0), paddingRecord(48), tick(1), paddingRecord(16))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(error).toBeUndefined()
    expect(events(items).map((e) => e.fields.n)).toEqual([0, 1])
  })

  it('computes absolute time from the clock mapping and the stream origin', async () => {
    const origin = MONO_NS + 2_000_000n
    const b = new TraceBuilder().stream(1, { originMonoNs: String(origin) }).schema(1, 1, 'tick', TICK)
      .events(1, tick(0, 0), tick(1, 1.2345678), tick(2, 1000))
    const items = events((await collect(b.write(dir, fileName()))).items)
    const base = WALL_NS + (origin - MONO_NS)
    expect(items.map((e) => e.timestampNs)).toEqual([base, base + 1_234_568n, base + 1_000_000_000n])
    expect(items[1].time).toBeCloseTo(Number(base) / 1e6 + 1.2345678, 3)
  })

  it('reports in-band LOST records with per-event names', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK)
      .events(1, tick(0, 5), lostRecord({ timestamp: 6, ringFull: 7, invalid: 2, pairs: [[1, 8], [9, 1]] }), tick(1, 7),
        lostRecord({ timestamp: 8, ringFull: 1, invalid: 0 }))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(error).toBeUndefined()
    expect(items.map((i) => i.kind)).toEqual(['event', 'lost', 'event', 'lost'])
    const [first, second] = losts(items)
    expect(first).toMatchObject({
      kind: 'lost', stream: 1, count: 9, ringFull: 7, invalid: 2, overwritten: 0, byEvent: { tick: 8, 'event#9': 1 },
      timestampNs: WALL_NS + 6_000_000n,
    })
    expect(first.thread).toBe(items[0].thread)
    expect(second.byEvent).toBeUndefined()
  })

  it('accepts sequence gaps announced by LOSS chunks and reports the loss', async () => {
    const b = new TraceBuilder({}).stream(1, { onFull: 'overwrite' }).schema(1, 1, 'tick', TICK)
      .loss(1, 3).events(1, tick(3), tick(4)).loss(1, 2).events(1, tick(7))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(error).toBeUndefined()
    expect(items.map((i) => (i.kind === 'event' ? i.seq : `lost ${i.count}`))).toEqual(['lost 3', 3, 4, 'lost 2', 7])
    expect(losts(items)[0]).toMatchObject({ overwritten: 3, ringFull: 0, invalid: 0 })
    expect(losts(items)[0].timestampNs).toBeUndefined()
  })

  it('counts LOSS reason 2 (unwritten) apart, as covering its sequence gap, and rejects other reasons', async () => {
    const b = new TraceBuilder({}).stream(1).schema(1, 1, 'tick', TICK)
      .events(1, tick(0)).loss(1, 4, LOSS_REASON_UNWRITTEN).events(1, tick(5)).end(1, 6)
    const file = b.write(dir, fileName())
    const { items, error } = await collect(file)
    expect(error).toBeUndefined()
    expect(losts(items)).toMatchObject([{ count: 4, unwritten: 4, overwritten: 0 }])
    expect(await summarizeTrace(file)).toMatchObject({ events: 2, lost: 4, lostUnwritten: 4, lostOverwritten: 0, balanced: true })
    const bad = new TraceBuilder({}).stream(1).schema(1, 1, 'tick', TICK).loss(1, 4, 3)
    expect((await collect(bad.write(dir, fileName()))).error).toMatchObject({ code: 'BAD_RECORD', offset: bad.offsets[3] })
  })

  it('interleaves two streams, each with its own thread, schemas and sequence', async () => {
    const b = new TraceBuilder()
      .stream(1, { threadName: 'main', isMainThread: true, threadId: 0 })
      .stream(2, { threadName: 'worker', isMainThread: false, threadId: 7, originMonoNs: String(MONO_NS + 1_000_000n) })
      .schema(1, 1, 'tick', TICK).schema(2, 1, 'other', [['s', 'str']])
      .events(2, eventRecord(1, ['str'], { seq: 0, timestamp: 0, values: ['w0'] }))
      .events(1, tick(0), tick(1))
      .events(2, eventRecord(1, ['str'], { seq: 1, timestamp: 1, values: ['w1'] }))
    const items = events((await collect(b.write(dir, fileName()))).items)
    expect(items.map((e) => `${e.stream}:${e.name}:${e.seq}`)).toEqual(['2:other:0', '1:tick:0', '1:tick:1', '2:other:1'])
    expect(items[0].thread).toEqual({ id: 7, name: 'worker', isMainThread: false })
    expect(items[1].thread).toEqual({ id: 0, name: 'main', isMainThread: true })
    expect(items[3].thread).toBe(items[0].thread)
    expect(items[0].timestampNs).toBe(WALL_NS + 1_000_000n)
  })

  it('keeps the first clock mapping when a second FILE chunk appears', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK).events(1, tick(0))
    b.chunk(new TraceBuilder({ wallNs: '1', monoNs: '1', pid: 1 }).bytes())
      .stream(2).schema(2, 1, 'tick', TICK).events(2, tick(0, 1))
    const items = events((await collect(b.write(dir, fileName()))).items)
    expect(items.map((e) => e.timestampNs)).toEqual([WALL_NS, WALL_NS + 1_000_000n])
    expect((await summarizeTrace(b.write(dir, fileName()))).pid).toBe(4242)
  })

  it('starts afresh when a stream id is announced again by a later writer', async () => {
    const b = ticks(1, 2).end(1, 2).stream(1, { threadId: 99 }).schema(1, 1, 'tick', TICK).events(1, tick(0))
    const items = events((await collect(b.write(dir, fileName()))).items)
    expect(items.map((e) => e.seq)).toEqual([0, 1, 0])
    expect(items[2].thread).not.toBe(items[0].thread)
    expect(items[2].thread.id).toBe(99)
  })

  it('reads the same items through a tiny buffer that must grow and compact', async () => {
    const b = ticks(5, 40)
    const path = b.write(dir, fileName())
    const normal = await collect(path)
    const tiny = await collect(path, { readBytes: 64 })
    expect(tiny.error).toBeUndefined()
    expect(tiny.items).toEqual(normal.items)
    expect(tiny.items).toHaveLength(200)
  })

  it('gives a correlated record\'s span context as traceId and spanId, not among its fields, and none when it is zero', async () => {
    const types: FieldTypeName[] = CORRELATED.map(([, type]) => type)
    const b = new TraceBuilder().stream(1).schema(1, 1, 'step', CORRELATED, { context: 'span' })
      .events(1,
        eventRecord(1, types, { seq: 0, timestamp: 1, values: ['33221100-5544-7766-8899-aabbccddeeff', 0x0807060504030201n, 1, 'in'] }),
        eventRecord(1, types, { seq: 1, timestamp: 2, values: ['00000000-0000-0000-0000-000000000000', 0n, 2, 'out'] }))
    const read = events((await collect(b.write(dir, fileName()))).items)
    expect(read.map(({ fields, traceId, spanId }) => ({ fields, traceId, spanId }))).toEqual([
      { fields: { n: 1, s: 'in' }, traceId: '00112233445566778899aabbccddeeff', spanId: '0102030405060708' },
      { fields: { n: 2, s: 'out' }, traceId: undefined, spanId: undefined },
    ])
    expect('traceId' in read[1]!).toBe(false)
  })

  it('skips field decoding when asked to', async () => {
    const [event] = events((await collect(ticks(1, 1).write(dir, fileName()), { decodeFields: false })).items)
    expect(event.fields).toEqual({})
    expect(event.name).toBe('tick')
  })
})

describe('readTrace() iteration', () => {
  it('closes the file when the caller stops early', async () => {
    const iterator = readTrace(ticks(3, 3).write(dir, fileName()))
    const first = await iterator.next()
    expect(first.done).toBe(false)
    expect(await iterator.return?.()).toEqual({ value: undefined, done: true })
    expect((await iterator.next()).done).toBe(true)
  })

  it('keeps a field named __proto__ as a plain field', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'odd', [['__proto__', 'u8'], ['a', 'u8']])
      .events(1, eventRecord(1, ['u8', 'u8'], { seq: 0, timestamp: 0, values: [5, 6] }))
    const [event] = events((await collect(b.write(dir, fileName()))).items)
    expect(Object.getPrototypeOf(event.fields)).toBe(Object.prototype)
    expect(Object.keys(event.fields)).toEqual(['__proto__', 'a'])
    expect(Object.getOwnPropertyDescriptor(event.fields, '__proto__')?.value).toBe(5)
  })
})

describe('readTraceBatches()', () => {
  it('splits a large EVENTS chunk into batches of at most 1024 items, and a gap still stops it', async () => {
    const records = Array.from({ length: 2500 }, (_, i) => tick(i))
    records.push(tick(2501))
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK).events(1, ...records)
    const sizes: number[] = []
    let error: unknown
    try {
      for await (const batch of readTraceBatches(b.write(dir, fileName()))) sizes.push(batch.length)
    } catch (caught) {
      error = caught
    }
    expect(sizes).toEqual([1024, 1024, 452])
    expect(error).toMatchObject({ code: 'SEQUENCE_GAP', offset: b.offsets[3], eventsRead: 2500 })
  })

  it('yields one array per EVENTS or LOSS chunk', async () => {
    const b = ticks(3, 4).loss(1, 1).events(1, tick(13))
    const sizes: number[] = []
    for await (const batch of readTraceBatches(b.write(dir, fileName()))) sizes.push(batch.length)
    expect(sizes).toEqual([4, 4, 4, 1, 1])
  })
})

describe('readTrace() on damaged files', () => {
  it('yields whole chunks before a cut and then throws TRUNCATED at the cut chunk, for every cut', async () => {
    const b = ticks(3, 3)
    const bytes = b.bytes()
    const eventsBefore = (offset: number): number => b.offsets.filter((o, i) => i >= 3 && o < offset).length * 3
    for (let cut = 0; cut < bytes.length; cut++) {
      const chunkIndex = b.offsets.findLastIndex((o) => o <= cut)
      const { items, error } = await collect(b.write(dir, 'cut.rtrc', bytes.subarray(0, cut)))
      if (cut !== 0 && b.offsets[chunkIndex] === cut) {
        expect(error, `cut at ${cut}`).toBeUndefined()
        continue
      }
      expect(error?.code, `cut at ${cut}`).toBe('TRUNCATED')
      expect(error?.offset, `cut at ${cut}`).toBe(b.offsets[chunkIndex])
      expect(items, `cut at ${cut}`).toHaveLength(eventsBefore(b.offsets[chunkIndex]))
      expect(error?.eventsRead).toBe(items.length)
    }
  })

  it('throws BAD_CRC at the chunk holding a flipped byte, after the chunks before it', async () => {
    const b = ticks(3, 3)
    const damaged = b.bytes()
    damaged[b.offsets[4] + 40] ^= 0x10
    const { items, error } = await collect(b.write(dir, fileName(), damaged))
    expect(items).toHaveLength(3)
    expect(error).toBeInstanceOf(TraceFileError)
    expect(error?.code).toBe('BAD_CRC')
    expect(error?.offset).toBe(b.offsets[4])
    expect(error?.message).toBe(
      `ringtrace: damaged chunk at offset ${b.offsets[4]} (CRC mismatch); 3 events were read before it`,
    )
  })

  it('throws BAD_CRC for a flip anywhere in a chunk header after the tag', async () => {
    const b = ticks(2, 2)
    for (let at = 4; at < 16; at++) {
      if (at >= 8 && at < 12) continue // the length: covered by the truncation test
      const damaged = b.bytes()
      damaged[b.offsets[4] + at] ^= 0x01
      const { items, error } = await collect(b.write(dir, 'flip.rtrc', damaged))
      expect(error?.code, `byte ${at}`).toBe('BAD_CRC')
      expect(items).toHaveLength(2)
    }
  })

  it('throws BAD_TAG for a damaged chunk tag after the first chunk', async () => {
    const b = ticks(2, 2)
    const damaged = b.bytes()
    damaged[b.offsets[4]] ^= 0xff
    const { items, error } = await collect(b.write(dir, fileName(), damaged))
    expect(items).toHaveLength(2)
    expect(error).toMatchObject({ code: 'BAD_TAG', offset: b.offsets[4] })
  })

  it('throws BAD_MAGIC for a file that is not a trace', async () => {
    const { items, error } = await collect(new TraceBuilder().write(dir, fileName(), new TextEncoder().encode('hello, world, not a trace')))
    expect(items).toEqual([])
    expect(error).toMatchObject({ code: 'BAD_MAGIC', offset: 0 })
  })

  it('throws BAD_MAGIC when the FILE chunk carries the wrong magic', async () => {
    const b = ticks(1, 1)
    const damaged = b.bytes()
    damaged[16] = 0x58
    // Re-frame the FILE chunk so only the magic is wrong, not the CRC.
    const { encodeChunk } = await import('../src/format/chunk.js')
    const file = encodeChunk(1, damaged.subarray(16, b.offsets[1]).slice(0, new DataView(damaged.buffer).getUint32(8, true)))
    damaged.set(file, 0)
    const { error } = await collect(b.write(dir, fileName(), damaged))
    expect(error).toMatchObject({ code: 'BAD_MAGIC', offset: 0 })
  })

  it('throws BAD_VERSION for another format version', async () => {
    const b = ticks(1, 1)
    const bytes = b.bytes()
    const view = new DataView(bytes.buffer)
    const length = view.getUint32(8, true)
    const payload = bytes.slice(16, 16 + length)
    new DataView(payload.buffer).setUint32(8, 2, true)
    const { encodeChunk } = await import('../src/format/chunk.js')
    bytes.set(encodeChunk(1, payload), 0)
    const { items, error } = await collect(b.write(dir, fileName(), bytes))
    expect(items).toEqual([])
    expect(error).toMatchObject({ code: 'BAD_VERSION', offset: 0 })
    expect(error?.message).toContain('version 2')
  })

  it('throws SEQUENCE_GAP for a gap no LOSS chunk explains, after the events before it', async () => {
    const b = ticks(1, 2).events(1, tick(2), tick(3), tick(5), tick(6))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(events(items).map((e) => e.seq)).toEqual([0, 1, 2, 3])
    expect(error).toMatchObject({ code: 'SEQUENCE_GAP', offset: b.offsets[4], eventsRead: 4 })
    expect(error?.message).toContain('expected seq 4, found 5')
  })

  it('throws SEQUENCE_GAP when a gap exceeds the overwritten count', async () => {
    const b = ticks(1, 1).loss(1, 1).events(1, tick(3))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(items.map((i) => i.kind)).toEqual(['event', 'lost'])
    expect(error?.code).toBe('SEQUENCE_GAP')
  })

  it('follows the sequence across its 2^32 wrap', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK)
      .loss(1, 2 ** 32 - 2).events(1, tick(2 ** 32 - 2), tick(2 ** 32 - 1), tick(0), tick(1))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(error).toBeUndefined()
    expect(events(items)).toHaveLength(4)
  })

  it('throws UNKNOWN_EVENT for a record without a schema', async () => {
    const b = ticks(1, 1).events(1, tick(1), eventRecord(2, ['u32'], { seq: 2, timestamp: 0, values: [1] }))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(items).toHaveLength(2)
    expect(error).toMatchObject({ code: 'UNKNOWN_EVENT', offset: b.offsets[4] })
  })

  it('throws BAD_RECORD for a record that runs past its chunk', async () => {
    const record = tick(1)
    new DataView(record.buffer).setUint32(0, ((64 >>> 3) | (1 << 16)) >>> 0, true)
    const b = ticks(1, 1).events(1, record)
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(items).toHaveLength(1)
    expect(error).toMatchObject({ code: 'BAD_RECORD', offset: b.offsets[4] })
  })

  it('throws BAD_RECORD for a variable field that runs past its record', async () => {
    const record = eventRecord(1, ['str'], { seq: 0, timestamp: 0, values: ['abc'] })
    new DataView(record.buffer).setUint16(16, 100, true)
    const b = new TraceBuilder().stream(1).schema(1, 1, 's', [['s', 'str']]).events(1, record)
    const { error } = await collect(b.write(dir, fileName()))
    expect(error?.code).toBe('BAD_RECORD')
  })

  it('throws UNKNOWN_STREAM for events of an unannounced stream', async () => {
    const b = ticks(1, 1).events(3, tick(0))
    const { items, error } = await collect(b.write(dir, fileName()))
    expect(items).toHaveLength(1)
    expect(error).toMatchObject({ code: 'UNKNOWN_STREAM', offset: b.offsets[4] })
  })

  it('throws BAD_SCHEMA for a schema with an unknown field type', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'x', [['a', 'u128' as FieldTypeName]])
    const { error } = await collect(b.write(dir, fileName()))
    expect(error).toMatchObject({ code: 'BAD_SCHEMA', offset: b.offsets[2] })
  })

  it('throws TRUNCATED for an empty file', async () => {
    const { error } = await collect(new TraceBuilder().write(dir, fileName(), new Uint8Array(0)))
    expect(error).toMatchObject({ code: 'TRUNCATED', offset: 0, eventsRead: 0 })
  })
})

/** readTrace's and summarizeTrace's verdicts on one file: the same error, or none from either. */
async function verdicts(path: string): Promise<{ read?: string; summary?: string }> {
  const { error } = await collect(path)
  const { error: summaryError } = await summarizeTracePrefix(path)
  return { read: error?.message, summary: summaryError?.message }
}

describe('readTrace() and summarizeTrace() on well-framed hostile files', () => {
  const stamped = (timestamp: number): TraceBuilder => new TraceBuilder().stream(1).schema(1, 1, 'tick', TICK)
    .events(1, tick(0), eventRecord(1, ['u32'], { seq: 1, timestamp, values: [1] }))

  for (const timestamp of [1e308, -1e308, 9.2e15, -9.2e15, Infinity, NaN]) {
    it(`rejects a record timestamp of ${timestamp} ms with BAD_RECORD, both the same way`, async () => {
      const b = stamped(timestamp)
      const path = b.write(dir, fileName())
      const { items, error } = await collect(path)
      expect(events(items).map((e) => e.seq)).toEqual([0])
      expect(error).toMatchObject({ code: 'BAD_RECORD', offset: b.offsets[3] })
      expect(error?.detail).toMatch(/timestamp/)
      const v = await verdicts(path)
      expect(v.summary).toBe(v.read)
    })
  }

  it('rejects a LOST record whose timestamp leaves the dates a Date can hold', async () => {
    const b = new TraceBuilder().stream(1).events(1, lostRecord({ timestamp: 1e17, ringFull: 1, invalid: 0 }))
    const path = b.write(dir, fileName())
    const v = await verdicts(path)
    expect(v.read).toMatch(/^ringtrace: damaged record in the chunk at offset \d+ \(stream 1, record at offset \d+: timestamp 100000000000000000/)
    expect(v.summary).toBe(v.read)
  })

  it('rejects a str field whose count runs past its record in summarizeTrace as in readTrace', async () => {
    const record = eventRecord(1, ['str'], { seq: 0, timestamp: 0, values: ['abc'] })
    new DataView(record.buffer).setUint16(16, 100, true)
    const b = new TraceBuilder().stream(1).schema(1, 1, 's', [['s', 'str']]).events(1, record).end(1, 1)
    const path = b.write(dir, fileName())
    const v = await verdicts(path)
    expect(v.read).toMatch(/BAD_RECORD|damaged record/)
    expect(v.summary).toBe(v.read)
    await expect(summarizeTrace(path)).rejects.toMatchObject({ code: 'BAD_RECORD', offset: b.offsets[3] })
  })

  const badFiles: [string, Record<string, unknown>][] = [
    ['pid "x"', { pid: 'x' }],
    ['pid -1', { pid: -1 }],
    ['pid 1.5', { pid: 1.5 }],
    ['provider 7', { provider: 7 }],
    ['hostname {}', { hostname: {} }],
    ['wallNs of 400 digits', { wallNs: '9'.repeat(400) }],
    ['wallNs past the last Date', { wallNs: '9000000000000000000000' }],
  ]
  for (const [what, info] of badFiles) {
    it(`rejects a FILE chunk with ${what} with BAD_METADATA at offset 0`, async () => {
      const b = new TraceBuilder(info as never).stream(1)
      const path = b.write(dir, fileName())
      const { error } = await collect(path)
      expect(error).toMatchObject({ code: 'BAD_METADATA', offset: 0 })
      const v = await verdicts(path)
      expect(v.summary).toBe(v.read)
    })
  }

  const badStreams: [string, Record<string, unknown>][] = [
    ['threadId "1"', { threadId: '1' }],
    ['threadId 1e300', { threadId: 1e300 }],
    ['threadName 5', { threadName: 5 }],
    ['isMainThread "yes"', { isMainThread: 'yes' }],
    ['originMonoNs of 30 digits', { originMonoNs: '1'.repeat(30) }],
  ]
  for (const [what, info] of badStreams) {
    it(`rejects a STREAM chunk with ${what} with BAD_METADATA`, async () => {
      const b = new TraceBuilder().stream(1, info as never)
      const { error } = await collect(b.write(dir, fileName()))
      expect(error).toMatchObject({ code: 'BAD_METADATA', offset: b.offsets[1] })
    })
  }

  const goodExport = {
    stream: 1, liveDropped: 3, unmatchedStops: 1,
    exporters: { 'otlp-traces': { handedOver: 9, exported: 5, failed: 1, dropped: 2, retried: 4, pending: 1, lastError: { status: 503, message: 'busy', at: 1.7e12 } } },
  }
  it('reads the exporter counters of an EXPORT chunk into the stream summary', async () => {
    const b = new TraceBuilder().stream(1).chunk(encodeJsonChunk(ChunkType.Export, goodExport)).end(1, 0)
    const summary = await summarizeTrace(b.write(dir, fileName()))
    const { stream: _stream, ...exported } = goodExport
    expect(summary.threads[0]!.export).toEqual(exported)
  })

  const badExports: [string, Record<string, unknown>][] = [
    ['an unknown stream', { ...goodExport, stream: 9 }],
    ['liveDropped -1', { ...goodExport, liveDropped: -1 }],
    ['no unmatchedStops', { ...goodExport, unmatchedStops: undefined }],
    ['a count "5"', { ...goodExport, exporters: { x: { ...goodExport.exporters['otlp-traces'], exported: '5' } } }],
    ['a lastError without a message', { ...goodExport, exporters: { x: { ...goodExport.exporters['otlp-traces'], lastError: { at: 1 } } } }],
    ['exporters as an array', { ...goodExport, exporters: [] }],
  ]
  for (const [what, json] of badExports) {
    it(`rejects an EXPORT chunk with ${what}`, async () => {
      const b = new TraceBuilder().stream(1).chunk(encodeJsonChunk(ChunkType.Export, json))
      const { error } = await collect(b.write(dir, fileName()))
      expect(error).toMatchObject({ code: what === 'an unknown stream' ? 'UNKNOWN_STREAM' : 'BAD_METADATA', offset: b.offsets[2] })
    })
  }

  const badSchemas: [string, [string, FieldTypeName][], Record<string, unknown>][] = [
    ['a field declared twice', [['a', 'u32'], ['a', 'u8']], {}],
    ['level 256', TICK, { level: 256 }],
    ['opcode -1', TICK, { opcode: -1 }],
    ['a field type "constructor"', [['a', 'constructor' as FieldTypeName]], {}],
    ['a field type "toString"', [['a', 'toString' as FieldTypeName]], {}],
    ['context "trace"', CORRELATED, { context: 'trace' }],
    ['context "span" without the span context fields first', TICK, { context: 'span' }],
    ['context "span" with the span context fields in the wrong order', [CORRELATED[1]!, CORRELATED[0]!], { context: 'span' }],
    ['spanKind "sideways"', TICK, { spanKind: 'sideways' }],
  ]
  for (const [what, fields, info] of badSchemas) {
    it(`rejects a SCHEMA chunk with ${what} with BAD_SCHEMA`, async () => {
      const b = new TraceBuilder().stream(1).schema(1, 1, 'x', fields, info)
      const { error } = await collect(b.write(dir, fileName()))
      expect(error).toMatchObject({ code: 'BAD_SCHEMA', offset: b.offsets[2] })
    })
  }

  it('rejects END and LOSS counts beyond 2^53', async () => {
    const end = new TraceBuilder().stream(1).end(1, 2 ** 60)
    expect((await collect(end.write(dir, fileName()))).error).toMatchObject({ code: 'BAD_RECORD', offset: end.offsets[2] })
    const loss = new TraceBuilder().stream(1).loss(1, 1e300)
    expect((await collect(loss.write(dir, fileName()))).error).toMatchObject({ code: 'BAD_RECORD', offset: loss.offsets[2] })
  })

  it('builds decoder source from integers and getter names only: no name from the file reaches it', async () => {
    const marker = 'MARKER_from_the_file'
    const fields = ALL_TYPES.map(([name, type]): [string, FieldTypeName] => [`${marker}_${name}`, type])
    const b = new TraceBuilder().stream(1).schema(1, 1, `${marker}_event`, fields)
      .events(1, eventRecord(1, TYPES, { seq: 0, timestamp: 0, values: [
        true, 1, 2, 3, 4, 5, 6, 7n, 8n, 9, 10, '00112233-4455-6677-8899-aabbccddeeff', 's', Uint8Array.of(1), [1], [2], [3], [4], [5], [6], [7n], [8n], [9], [10],
      ] }))
    const path = b.write(dir, fileName())
    const sources: string[] = []
    const original = globalThis.Function
    globalThis.Function = new Proxy(original, {
      construct(target, args: string[]) {
        sources.push(args.join('\n'))
        return Reflect.construct(target, args)
      },
    })
    let items: TraceItem[]
    try {
      items = (await collect(path)).items
    } finally {
      globalThis.Function = original
    }
    expect(events(items)[0].fields[`${marker}_u32`]).toBe(6)
    expect(sources).toHaveLength(1)
    expect(sources[0]).not.toContain(marker)
    // Every word of the source: the decoder's own names, DataView getters, and n0, f0, ... (left out).
    const words = new Set(sources[0].match(/[A-Za-z_$][\w$]*/g)!.filter((word) => !/^[nf]\d+$/.test(word)))
    expect([...words].sort()).toEqual([
      'bytes', 'const', 'decode', 'function', 'g', 'getBigInt64', 'getBigUint64', 'getFloat32', 'getFloat64', 'getInt16',
      'getInt32', 'getInt8', 'getUint16', 'getUint32', 'getUint8', 'o', 'overrun', 'pos', 'r', 'return', 's', 'start',
      'true', 'undefined', 'v', 'view',
    ])
  })

  it('keeps memory in proportion to the file for a file of many STREAM chunks', async () => {
    const b = new TraceBuilder()
    for (let i = 0; i < 20_000; i++) b.stream(i)
    const reader = new TraceReader(b.write(dir, fileName()))
    const before = process.memoryUsage().heapUsed
    for await (const _ of reader.batches()) { /* STREAM chunks yield nothing */ }
    const grownMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20
    expect(reader.streams).toHaveLength(20_000)
    // 1.6 MB of file; a schema table preallocated per stream took 640 MiB here.
    expect(grownMiB).toBeLessThan(100)
  })

  it('decodes field and event names that look like code as plain data', async () => {
    const names: [string, FieldTypeName][] = [["a'); throw new Error('x'); //", 'u32'], ['`${process.exit(9)}`', 'str'], ['\\u2028\u2028*/', 'f64']]
    const b = new TraceBuilder().stream(1).schema(1, 1, '}); process.exit(3); ({', names)
      .events(1, eventRecord(1, names.map(([, t]) => t), { seq: 0, timestamp: 0, values: [5, 'v', 1.5] }))
    const [event] = events((await collect(b.write(dir, fileName()))).items)
    expect(event.name).toBe('}); process.exit(3); ({')
    expect(event.fields).toEqual({ [names[0][0]]: 5, [names[1][0]]: 'v', [names[2][0]]: 1.5 })
  })
})

describe('readTrace() without code generation from strings', () => {
  const CHILD = join(__dirname, 'fixtures', 'read-trace-child.js')
  const readIn = (path: string, flags: string[], guids = 'text'): string =>
    execFileSync(process.execPath, [...flags, CHILD, path, guids], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

  it('decodes every field type to the same values, through closures instead of generated code', () => {
    const values = [
      true, -128, 255, -32768, 65535, -2147483648, 4294967295,
      -(2n ** 63n), 2n ** 64n - 1n, 1.5, NaN, '00112233-4455-6677-8899-aabbccddeeff', 'hello', Uint8Array.of(0, 1, 255),
      [-1, 127], [0, 255], [-2, 300], [65535], [-5, 6, 7], [4294967295], [-(2n ** 63n), 5n], [2n ** 64n - 1n],
      [0.5, -2], [Math.E, -0],
    ]
    const odd: [string, FieldTypeName][] = [['__proto__', 'u8'], ["x'); throw 1; //", 'str']]
    const record = eventRecord(1, TYPES, { seq: 0, timestamp: 1.25, values, truncated: [12] })
    const overrun = eventRecord(2, ['str'], { seq: 2, timestamp: 3, values: ['abc'] })
    new DataView(overrun.buffer).setUint16(16, 100, true)
    const b = new TraceBuilder().stream(1).schema(1, 1, 'all', ALL_TYPES).schema(1, 3, 'odd', odd)
      .schema(1, 2, 'short', [['s', 'str']])
      .events(1, record, eventRecord(3, ['u8', 'str'], { seq: 1, timestamp: 2, values: [7, 'y'] }), overrun)
    const path = b.write(dir, fileName())
    const generated = readIn(path, [])
    const interpreted = readIn(path, ['--disallow-code-generation-from-strings'])
    expect(interpreted).toBe(generated)
    const items = JSON.parse(interpreted) as { fields?: Record<string, unknown>; error?: string }[]
    expect(items.map((i) => i.error ?? Object.keys(i.fields ?? {}).length)).toEqual([24, 2, expect.stringMatching(/runs past the record/)])
    expect(items[1].fields).toEqual({ ['__proto__']: 7, "x'); throw 1; //": 'y' })
  })

  it('decodes guid fields as bytes (guids: \'bytes\') the same way through closures', () => {
    const record = eventRecord(1, ['guid', 'u8', 'guid'], { seq: 0, timestamp: 1, values: ['00112233-4455-6677-8899-aabbccddeeff', 9, '0f0e0d0c-0b0a-0908-0706-050403020100'] })
    const b = new TraceBuilder().stream(1).schema(1, 1, 'ids', [['a', 'guid'], ['n', 'u8'], ['b', 'guid']]).events(1, record)
    const path = b.write(dir, fileName())
    const generated = readIn(path, [], 'bytes')
    expect(readIn(path, ['--disallow-code-generation-from-strings'], 'bytes')).toBe(generated)
    const [item] = JSON.parse(generated) as { fields: Record<string, unknown> }[]
    // Stored as Windows lays out a GUID: the first three groups little-endian.
    expect(item!.fields).toEqual({
      a: { Uint8Array: [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff] },
      n: 9,
      b: { Uint8Array: [0x0c, 0x0d, 0x0e, 0x0f, 0x0a, 0x0b, 0x08, 0x09, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00] },
    })
  })
})

describe('summarizeTrace()', () => {
  it('counts events per type, losses by reason and threads, and checks END accounting', async () => {
    const b = new TraceBuilder()
      .stream(1, { threadName: 'main', threadId: 0, isMainThread: true, originMonoNs: String(MONO_NS) })
      .stream(2, { threadName: 'w', threadId: 3, isMainThread: false, onFull: 'overwrite' })
      .schema(1, 1, 'tick', TICK).schema(1, 2, 'tock', [['s', 'str']]).schema(2, 1, 'tick', TICK)
      .events(1, tick(0, 10), eventRecord(2, ['str'], { seq: 1, timestamp: 11, values: ['x'] }),
        lostRecord({ timestamp: 12, ringFull: 4, invalid: 1, pairs: [[1, 5]] }), tick(2, 13))
      .loss(2, 2).events(2, tick(2, 5), tick(3, 30))
      // END says 6 ring-full drops: 2 were pending when the thread stopped.
      .end(1, 3 + 6 + 1, 6, 1)
      .end(2, 4)
    const summary = await summarizeTrace(b.write(dir, fileName()))
    expect(summary).toMatchObject({
      events: 5, lost: 9, lostRingFull: 6, lostInvalid: 1, lostOverwritten: 2, written: 14, balanced: true, accounting: 'balanced', streamsWithoutEnd: 0,
      byEvent: { tick: 4, tock: 1 }, lostByEvent: { tick: 5 },
      provider: 'test-provider', pid: 4242, hostname: 'test-host',
      firstNs: WALL_NS + 5_000_000n, lastNs: WALL_NS + 30_000_000n, durationMs: 25,
    })
    expect(summary.threads).toEqual([
      { stream: 1, threadId: 0, name: 'main', isMainThread: true, events: 3, lost: 7, lostRingFull: 6, lostInvalid: 1,
        lostOverwritten: 0, lostUnwritten: 0, written: 10, closed: true, accounting: 'balanced', balanced: true },
      { stream: 2, threadId: 3, name: 'w', isMainThread: false, events: 2, lost: 2, lostRingFull: 0, lostInvalid: 0,
        lostOverwritten: 2, lostUnwritten: 0, written: 4, closed: true, accounting: 'balanced', balanced: true },
    ])
  })

  it('flags a stream whose END does not balance, and derives written without END', async () => {
    const b = ticks(1, 3).end(1, 5).stream(2).schema(2, 1, 'tick', TICK).events(2, tick(0))
    const summary = await summarizeTrace(b.write(dir, fileName()))
    expect(summary).toMatchObject({ balanced: false, accounting: 'unbalanced', written: 6, streamsWithoutEnd: 1 })
    expect(summary.threads.map((t) => [t.closed, t.accounting, t.balanced, t.written]))
      .toEqual([[true, 'unbalanced', false, 5], [false, 'incomplete', false, undefined]])
  })

  it('never calls a stream without END balanced: its accounting is incomplete', async () => {
    const b = ticks(1, 3).end(1, 3).stream(2).schema(2, 1, 'tick', TICK).events(2, tick(0))
    const summary = await summarizeTrace(b.write(dir, fileName()))
    expect(summary).toMatchObject({ balanced: false, accounting: 'incomplete', written: 4, streamsWithoutEnd: 1 })
    expect(summary.threads.map((t) => [t.stream, t.closed, t.accounting, t.balanced]))
      .toEqual([[1, true, 'balanced', true], [2, false, 'incomplete', false]])
  })

  it('summarizes an empty trace', async () => {
    const summary = await summarizeTrace(new TraceBuilder().write(dir, fileName()))
    expect(summary).toMatchObject({ events: 0, lost: 0, written: 0, balanced: true, threads: [], durationMs: 0 })
    expect(summary.firstNs).toBeUndefined()
  })

  it('throws on damage, while summarizeTracePrefix() returns the prefix and the error', async () => {
    const b = ticks(3, 2)
    const bytes = b.bytes()
    const path = b.write(dir, fileName(), bytes.subarray(0, bytes.length - 3))
    await expect(summarizeTrace(path)).rejects.toMatchObject({ code: 'TRUNCATED', offset: b.offsets[5] })
    const { summary, error } = await summarizeTracePrefix(path)
    expect(summary.events).toBe(4)
    expect(error?.code).toBe('TRUNCATED')
  })
})
