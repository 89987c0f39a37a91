// Values whose own code (valueOf, toString, Symbol.toPrimitive, getters, Proxy traps) traces into
// the same ring while their record is being written. The writer runs that code before it takes
// its place in the ring, so the inner events are recorded whole, before the outer one, and the
// outer record is exact (docs/FORMAT.md, "Re-entrant values").

import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { Level } from '../src/schema/levels.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { BACKENDS } from './helpers/backends.js'
import { readAll, readEvents, tracePath } from './helpers/trace-files.js'

function summary(events: TraceEvent[]): string[] {
  return events.map((e) => `${e.name} ${JSON.stringify(e.fields, (_, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(v as Uint8Array, String) : v)}`)
}

describe.each(BACKENDS)('re-entrant values (%s backend)', (backend) => {
  it('writes the outer record exactly and the inner event whole, before it, for 1,000 valueOf calls', async () => {
    const file = tracePath('reentrant-valueof')
    const tracer = createTracer({ provider: 'Test.Reentrant', backend, file })
    const e = tracer.event('E', [['a', t.u32], ['b', t.u32]])
    const inner = tracer.event('Inner', [['x', t.u32]])
    for (let i = 0; i < 1000; i++) e(i, { valueOf () { inner(7); return i } } as unknown as number)
    const plain = tracer.event('After', [['i', t.u32]])
    for (let i = 0; i < 2000; i++) plain(i)
    await tracer.close()
    const stats = tracer.stats()
    expect({ written: stats.written, delivered: stats.delivered, lost: stats.lost }).toEqual({ written: 4000, delivered: 4000, lost: 0 })
    const events = await readEvents(file)
    const expected: string[] = []
    for (let i = 0; i < 1000; i++) expected.push('Inner {"x":7}', `E {"a":${i},"b":${i}}`)
    for (let i = 0; i < 2000; i++) expected.push(`After {"i":${i}}`)
    expect(summary(events)).toEqual(expected)
  })

  it('keeps every field type exact when its value traces (toPrimitive, toString, getters, Proxy traps)', async () => {
    const file = tracePath('reentrant-types')
    const tracer = createTracer({ provider: 'Test.Reentrant', backend, file })
    const inner = tracer.event('Inner', [['tag', t.str], ['pad', t.u64Array]])
    // Inner records big enough to move the cursor well past the outer record's size.
    const note = (tag: string) => inner(tag, Array.from({ length: 20 }, (_, k) => BigInt(k)))
    const outer = tracer.event('Outer', [
      ['b', t.bool], ['u8', t.u8], ['i16', t.i16], ['u32', t.u32], ['i64', t.i64], ['u64', t.u64],
      ['f32', t.f32], ['f64', t.f64], ['g', t.guid], ['s', t.str], ['bin', t.binary],
      ['arr', t.u16Array], ['big', t.i64Array],
    ])
    const guid = new Uint8Array(16).map((_, k) => k + 1)
    const proxiedGuid = new Proxy(guid, { get (target, key) { note('guid'); const v = Reflect.get(target, key) as unknown; return typeof v === 'function' ? (v as Function).bind(target) : v } })
    const proxiedBytes = new Proxy(Uint8Array.of(9, 8, 7), { get (target, key) { note('bin'); const v = Reflect.get(target, key) as unknown; return typeof v === 'function' ? (v as Function).bind(target) : v } })
    const elements = [1, 2, 3]
    const arr = new Proxy(elements, { get (target, key) { note('arr'); return Reflect.get(target, key) as unknown } })
    const big: unknown[] = []
    Object.defineProperty(big, 0, { get () { note('big0'); return { [Symbol.toPrimitive]: () => { note('big0p'); return -5n } } }, enumerable: true })
    Object.defineProperty(big, 1, { get () { note('big1'); return 6n }, enumerable: true })
    for (let round = 0; round < 50; round++) {
      outer(
        { valueOf () { note('b'); return 0 } } as unknown as boolean, // truthiness: an object is true, no call
        { valueOf () { note('u8'); return 300 } } as unknown as number,
        { valueOf () { note('i16'); return '-7' } } as unknown as number,
        { [Symbol.toPrimitive] () { note('u32'); return round } } as unknown as number,
        { valueOf () { note('i64'); return -(2n ** 40n) } } as unknown as bigint,
        { [Symbol.toPrimitive] () { note('u64'); return 2n ** 64n - 1n } } as unknown as bigint,
        { valueOf () { note('f32'); return 1.5 } } as unknown as number,
        { valueOf () { note('f64'); return Math.PI } } as unknown as number,
        proxiedGuid,
        { toString () { note('s'); return `text ${round}` } } as unknown as string,
        proxiedBytes,
        arr,
        big as bigint[],
      )
    }
    await tracer.close()
    const events = await readEvents(file)
    const outers = events.filter((e) => e.name === 'Outer')
    expect(outers).toHaveLength(50)
    expect(outers.map((e) => e.fields)).toEqual(Array.from({ length: 50 }, (_, round) => ({
      b: true, u8: 44, i16: -7, u32: round, i64: -(2n ** 40n), u64: 2n ** 64n - 1n, f32: 1.5, f64: Math.PI,
      g: '04030201-0605-0807-090a-0b0c0d0e0f10', s: `text ${round}`, bin: Uint8Array.of(9, 8, 7),
      arr: Uint16Array.of(1, 2, 3), big: BigInt64Array.of(-5n, 6n),
    })))
    const inners = events.filter((e) => e.name === 'Inner')
    // Every inner record whole: its 20 elements read back.
    expect(inners.filter((e) => (e.fields.pad as BigUint64Array).length !== 20).map((e) => e.fields)).toEqual([])
    // Each outer record follows the inner events its own values traced.
    const tags = new Set(inners.map((e) => e.fields.tag as string))
    expect([...tags].sort()).toEqual(['arr', 'big0', 'big0p', 'big1', 'bin', 'f32', 'f64', 'guid', 'i16', 'i64', 's', 'u32', 'u64', 'u8'])
    expect(tracer.stats().lost).toBe(0)
  })

  it('keeps an array exact when its element getter traces the same event with an array', async () => {
    const file = tracePath('reentrant-same-event')
    const tracer = createTracer({ provider: 'Test.Reentrant', backend, file })
    const list = tracer.event('List', [['depth', t.u8], ['values', t.u32Array]])
    function nested (depth: number): number[] {
      const values = [depth * 10, depth * 10 + 1, depth * 10 + 2]
      if (depth < 3) Object.defineProperty(values, 1, { get () { list(depth + 1, nested(depth + 1)); return depth * 10 + 1 } })
      return values
    }
    list(0, nested(0))
    list(0, nested(0))
    await tracer.close()
    expect(summary(await readEvents(file))).toEqual([
      'List {"depth":3,"values":["30","31","32"]}',
      'List {"depth":2,"values":["20","21","22"]}',
      'List {"depth":1,"values":["10","11","12"]}',
      'List {"depth":0,"values":["0","1","2"]}',
      'List {"depth":3,"values":["30","31","32"]}',
      'List {"depth":2,"values":["20","21","22"]}',
      'List {"depth":1,"values":["10","11","12"]}',
      'List {"depth":0,"values":["0","1","2"]}',
    ])
  })

  it('keeps spans and EventBuilder records exact when an attribute or field value traces', async () => {
    const file = tracePath('reentrant-spans')
    const tracer = createTracer({ provider: 'Test.Reentrant', backend, file })
    const inner = tracer.event('Inner', [['x', t.u32]])
    const kind = tracer.defineSpan('Typed', [['n', t.u32], ['s', t.str]])
    const eb = tracer.eventBuilder()
    for (let i = 0; i < 20; i++) {
      kind.run(() => undefined, { valueOf () { inner(i); return i } } as unknown as number, { toString () { inner(100 + i); return `s${i}` } } as unknown as string)
      tracer.span('Dynamic', () => undefined, { get n () { inner(200 + i); return i } })
      eb.reset('Built', Level.Info, 0).addU32('n', { valueOf () { inner(300 + i); return i } } as unknown as number).addStr('s', `b${i}`).write()
    }
    await tracer.close()
    const events = await readEvents(file)
    expect(events.filter((e) => e.name === 'Typed' && e.opcode === 1).map((e) => [e.fields.n, e.fields.s]))
      .toEqual(Array.from({ length: 20 }, (_, i) => [i, `s${i}`]))
    expect(events.filter((e) => e.name === 'Dynamic' && e.opcode === 1).map((e) => e.fields.n))
      .toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(events.filter((e) => e.name === 'Built').map((e) => e.fields)).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: i, s: `b${i}` })))
    expect(events.filter((e) => e.name === 'Inner').map((e) => e.fields.x).sort((a, b) => (a as number) - (b as number)))
      .toEqual([...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 100 + i),
        ...Array.from({ length: 20 }, (_, i) => 200 + i), ...Array.from({ length: 20 }, (_, i) => 300 + i)])
    // Every span has its Stop: the pairs are whole.
    expect(events.filter((e) => e.opcode === 2).length).toBe(40)
    expect(tracer.stats().lost).toBe(0)
  })
})

