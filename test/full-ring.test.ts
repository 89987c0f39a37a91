import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { summarizeTrace } from '../src/reader/index.js'
import { BACKENDS } from './helpers/backends.js'
import { readAll, tracePath } from './helpers/trace-files.js'

describe.each(BACKENDS)('full ring (%s backend)', (backend) => {
  it("'discard' drops new events, counts them, and reports them in-band before the next write", async () => {
    const file = tracePath('discard')
    const tracer = createTracer({ provider: 'Test.Full', backend, file, ringBytes: 4096 })
    const big = tracer.event('Big', [['a', t.f64], ['b', t.f64], ['c', t.f64]])
    const small = tracer.event('Small', [['n', t.u32]])
    for (let i = 0; i < 5000; i++) big(i, i, i)
    tracer.flush()
    small(1)
    await tracer.close()
    const stats = tracer.stats()
    expect(stats.lostRingFull).toBeGreaterThan(0)
    expect(stats.written).toBe(5001)
    expect(stats.delivered + stats.lost).toBe(5001)

    const items = await readAll(file)
    const lost = items.filter((i) => i.kind === 'lost')
    const events = items.filter((i) => i.kind === 'event')
    expect(events.length).toBe(stats.delivered)
    expect(lost.reduce((sum, l) => sum + l.count, 0)).toBe(stats.lost)
    expect(lost.filter((l) => !(l.kind === 'lost' && l.byEvent !== undefined && l.ringFull === l.count)), 'LOST records not all ring-full with a per-event count').toEqual([])
    // Loss is in-band: the LOST record sits right where the gap is, before the next event.
    const firstLost = items.findIndex((i) => i.kind === 'lost')
    expect(firstLost).toBeGreaterThan(0)
    expect(items.at(-1)).toMatchObject({ kind: 'event', name: 'Small' })
    const summary = await summarizeTrace(file)
    expect(summary).toMatchObject({ written: 5001, events: stats.delivered, lost: stats.lost, balanced: true })
  })

  it("'overwrite' keeps the newest events and counts exactly what it overwrote", async () => {
    const file = tracePath('overwrite')
    const tracer = createTracer({ provider: 'Test.Full', backend, file, ringBytes: 4096, onFull: 'overwrite' })
    const trace = tracer.event('Seq', [['i', t.u32], ['pad', t.f64]])
    const total = 20_000
    for (let i = 0; i < total; i++) trace(i, i)
    await tracer.close()
    const stats = tracer.stats()
    expect(stats.lostRingFull).toBe(0)
    expect(stats.lostOverwritten).toBeGreaterThan(0)
    expect(stats.delivered + stats.lostOverwritten).toBe(total)

    const items = await readAll(file)
    const events = items.filter((i) => i.kind === 'event')
    const values = events.map((e) => (e.kind === 'event' ? e.fields.i : -1))
    expect(values.at(-1)).toBe(total - 1)
    // Every delivered record is intact: its field matches its sequence number.
    for (const e of events) if (e.kind === 'event') expect(e.fields.i).toBe(e.seq)
    const overwritten = items.reduce((sum, i) => sum + (i.kind === 'lost' ? i.overwritten : 0), 0)
    expect(overwritten).toBe(stats.lostOverwritten)
    expect(await summarizeTrace(file)).toMatchObject({ written: total, balanced: true })
  })

  it('drops a record larger than half the ring as invalid and keeps going', async () => {
    const file = tracePath('oversize')
    const tracer = createTracer({ provider: 'Test.Full', backend, file, ringBytes: 4096, maxStringBytes: 4000 })
    const trace = tracer.event('Text', [['s', t.str]])
    trace('x'.repeat(3000))
    trace('fits')
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ written: 2, delivered: 1, lostInvalid: 1 })
    const items = await readAll(file)
    expect(items.map((i) => i.kind)).toEqual(['lost', 'event'])
    expect(items[0]).toMatchObject({ invalid: 1, byEvent: { Text: 1 } })
  })
})
