import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTracer, t } from '../src/index.js'
import { encodeChunk, encodeFileChunk } from '../src/format/chunk.js'
import type { FieldTypeName } from '../src/format/field-types.js'
import { LOSS_REASON_UNWRITTEN } from '../src/format/file-layout.js'
import { chunksIn } from '../src/reader/buffer-chunks.js'
import { BATCH_ITEMS, ChunkDecoder } from '../src/reader/chunk-decoder.js'
import { readTraceBatches, TraceFileError, type TraceItem } from '../src/reader/index.js'
import { guidText } from '../src/reader/guid-text.js'
import { TraceDamage } from '../src/reader/trace-file-error.js'
import { DEFAULT_FILE, TraceBuilder, eventRecord, lostRecord, paddingRecord } from './fixtures/trace-builder.js'
import { BACKENDS } from './helpers/backends.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-chunk-decoder-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileCount = 0
const fileName = (): string => `d${fileCount++}.rtrc`

interface Decoded {
  batches: TraceItem[][]
  error?: { code: string; offset: number; message: string; eventsRead: number }
}

function errorOf(error: unknown): Decoded['error'] {
  if (!(error instanceof TraceFileError)) throw error
  return { code: error.code, offset: error.offset, message: error.message, eventsRead: error.eventsRead }
}

async function fromFile(path: string): Promise<Decoded> {
  const batches: TraceItem[][] = []
  try {
    for await (const batch of readTraceBatches(path)) batches.push(batch)
  } catch (error) {
    return { batches, error: errorOf(error) }
  }
  return { batches }
}

/** `bytes` cut at `cuts` into buffers, the chunks of each decoded in turn by one ChunkDecoder. */
function fromBuffers(bytes: Uint8Array, cuts: readonly number[] = []): Decoded {
  const decoder = new ChunkDecoder()
  const batches: TraceItem[][] = []
  const bounds = [0, ...cuts, bytes.length]
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      for (const chunk of chunksIn(bytes.subarray(bounds[i], bounds[i + 1]), bounds[i])) {
        for (const batch of decoder.batches(chunk)) batches.push(batch)
      }
    }
  } catch (error) {
    return { batches, error: errorOf(error instanceof TraceDamage ? decoder.fileError(error) : error) }
  }
  return { batches }
}

const ALL: [string, FieldTypeName][] = [
  ['b', 'bool'], ['i8', 'i8'], ['u16', 'u16'], ['i32', 'i32'], ['u64', 'u64'], ['f32', 'f32'], ['f64', 'f64'],
  ['g', 'guid'], ['s', 'str'], ['bin', 'binary'], ['ai64', 'i64[]'], ['af64', 'f64[]'], ['au16', 'u16[]'],
]
const ALL_TYPES = ALL.map(([, type]) => type)
const allRecord = (seq: number, timestamp: number): Uint8Array => eventRecord(1, ALL_TYPES, {
  seq, timestamp, truncated: [8],
  values: [true, -5, 65535, -7, 2n ** 64n - 1n, 0.5, NaN, '00112233-4455-6677-8899-aabbccddeeff', 'héllo',
    Uint8Array.of(1, 2, 3), [-1n, 2n], [Infinity, -0], [7, 8, 9]],
})
const tick = (seq: number): Uint8Array => eventRecord(1, ['u32'], { seq, timestamp: seq / 1000, values: [seq] })

/**
 * Two streams: every kind of field, padding, LOST records, LOSS chunks of both reasons, a second
 * FILE chunk, a chunk of an unknown type, END chunks, and an EVENTS chunk of more than two batches.
 */
function richTrace(): TraceBuilder {
  return new TraceBuilder()
    .stream(1, { threadName: 'main', threadId: 0, isMainThread: true })
    .schema(1, 1, 'all', ALL, { keyword: '0x10', level: 2 })
    .events(1, allRecord(0, 1), paddingRecord(24), lostRecord({ timestamp: 2, ringFull: 2, invalid: 1, pairs: [[1, 3]] }), allRecord(1, 3))
    .chunk(encodeFileChunk({ ...DEFAULT_FILE, pid: 1 }))
    .stream(2, { threadName: 'worker', threadId: 7, isMainThread: false })
    .schema(2, 1, 'tick', [['n', 'u32']])
    .events(2, ...Array.from({ length: 2 * BATCH_ITEMS + 100 }, (_, i) => tick(i)))
    .chunk(encodeChunk(99 as never, Uint8Array.of(1, 2, 3)))
    .loss(2, 2)
    .loss(2, 1, LOSS_REASON_UNWRITTEN)
    .events(2, tick(2 * BATCH_ITEMS + 103))
    .end(1, 5, 2, 1)
    .end(2, 2 * BATCH_ITEMS + 104)
}

