import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, t, type Tracer, type TracerOptions } from '../src/index.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { TracerError } from '../src/errors.js'
import { BACKENDS } from './helpers/backends.js'

// tracer.subscribe(): decoded events in batches on the subscribing thread, from the export
// worker, with a bounded backlog whose drops are counted.

const open: Tracer[] = []
afterEach(async () => {
  for (const tracer of open.splice(0)) await tracer.close()
})

function tracerFor(options: Omit<TracerOptions, 'provider'>): Tracer {
  const tracer = createTracer({ provider: 'Test.Subscribe', flushOnExit: false, ...options })
  open.push(tracer)
  return tracer
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe.each(BACKENDS)('Tracer#subscribe() (%s backend)', (backend) => {
  it('delivers the events that pass the filter, decoded and in order, to a tracer without export', async () => {
    const tracer = tracerFor({ backend })
    const request = tracer.event('Request', [['path', t.str], ['status', t.u16]], { level: 4 })
    const debug = tracer.event('Debug', [['n', t.u32]], { level: 5 })
    request('/before', 200)
    const got: TraceEvent[] = []
    const subscription = tracer.subscribe({ events: ['Request', 'Debug'], level: 4 }, (events) => got.push(...events))
    for (let i = 0; i < 3000; i++) {
      request(`/items/${i}`, 200 + (i % 3))
      debug(i)
    }
    tracer.span('Work', () => request('/in-span', 201))
    await until(() => got.length === 3001)
    expect(got.map((e) => e.fields.path)).toEqual([...Array.from({ length: 3000 }, (_, i) => `/items/${i}`), '/in-span'])
    expect(got[1]!.fields.status).toBe(201)
    expect(subscription.stats).toMatchObject({ matched: 3001, delivered: 3001, dropped: 0, callbackErrors: 0 })
  })

  it('delivers span records only when asked, and every batch before close() returns', async () => {
    const tracer = tracerFor({ backend })
    const names: string[] = []
    tracer.subscribe({ spans: true }, (events) => names.push(...events.map((e) => `${e.name}:${e.opcode}`)))
    tracer.span('Outer', () => tracer.span('Inner', () => undefined))
    await tracer.close()
    expect(names).toEqual(['Outer:1', 'Inner:1', 'Inner:2', 'Outer:2'])
  })

  it('gives ids as a trace reader does: guid fields as text, span ids tying Starts, Stops and parents', async () => {
    const tracer = tracerFor({ backend })
    const tagged = tracer.event('Tagged', [['request', t.guid], ['n', t.u8]])
    const got: TraceEvent[] = []
    tracer.subscribe({ spans: true }, (events) => got.push(...events))
    tracer.span('Outer', () => tracer.span('Inner', () => tagged('00112233-4455-6677-8899-aabbccddeeff', 3)))
    await tracer.close()
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
    const [outerStart, innerStart, event, innerStop, outerStop] = got
    expect(event!.fields).toEqual({ request: '00112233-4455-6677-8899-aabbccddeeff', n: 3 })
    for (const record of [outerStart, innerStart, innerStop, outerStop]) expect(record!.fields.activityId).toMatch(guid)
    expect(innerStart!.fields.parentId).toBe(outerStart!.fields.activityId)
    expect(outerStart!.fields.parentId).toBe('00000000-0000-0000-0000-000000000000')
    expect(innerStop!.fields.activityId).toBe(innerStart!.fields.activityId)
    expect(outerStop!.fields.activityId).toBe(outerStart!.fields.activityId)
  })

  it('drops and counts batches while the callback is behind, and never blocks tracing', async () => {
    const tracer = tracerFor({ backend, ringBytes: 1 << 22 })
    const tick = tracer.event('Tick', [['n', t.u32]])
    let seen = 0
    const subscription = tracer.subscribe({ maxPendingBatches: 1 }, (events) => {
      seen += events.length
      const until = Date.now() + 20
      while (Date.now() < until);
    })
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 2000; i++) tick(i)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await tracer.close()
    const stats = subscription.stats
    expect({ total: stats.delivered + stats.dropped, delivered: stats.delivered, lost: tracer.stats().lost }).toEqual({ total: 40_000, delivered: seen, lost: 0 })
    expect(stats.dropped).toBeGreaterThan(0)
  })

  it('keeps delivering after a callback throws, and counts it', async () => {
    const tracer = tracerFor({ backend })
    const tick = tracer.event('Tick', [['n', t.u32]])
    let calls = 0
    const subscription = tracer.subscribe({}, () => {
      calls++
      throw new Error('subscriber bug')
    })
    tick(1)
    await until(() => calls === 1)
    tick(2)
    await tracer.close()
    expect(subscription.stats).toMatchObject({ delivered: 2, callbackErrors: 2, lastError: new Error('subscriber bug') })
  })

  it('stops delivering after unsubscribe()', async () => {
    const tracer = tracerFor({ backend })
    const tick = tracer.event('Tick', [['n', t.u32]])
    const got: unknown[] = []
    const subscription = tracer.subscribe({}, (events) => got.push(...events.map((e) => e.fields.n)))
    tick(1)
    await until(() => got.length === 1)
    subscription.unsubscribe()
    tick(2)
    await tracer.close()
    expect(got).toEqual([1])
  })

  it('refuses a bad filter with a TracerError', () => {
    const tracer = tracerFor({ backend })
    const attempt = (filter: unknown) => {
      try {
        tracer.subscribe(filter as never, () => undefined)
      } catch (error) {
        return [(error as TracerError).code, (error as Error).message]
      }
      return undefined
    }
    expect(attempt({ level: 9.5 })).toEqual(['INVALID_OPTION', 'ringtrace: subscribe(): level must be an integer from 0 to 255, got 9.5'])
    expect(attempt({ event: ['X'] })).toEqual(['INVALID_OPTION', 'ringtrace: unknown option "subscribe filter.event"; did you mean subscribe filter.events?'])
    expect(attempt(null)).toEqual(['INVALID_OPTION', "ringtrace: subscribe(): the filter must be an object such as { events: ['Request'] }, got null"])
  })
})
