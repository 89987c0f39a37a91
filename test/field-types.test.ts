import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { BACKENDS } from './helpers/backends.js'
import { prng } from './helpers/seeded-random.js'
import { readEvents, tracePath } from './helpers/trace-files.js'
import { ALL_TYPES, ALL_TYPES_ROWS, GUID } from './helpers/all-field-types.js'

/** A span Start's attributes: its fields without the span's ids. */
function attributesOf(fields: Record<string, unknown>): Record<string, unknown> {
  const { activityId: _a, parentId: _p, traceId: _t, ...attributes } = fields
  return attributes
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000'

const wrapInt = (bits: number, signed: boolean, v: number): number => {
  const n = Number.isFinite(v) ? Math.trunc(v) : 0
  const big = signed ? BigInt.asIntN(bits, BigInt(n)) : BigInt.asUintN(bits, BigInt(n))
  return Number(big)
}

const wrap64 = (signed: boolean, v: number | bigint): bigint => {
  const n = typeof v === 'bigint' ? v : BigInt(Number.isFinite(v) ? Math.trunc(v) : 0)
  return signed ? BigInt.asIntN(64, n) : BigInt.asUintN(64, n)
}

describe.each(BACKENDS)('field types (%s backend)', (backend) => {
  it('round-trips generated integers and floats of every width exactly', async () => {
    const file = tracePath('ints')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const trace = tracer.event('Numbers', [
      ['a', t.i8], ['b', t.u8], ['c', t.i16], ['d', t.u16], ['e', t.i32], ['f', t.u32],
      ['g', t.i64], ['h', t.u64], ['i', t.f32], ['j', t.f64], ['k', t.bool],
    ])
    const random = prng(42)
    const rows: number[][] = []
    for (let n = 0; n < 2000; n++) {
      const span = 2 ** (1 + Math.floor(random() * 70))
      const row = Array.from({ length: 11 }, () => (random() - 0.5) * span)
      rows.push(row)
      trace(row[0]!, row[1]!, row[2]!, row[3]!, row[4]!, row[5]!, row[6]!, row[7]!, row[8]!, row[9]!, row[8]! > 0)
    }
    await tracer.close()
    const events = await readEvents(file)
    expect(events).toHaveLength(rows.length)
    events.forEach((event, n) => {
      const row = rows[n]!
      expect(event.fields).toEqual({
        a: wrapInt(8, true, row[0]!), b: wrapInt(8, false, row[1]!),
        c: wrapInt(16, true, row[2]!), d: wrapInt(16, false, row[3]!),
        e: wrapInt(32, true, row[4]!), f: wrapInt(32, false, row[5]!),
        g: wrap64(true, row[6]!), h: wrap64(false, row[7]!),
        i: Math.fround(row[8]!), j: row[9]!, k: row[8]! > 0,
      })
    })
  })

  it('keeps the edge values: NaN, -0, infinities, 2^53, 2^64-1 and negative bigints', async () => {
    const file = tracePath('edges')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const trace = tracer.event('Edges', [['f', t.f64], ['g', t.f32], ['u', t.u64], ['s', t.i64], ['w', t.u32]])
    trace(NaN, NaN, 2 ** 53, -1n, -1)
    trace(-0, -0, (1n << 64n) - 1n, -(1n << 63n), 2 ** 32)
    trace(Infinity, -Infinity, 2 ** 64 + 2 ** 12, (1n << 63n) - 1n, 4294967295)
    trace(-Infinity, 3.4e39, -1, -(2 ** 53), Infinity)
    trace(Number.MIN_VALUE, 1e-46, 1.9, -1.9, NaN)
    await tracer.close()
    const fields = (await readEvents(file)).map((e) => e.fields)
    expect(fields[0]).toEqual({ f: NaN, g: NaN, u: 2n ** 53n, s: -1n, w: 4294967295 })
    expect(fields[1]!.f).toBe(-0)
    expect(fields[1]!.g).toBe(-0)
    expect(fields[1]).toMatchObject({ u: (1n << 64n) - 1n, s: -(1n << 63n), w: 0 })
    expect(fields[2]).toEqual({ f: Infinity, g: -Infinity, u: (2n ** 64n + 2n ** 12n) % 2n ** 64n, s: (1n << 63n) - 1n, w: 4294967295 })
    expect(fields[3]).toEqual({ f: -Infinity, g: Infinity, u: (1n << 64n) - 1n, s: -(2n ** 53n), w: 0 })
    expect(fields[4]).toEqual({ f: Number.MIN_VALUE, g: 0, u: 1n, s: -1n, w: 0 })
  })

  it('writes strings as UTF-8: empty, non-ASCII, astral, lone surrogates as U+FFFD', async () => {
    const file = tracePath('strings')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const trace = tracer.event('Text', [['s', t.str], ['n', t.u8]])
    const values = ['', 'plain', 'héllo wörld', '日本語テキスト', '😀 astral 𝄞', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d', 'x'.repeat(1024)]
    values.forEach((s, i) => trace(s, i))
    await tracer.close()
    const events = await readEvents(file)
    const expected = values.map((s) => new TextDecoder().decode(new TextEncoder().encode(s)))
    expect(events.map((e) => e.fields.s)).toEqual(expected)
    expect(events.map((e) => e.fields.n)).toEqual(values.map((_, i) => i))
    expect(events.filter((e) => e.truncated !== undefined).map((e) => [e.fields.n, e.truncated]), 'events flagged truncated').toEqual([])
  })

  it('cuts long strings, binary and arrays at the cap on a code point boundary and flags them', async () => {
    const file = tracePath('caps')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file, maxStringBytes: 10 })
    const trace = tracer.event('Capped', [['s', t.str], ['b', t.binary], ['a', t.u32Array], ['ok', t.str]])
    trace('ab€€€€', Uint8Array.from({ length: 20 }, (_, i) => i), [1, 2, 3, 4], 'short')
    await tracer.close()
    const [event] = await readEvents(file)
    expect(event!.fields.s).toBe('ab€€') // 2 + 3 + 3 bytes; a third € would pass 10
    expect(Array.from(event!.fields.b as Uint8Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(Array.from(event!.fields.a as Uint32Array)).toEqual([1, 2])
    expect(event!.fields.ok).toBe('short')
    expect(event!.truncated?.sort()).toEqual(['a', 'b', 's'])
  })

  it('round-trips binary, guids and every array type', async () => {
    const file = tracePath('arrays')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const trace = tracer.event('Arrays', [
      ['bin', t.binary], ['id', t.guid], ['i8s', t.i8Array], ['u8s', t.u8Array], ['i16s', t.i16Array],
      ['u16s', t.u16Array], ['i32s', t.i32Array], ['u32s', t.u32Array], ['i64s', t.i64Array],
      ['u64s', t.u64Array], ['f32s', t.f32Array], ['f64s', t.f64Array],
    ])
    const guid = '6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'
    trace(new Uint8Array([1, 2, 3]), guid, [-128, 127, 300], [255, 256], [-32768, 40000], [65535],
      [-(2 ** 31), 2 ** 31], [2 ** 32 - 1], [-1n, 5], [(1n << 64n) - 1n, 7], [1.5, NaN], [-0, Infinity, 2 ** 60])
    trace(new Uint8Array(0), new Uint8Array(16).fill(0xab), [], [], [], [], [], [], [], [], [], [])
    trace(new Uint16Array([0x0102]), guid.toUpperCase(), new Int8Array([1]), new Uint8Array([2]), [3], [4], [5], [6], new BigInt64Array([7n]), [8n], new Float32Array([9]), new Float64Array([10]))
    await tracer.close()
    const [a, b, c] = (await readEvents(file)).map((e) => e.fields)
    expect(a).toEqual({
      bin: new Uint8Array([1, 2, 3]), id: guid,
      i8s: new Int8Array([-128, 127, 44]), u8s: new Uint8Array([255, 0]),
      i16s: new Int16Array([-32768, -25536]), u16s: new Uint16Array([65535]),
      i32s: new Int32Array([-(2 ** 31), -(2 ** 31)]), u32s: new Uint32Array([2 ** 32 - 1]),
      i64s: new BigInt64Array([-1n, 5n]), u64s: new BigUint64Array([(1n << 64n) - 1n, 7n]),
      f32s: new Float32Array([1.5, NaN]), f64s: new Float64Array([-0, Infinity, 2 ** 60]),
    })
    expect((a!.f64s as Float64Array)[0]).toBe(-0)
    expect(b!.bin).toEqual(new Uint8Array(0))
    expect(b!.id).toBe('abababab-abab-abab-abab-abababababab')
    expect(b!.f64s).toEqual(new Float64Array(0))
    expect(c!.bin).toEqual(new Uint8Array(new Uint16Array([0x0102]).buffer))
    expect(c!.id).toBe(guid)
    expect(c!.i64s).toEqual(new BigInt64Array([7n]))
  })

  it('round-trips generated strings and arrays of random lengths and code units', async () => {
    const file = tracePath('generated-var')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file, maxStringBytes: 65535 })
    const trace = tracer.event('Generated', [['s', t.str], ['f', t.f64Array], ['u', t.u16Array], ['b', t.binary]])
    const random = prng(7)
    const pick = (n: number) => Math.floor(random() * n)
    const rows = Array.from({ length: 500 }, () => {
      // Code units from every range that matters: ASCII, 2- and 3-byte, surrogates (paired or not).
      const ranges = [0x80, 0x800, 0xd800, 0x10000]
      const s = Array.from({ length: pick(200) }, () => String.fromCharCode(pick(ranges[pick(4)]!))).join('')
      const f = Float64Array.from({ length: pick(40) }, () => (random() - 0.5) * 2 ** pick(80))
      const u = Uint16Array.from({ length: pick(40) }, () => pick(65536))
      const b = Uint8Array.from({ length: pick(300) }, () => pick(256))
      return { s, f, u, b }
    })
    for (const row of rows) trace(row.s, row.f, row.u, row.b)
    await tracer.close()
    const events = await readEvents(file)
    expect(events).toHaveLength(rows.length)
    events.forEach((event, n) => {
      const row = rows[n]!
      expect(event.fields).toEqual({ s: new TextDecoder().decode(new TextEncoder().encode(row.s)), f: row.f, u: row.u, b: row.b })
      expect(event.truncated).toBeUndefined()
    })
  })

  it('records every field type alike as event fields and as typed span attributes, by run() and start()', async () => {
    const file = tracePath('span-types')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const event = tracer.event('AllTypes', ALL_TYPES)
    const kind = tracer.defineSpan('AllTypesSpan', ALL_TYPES)
    for (const row of ALL_TYPES_ROWS) {
      event(...row)
      kind.run(() => {}, ...row)
      kind.start(...row).end()
    }
    await tracer.close()
    const events = await readEvents(file)
    const expected = events.filter((e) => e.name === 'AllTypes').map((e) => e.fields)
    expect(expected).toHaveLength(ALL_TYPES_ROWS.length)
    const starts = events.filter((e) => e.name === 'AllTypesSpan' && e.opcode === 1).map((e) => attributesOf(e.fields))
    expect(starts).toEqual(expected.flatMap((fields) => [fields, fields]))
    expect(expected.map((fields) => [fields.g, fields.s, fields.u16])).toEqual([[GUID, ALL_TYPES_ROWS[0]![12], 65535], [ZERO_GUID, '', 0]])
  })

  it('takes a guid span attribute as a value wherever it stands, beside the span ids', async () => {
    const file = tracePath('span-guids')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const first = tracer.defineSpan('GuidFirst', [['g', t.guid], ['a', t.u16], ['s', t.str]])
    const last = tracer.defineSpan('GuidLast', [['s', t.str], ['a', t.u16], ['g', t.guid]])
    const two = tracer.defineSpan('TwoGuids', [['g', t.guid], ['h', t.guid]])
    const text = '11111111-2222-3333-4444-555555555555'
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
    first.run(() => {}, text, 513, 'after')
    first.start(bytes, 1, 'x').end()
    last.run(() => {}, 'before', 514, text)
    two.start(text, GUID).end()
    await tracer.close()
    const starts = (await readEvents(file)).filter((e) => e.opcode === 1).map((e) => [e.name, attributesOf(e.fields)])
    const bytesText = 'a3a2a1a0-a5a4-a7a6-a8a9-aaabacadaeaf'
    expect(starts).toEqual([
      ['GuidFirst', { g: text, a: 513, s: 'after' }],
      ['GuidFirst', { g: bytesText, a: 1, s: 'x' }],
      ['GuidLast', { s: 'before', a: 514, g: text }],
      ['TwoGuids', { g: text, h: GUID }],
    ])
  })

  it('records an event without fields', async () => {
    const file = tracePath('empty')
    const tracer = createTracer({ provider: 'Test.Fields', backend, file })
    const trace = tracer.event('Tick', [])
    trace()
    trace()
    await tracer.close()
    const events = await readEvents(file)
    expect(events.map((e) => [e.name, e.fields])).toEqual([['Tick', {}], ['Tick', {}]])
  })
})