/** A small trace for the exhaustive damage tests: each byte of it is damaged in turn. */
function smallTrace(): TraceBuilder {
  return new TraceBuilder()
    .stream(1).schema(1, 1, 'all', ALL)
    .events(1, allRecord(0, 1), lostRecord({ timestamp: 2, ringFull: 1, invalid: 0, pairs: [[1, 1]] }))
    .loss(1, 1)
    .events(1, allRecord(2, 3))
    .end(1, 4, 1)
}

describe('ChunkDecoder with guids: \'bytes\'', () => {
  it('gives each guid field as a 16-byte copy of its stored bytes, every other value as with text', () => {
    const bytes = richTrace().bytes()
    const decode = (guids: 'text' | 'bytes'): TraceItem[] => {
      const decoder = new ChunkDecoder({ guids })
      const items: TraceItem[] = []
      for (const chunk of chunksIn(bytes, 0)) for (const batch of decoder.batches(chunk)) items.push(...batch)
      return items
    }
    const asText = decode('text')
    const asBytes = decode('bytes')
    const guids = asBytes.flatMap((item) => item.kind === 'event' && item.name === 'all' ? [item.fields.g] : [])
    expect(guids).toHaveLength(2)
    for (const guid of guids) {
      expect(guid).toBeInstanceOf(Uint8Array)
      expect(guidText(guid as Uint8Array, 0)).toBe('00112233-4455-6677-8899-aabbccddeeff')
    }
    // Copies, not views of the chunk: a value outlives the bytes it was decoded from.
    expect((guids[0] as Uint8Array).byteLength).toBe((guids[0] as Uint8Array).buffer.byteLength)
    expect(guids[0]).not.toBe(guids[1])
    const withText = asBytes.map((item) => item.kind === 'event' && item.name === 'all'
      ? { ...item, fields: { ...item.fields, g: guidText(item.fields.g as Uint8Array, 0) } } : item)
    expect(withText).toEqual(asText)
  })
})

describe('ChunkDecoder over in-memory chunks', () => {
  it('decodes a file\'s bytes into exactly the batches readTraceBatches yields', async () => {
    const b = richTrace()
    const expected = await fromFile(b.write(dir, fileName()))
    expect(expected.error).toBeUndefined()
    expect(expected.batches.map((batch) => batch.length)).toEqual([3, BATCH_ITEMS, BATCH_ITEMS, 100, 1, 1, 1])
    expect(fromBuffers(b.bytes())).toEqual(expected)
  })

  for (const backend of BACKENDS) {
    it(`decodes the file a real tracer wrote, span ids included, as readTraceBatches does (${backend} backend)`, async () => {
      const path = join(dir, fileName())
      const tracer = createTracer({ provider: 'Test.ChunkDecoder', backend, file: path, correlate: true })
      const request = tracer.event('request', [['route', t.str], ['status', t.u16], ['ms', t.f64], ['ids', t.u32Array]])
      const traceSome = (from: number): void => {
        for (let i = from; i < from + 1500; i++) request(`/r/${i % 7}`, 200 + (i % 3), i / 8, Uint32Array.of(i, i + 1))
      }
      traceSome(0)
      tracer.span('batch', () => traceSome(1500))
      await tracer.close()
      const expected = await fromFile(path)
      expect(expected.error).toBeUndefined()
      const events = expected.batches.flat().filter((item) => item.kind === 'event' && item.name === 'request')
      expect(events).toHaveLength(3000)
      expect(events.filter((event) => event.kind === 'event' && event.traceId !== undefined)).toHaveLength(1500)
      expect(fromBuffers(readFileSync(path))).toEqual(expected)
    })
  }

  it('gives the same batches when the chunks come in two buffers, cut at any chunk boundary', async () => {
    const b = richTrace()
    const expected = await fromFile(b.write(dir, fileName()))
    const bytes = b.bytes()
    for (const cut of b.offsets.slice(1)) {
      expect({ cut, decoded: fromBuffers(bytes, [cut]) }).toEqual({ cut, decoded: expected })
    }
    expect(fromBuffers(bytes, b.offsets.slice(1))).toEqual(expected)
  })

  it('hands out chunks 8-aligned in memory, copying a buffer that is not', async () => {
    const bytes = richTrace().bytes()
    const odd = new Uint8Array(new ArrayBuffer(bytes.length + 3), 3)
    odd.set(bytes)
    const alignment = (input: Uint8Array): number[] => [...chunksIn(input, 0)].map((chunk) => (chunk.bytes.byteOffset + chunk.start) % 8)
    expect(alignment(odd)).toEqual(alignment(bytes))
    expect(new Set(alignment(odd))).toEqual(new Set([0]))
    expect(fromBuffers(odd)).toEqual(fromBuffers(bytes))
  })

  it('reports a flipped bit anywhere with the code, offset, message and event count readTraceBatches reports', async () => {
    const b = smallTrace()
    const codes = new Set<string>()
    for (let at = 0; at < b.bytes().length; at++) {
      const bytes = b.bytes()
      bytes[at] ^= 0x80
      const expected = await fromFile(b.write(dir, 'flipped.rtrc', bytes))
      if (expected.error !== undefined) codes.add(expected.error.code)
      expect({ at, decoded: fromBuffers(bytes) }).toEqual({ at, decoded: expected })
    }
    expect([...codes].sort()).toEqual(['BAD_CRC', 'BAD_LENGTH', 'BAD_MAGIC', 'BAD_TAG', 'TRUNCATED'])
  })

  it('reports a buffer that ends inside a chunk as a file cut there is reported: TRUNCATED at that chunk', async () => {
    const b = smallTrace()
    const bytes = b.bytes()
    for (let cut = 1; cut < bytes.length; cut++) {
      const expected = await fromFile(b.write(dir, 'cut.rtrc', bytes.subarray(0, cut)))
      const onChunk = b.offsets.includes(cut)
      expect(expected.error?.code).toBe(onChunk ? undefined : 'TRUNCATED')
      expect({ cut, decoded: fromBuffers(bytes.subarray(0, cut)) }).toEqual({ cut, decoded: expected })
    }
  })

  it('names the file offset of damage in a later buffer', async () => {
    const b = smallTrace()
    const bytes = b.bytes()
    const damaged = b.offsets[5]
    bytes[damaged + 20] ^= 1
    const expected = await fromFile(b.write(dir, fileName(), bytes))
    expect(expected.error).toMatchObject({ code: 'BAD_CRC', offset: damaged, eventsRead: 1 })
    expect(fromBuffers(bytes, [b.offsets[3], b.offsets[5]])).toEqual(expected)
  })

  it('refuses a stream that does not start with a FILE chunk at offset 0, and accepts it at a later offset', () => {
    const b = smallTrace()
    const rest = b.bytes().subarray(b.offsets[1])
    expect(() => [...chunksIn(rest, 0)]).toThrow(expect.objectContaining({
      code: 'BAD_MAGIC', offset: 0, message: 'ringtrace: not a ringtrace file at offset 0 (the first chunk has type 2, not FILE)',
    }))
    const { batches } = fromBuffers(b.bytes(), [b.offsets[1]])
    expect(batches.flat().map((item) => item.kind)).toEqual(['event', 'lost', 'lost', 'event'])
  })
})