describe('re-entrant values overflowing a small ring (js backend; native in a child process below)', () => {
  const backend = 'js' as const
  it('counts what a small ring could not hold, and writes what it holds exactly, when a value traces more than the ring holds', async () => {
    const file = tracePath('reentrant-overflow')
    const tracer = createTracer({ provider: 'Test.Reentrant', backend, file, ringBytes: 1 << 16 })
    const e = tracer.event('E', [['a', t.u32], ['b', t.u32]])
    const big = tracer.event('Big', [['s', t.str]])
    const text = 'x'.repeat(200)
    for (let i = 0; i < 10; i++) e(i, { valueOf () { for (let k = 0; k < 300; k++) big(text); return i } } as unknown as number)
    await tracer.close()
    const stats = tracer.stats()
    const items = await readAll(file)
    const events = items.filter((item): item is TraceEvent => item.kind === 'event')
    // The ring fills up, so some E records are dropped (ring full, counted); those written are exact.
    const written = events.filter((x) => x.name === 'E').map((x) => x.fields)
    expect(written.filter(({ a, b }) => a !== b)).toEqual([])
    expect(written.map(({ a }) => a)).toEqual([...new Set(written.map(({ a }) => a as number))].sort((x, y) => x - y))
    const lost = items.reduce((sum, item) => sum + (item.kind === 'lost' ? item.count : 0), 0)
    expect({ written: stats.written, accounted: events.length + lost, lostOverwritten: stats.lostOverwritten }).toEqual({ written: 3010, accounted: 3010, lostOverwritten: 0 })
  })
})

describe('re-entrant values in a child process (native backend)', () => {
  it('never wedges the collector: 300 records of ~224 bytes traced from valueOf into a 64 KiB ring', async () => {
    const script = join(__dirname, 'fixtures', 'reentrant-child.js')
    const file = tracePath('reentrant-child')
    execFileSync(process.execPath, [script, 'native', file], { encoding: 'utf8', timeout: 30_000 })
    const items = await readAll(file)
    const events = items.filter((item): item is TraceEvent => item.kind === 'event')
    const written = events.filter((x) => x.name === 'E').map((x) => x.fields)
    expect(written.filter(({ a, b }) => a !== b)).toEqual([])
    const lost = items.reduce((sum, item) => sum + (item.kind === 'lost' ? item.count : 0), 0)
    expect(events.length + lost).toBe(20 * 301)
  })
})