describe('ChunkDecoder#take() and continue()', () => {
  const bigChunk = (): { decoder: ChunkDecoder; events: ReturnType<typeof chunksIn> } => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', [['n', 'u32']])
      .events(1, ...Array.from({ length: BATCH_ITEMS + 10 }, (_, i) => tick(i)))
    const decoder = new ChunkDecoder()
    const chunks = chunksIn(b.bytes(), 0)
    for (let i = 0; i < 3; i++) decoder.take(chunks.next().value!, [])
    return { decoder, events: chunks }
  }

  it('decodes a large EVENTS chunk in batches while hasMore says more follow', () => {
    const { decoder, events } = bigChunk()
    const first: TraceItem[] = []
    decoder.take(events.next().value!, first)
    expect([first.length, decoder.hasMore]).toEqual([BATCH_ITEMS, true])
    const rest: TraceItem[] = []
    decoder.continue(rest)
    expect([rest.length, decoder.hasMore, decoder.eventsRead]).toEqual([10, false, BATCH_ITEMS + 10])
    expect([...first, ...rest].map((item) => (item.kind === 'event' ? item.fields.n : -1)))
      .toEqual(Array.from({ length: BATCH_ITEMS + 10 }, (_, i) => i))
  })

  it('adds a whole batch to an array that holds items already', () => {
    const { decoder, events } = bigChunk()
    const out: TraceItem[] = []
    decoder.take(events.next().value!, out)
    decoder.continue(out)
    expect(out).toHaveLength(BATCH_ITEMS + 10)
  })

  it('refuses a new chunk before the one in progress is finished', () => {
    const { decoder, events } = bigChunk()
    const chunk = events.next().value!
    decoder.take(chunk, [])
    expect(() => decoder.take(chunk, [])).toThrow('ringtrace: ChunkDecoder#take() before the EVENTS chunk in progress was finished')
  })

  it('ends the chunk at damage: the items before it in out, nothing more to continue', () => {
    const records = Array.from({ length: 5 }, (_, i) => tick(i))
    records[3] = tick(9)
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', [['n', 'u32']]).events(1, ...records)
    const decoder = new ChunkDecoder()
    const out: TraceItem[] = []
    let error: unknown
    try {
      for (const chunk of chunksIn(b.bytes(), 0)) decoder.take(chunk, out)
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'SEQUENCE_GAP', offset: b.offsets[3], eventsRead: 3 })
    expect(out).toHaveLength(3)
    expect(decoder.hasMore).toBe(false)
  })
})
