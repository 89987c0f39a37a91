import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { Level } from '../src/schema/levels.js'
import { currentTraceparent, exportSpanContext, SpanStatus, withSpanContext, withTraceparent, type AttributeValue } from '../src/spans/index.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'
import { prng } from './helpers/seeded-random.js'

const ZERO = '00000000-0000-0000-0000-000000000000'

/** Start and Stop events per activity id. */
function spansOf(events: TraceEvent[]): Map<string, { start?: TraceEvent; stops: TraceEvent[] }> {
  const spans = new Map<string, { start?: TraceEvent; stops: TraceEvent[] }>()
  for (const e of events) {
    if (e.opcode !== 1 && e.opcode !== 2) continue
    const id = e.fields.activityId as string
    const entry = spans.get(id) ?? { stops: [] }
    if (e.opcode === 1) entry.start = e
    else entry.stops.push(e)
    spans.set(id, entry)
  }
  return spans
}

/** The reader's GUID text of 16 bytes given as hex (first three groups little-endian). */
function guidText(hex: string): string {
  return hex.replace(/^(..)(..)(..)(..)(..)(..)(..)(..)(....)(.{12})$/, '$4$3$2$1-$6$5-$8$7-$9-$10')
}

/** A span Start's attributes: its fields without the span's ids. */
function attributesOf(start: TraceEvent): Record<string, unknown> {
  const { activityId: _a, parentId: _p, traceId: _t, ...attributes } = start.fields
  return attributes
}

function byName(events: TraceEvent[], name: string, opcode: 1 | 2): TraceEvent[] {
  return events.filter((e) => e.name === name && e.opcode === opcode)
}

describe.each(BACKENDS)('spans (%s backend)', (backend) => {
  it('records a sync span as a Start/Stop pair with attributes, status ok and a duration', async () => {
    const file = tracePath('span-sync')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const result = tracer.span('Compute', () => 42, { actionId: 7, label: 'x', big: 5n, ok: true })
    await tracer.close()
    expect(result).toBe(42)
    const events = await readEvents(file)
    const [start] = byName(events, 'Compute', 1)
    const [stop] = byName(events, 'Compute', 2)
    expect(start!.fields).toMatchObject({ parentId: ZERO, actionId: 7, label: 'x', big: 5n, ok: true })
    expect(stop!.fields).toEqual({ activityId: start!.fields.activityId, status: SpanStatus.Ok, errorType: '', errorMessage: '' })
    expect(stop!.timestampNs).toBeGreaterThanOrEqual(start!.timestampNs)
  })

  it('nests children across await, timers, promises and event emitters', async () => {
    const file = tracePath('span-async')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const emitter = new EventEmitter()
    await tracer.span('Parent', async () => {
      await sleep(1)
      tracer.span('AfterAwait', () => {})
      await new Promise<void>((resolve) => setTimeout(() => { tracer.span('InTimer', () => {}); resolve() }, 1))
      await Promise.resolve().then(() => tracer.span('InThen', () => {}))
      const heard = new Promise<void>((resolve) => emitter.once('go', () => { tracer.span('InListener', () => {}); resolve() }))
      setImmediate(() => emitter.emit('go'))
      await heard
      await tracer.span('AsyncChild', async () => {
        await sleep(1)
        tracer.span('Grandchild', () => {})
      })
    })
    tracer.span('Sibling', () => {})
    await tracer.close()
    const events = await readEvents(file)
    const [parent] = byName(events, 'Parent', 1)
    const [asyncChild] = byName(events, 'AsyncChild', 1)
    for (const name of ['AfterAwait', 'InTimer', 'InThen', 'InListener', 'AsyncChild']) {
      const [start] = byName(events, name, 1)
      expect(start?.fields.parentId, name).toBe(parent!.fields.activityId)
      expect(start?.fields.traceId, name).toBe(parent!.fields.traceId)
    }
    expect(byName(events, 'Grandchild', 1)[0]!.fields.parentId).toBe(asyncChild!.fields.activityId)
    const [sibling] = byName(events, 'Sibling', 1)
    expect(sibling!.fields.parentId).toBe(ZERO)
    expect(sibling!.fields.traceId).not.toBe(parent!.fields.traceId)
    for (const [id, span] of spansOf(events)) {
      expect(span.start, id).toBeDefined()
      expect(span.stops, id).toHaveLength(1)
    }
  })

  it('records errors and rethrows them unchanged, sync and async', async () => {
    const file = tracePath('span-errors')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const boom = new TypeError('bad thing')
    expect(() => tracer.span('SyncFail', () => { throw boom })).toThrow(boom)
    await expect(tracer.span('AsyncFail', async () => { await sleep(1); throw boom })).rejects.toBe(boom)
    const odd = { get message(): string { throw new Error('getter') } }
    expect(() => tracer.span('OddFail', () => { throw odd })).toThrow()
    // A non-Error value, on purpose.
    expect(() => tracer.span('StringFail', () => { throw 'plain' })).toThrow()
    await tracer.close()
    const events = await readEvents(file)
    expect(byName(events, 'SyncFail', 2)[0]!.fields).toMatchObject({ status: SpanStatus.Error, errorType: 'TypeError', errorMessage: 'bad thing' })
    expect(byName(events, 'AsyncFail', 2)[0]!.fields).toMatchObject({ status: SpanStatus.Error, errorType: 'TypeError', errorMessage: 'bad thing' })
    expect(byName(events, 'OddFail', 2)[0]!.fields).toMatchObject({ status: SpanStatus.Error, errorType: 'Error', errorMessage: '(the error could not be read)' })
    expect(byName(events, 'StringFail', 2)[0]!.fields).toMatchObject({ status: SpanStatus.Error, errorType: 'string', errorMessage: 'plain' })
  })

  it('ends a manual span once; a second end is refused and records nothing', async () => {
    const file = tracePath('span-manual')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const span = tracer.startSpan('Manual', { n: 1 })
    const child = span.run(() => tracer.startSpan('Child'))
    expect(child.end()).toBe(true)
    expect(span.end()).toBe(true)
    expect(span.end()).toBe(false)
    expect(span.fail(new Error('late'))).toBe(false)
    tracer.startSpan('NeverEnded')
    await tracer.close()
    const events = await readEvents(file)
    expect(byName(events, 'Manual', 2)).toHaveLength(1)
    expect(byName(events, 'Child', 1)[0]!.fields.parentId).toBe(byName(events, 'Manual', 1)[0]!.fields.activityId)
    expect(byName(events, 'NeverEnded', 1)).toHaveLength(1)
    expect(byName(events, 'NeverEnded', 2)).toHaveLength(0)
  })

  it('records a span without attributes when an attribute getter throws, and still runs the work', async () => {
    const file = tracePath('span-getter')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const attributes = { get id(): number { throw new Error('getter') } }
    expect(tracer.span('Guarded', () => 'ran', attributes)).toBe('ran')
    await tracer.close()
    const [start] = byName(await readEvents(file), 'Guarded', 1)
    expect(Object.keys(start!.fields)).toEqual(['activityId', 'parentId', 'traceId'])
  })

  it('types attributes through defineSpan', async () => {
    const file = tracePath('span-typed')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const action = tracer.defineSpan('ProcessAction', [['actionId', t.u32], ['kind', t.str]])
    const value = await action.run(async () => { await sleep(1); return 'done' }, 7, 'fast')
    const manual = action.start(8, 'slow')
    manual.end()
    await tracer.close()
    expect(value).toBe('done')
    const starts = byName(await readEvents(file), 'ProcessAction', 1)
    expect(starts.map((s) => [s.fields.actionId, s.fields.kind])).toEqual([[7, 'fast'], [8, 'slow']])
  })

  it('takes span names and attribute keys as text, as OpenTelemetry does, and refuses control characters', async () => {
    const file = tracePath('span-names')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const query = tracer.defineSpan('db.query', [['db.table', t.str], ['db.rows', t.u32]])
    tracer.span('GET /users/:id', () => query.run(() => {}, 'users', 3), { 'http.route': '/users/:id', 'user id': 7 })
    const long = 'x'.repeat(256)
    for (const name of ['', 'a\nb', 'tab\there', 'nul\u0000', long]) {
      expect(() => tracer.span(name, () => 1)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT_NAME' }))
      expect(() => tracer.defineSpan(name, [])).toThrow(expect.objectContaining({ code: 'INVALID_EVENT_NAME' }))
      if (name !== '' && name !== long) {
        expect(() => tracer.defineSpan('ok', [[name, t.u8]])).toThrow(expect.objectContaining({ code: 'INVALID_FIELDS' }))
      }
    }
    expect(() => tracer.defineSpan('ok', [['', t.u8]])).toThrow(expect.objectContaining({ code: 'INVALID_FIELDS' }))
    // Events keep identifier names.
    expect(() => tracer.event('db.query', [])).toThrow(expect.objectContaining({ code: 'INVALID_EVENT_NAME' }))
    await tracer.close()
    const events = await readEvents(file)
    const [route] = byName(events, 'GET /users/:id', 1)
    const [db] = byName(events, 'db.query', 1)
    expect(route!.fields).toMatchObject({ 'http.route': '/users/:id', 'user id': 7 })
    expect(db!.fields).toMatchObject({ 'db.table': 'users', 'db.rows': 3, parentId: route!.fields.activityId })
    expect(byName(events, 'db.query', 2)).toHaveLength(1)
  })

  it('records nothing for a disabled span and attaches what runs inside it to the nearest recorded span', async () => {
    const file = tracePath('span-disabled')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file, level: Level.Info })
    const verbose = tracer.defineSpan('Verbose', [['n', t.u32]], { level: Level.Verbose })
    let inner: string | undefined
    const result = await tracer.span('Outer', async () => {
      const value = await verbose.run(async () => {
        await sleep(1)
        tracer.span('Inner', () => { inner = currentTraceparent() })
        return 5
      }, 1)
      const manual = verbose.start(2)
      expect(manual.isRecording).toBe(false)
      manual.run(() => tracer.span('InManual', () => {}))
      expect(manual.end()).toBe(true)
      expect(manual.end()).toBe(false)
      expect(manual.fail(new Error('late'))).toBe(false)
      return value
    })
    expect(result).toBe(5)
    // Enabled again: recorded as usual; turned off while it runs: still ended.
    tracer.setLevel(Level.Verbose)
    verbose.run(() => {}, 3)
    const turnedOff = verbose.run(async () => {
      tracer.setLevel(Level.Info)
      await sleep(1)
    }, 4)
    await turnedOff
    await tracer.close()
    const events = await readEvents(file)
    const [outer] = byName(events, 'Outer', 1)
    expect(byName(events, 'Inner', 1)[0]!.fields.parentId).toBe(outer!.fields.activityId)
    expect(byName(events, 'InManual', 1)[0]!.fields.parentId).toBe(outer!.fields.activityId)
    expect(byName(events, 'Verbose', 1).map((e) => e.fields.n)).toEqual([3, 4])
    expect(byName(events, 'Verbose', 2)).toHaveLength(2)
    expect(inner).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  })

  it('records each dynamic span with its own attributes while names and shapes interleave', async () => {
    const file = tracePath('span-shapes')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const expected: [string, Record<string, unknown>][] = []
    const span = (name: string, attributes?: Record<string, number | string | boolean>) => {
      tracer.span(name, () => {}, attributes)
      expected.push([name, attributes ?? {}])
    }
    for (let i = 0; i < 3; i++) {
      span('A', { n: i })
      span('A', { s: `x${i}` })
      span('B', { n: i, ok: i % 2 === 0 })
      span('A')
      span('A', { n: i + 0.5 })
      span('B', { ok: true, n: i })
    }
    await tracer.close()
    const starts = (await readEvents(file)).filter((e) => e.opcode === 1)
    expect(starts.map((e) => [e.name, attributesOf(e)])).toEqual(expected)
    // Key order is part of the shape: { ok, n } and { n, ok } are two kinds with their own field order.
    expect(Object.keys(attributesOf(starts[5]!))).toEqual(['ok', 'n'])
  })

  it('keeps dynamic span shapes apart whatever characters their keys hold', async () => {
    const file = tracePath('span-shape-keys')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    // The pair: joined as `key:type,...` both would be "a:str,b:f64".
    tracer.span('s', () => {}, { 'a:str,b': 1 })
    tracer.span('s', () => {}, { a: 'x', b: 2 })
    // Seeded shapes over the characters a separator would use, in random order, each in turn.
    const seed = 0x5eed
    const random = prng(seed)
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
    const parts = ['a', 'b', ':', ',', 'str', 'f64', 'bool', '=', ';', '|', ' ', '\u00e9']
    const values = [1.5, 'x', true, 7n, Uint8Array.of(9)]
    const shapes = Array.from({ length: 40 }, () => {
      const attributes: Record<string, AttributeValue> = {}
      const count = Math.floor(random() * 4)
      for (let i = 0; i < count; i++) attributes[Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(parts)).join('')] = pick(values)
      return attributes
    })
    const expected: Record<string, unknown>[] = [{ 'a:str,b': 1 }, { a: 'x', b: 2 }]
    for (let round = 0; round < 3; round++) {
      for (const attributes of shapes) {
        tracer.span('s', () => {}, attributes)
        tracer.startSpan('s', attributes).end()
        expected.push(attributes, attributes)
      }
    }
    await tracer.close()
    const starts = byName(await readEvents(file), 's', 1).map(attributesOf)
    expect(starts, `shapes from seed ${seed}`).toEqual(expected)
  })

  it('records every attribute value type of a dynamic span, by tracer.span() and startSpan()', async () => {
    const file = tracePath('span-dynamic-types')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const attributes = {
      n: 1.5, nan: Number.NaN, negZero: -0, int: 2 ** 53, big: -(2n ** 63n), wide: 2n ** 64n - 1n, yes: true, no: false,
      s: 'héllo € 😀', empty: '', bin: Uint8Array.of(0, 1, 255), none: new Uint8Array(0), nil: null, undef: undefined,
      guidText: '11111111-2222-3333-4444-555555555555',
    }
    const asRecorded = {
      ...attributes, big: -(2n ** 63n), wide: -1n, nil: 'null', undef: 'undefined',
    }
    tracer.span('Dynamic', () => {}, attributes)
    tracer.startSpan('Dynamic', attributes).end()
    await tracer.close()
    const starts = byName(await readEvents(file), 'Dynamic', 1).map(attributesOf)
    expect(starts).toEqual([asRecorded, asRecorded])
    expect(Object.is(starts[0]!.negZero, -0)).toBe(true)
  })

  it('ends a span once whatever a hand-made thenable does, and records a throwing then as the error', async () => {
    const file = tracePath('span-thenables')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const both = { then(ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) { ok(1); fail(new Error('late')); ok(2) } }
    // Its then runs our callbacks at once: the rejection handler's rethrow comes back through it.
    expect(() => tracer.span('Both', () => both)).toThrow('late')
    const throwing = { then() { throw new RangeError('then threw') } }
    expect(() => tracer.span('ThenThrows', () => throwing)).toThrow(RangeError)
    const getter = { get then(): unknown { throw new TypeError('then getter') } }
    expect(() => tracer.span('GetterThrows', () => getter)).toThrow(TypeError)
    const plain = { value: 3 }
    expect(tracer.span('PlainObject', () => plain)).toBe(plain)
    await tracer.close()
    const events = await readEvents(file)
    const stops = (name: string) => byName(events, name, 2).map((e) => [e.fields.status, e.fields.errorType, e.fields.errorMessage])
    expect(stops('Both')).toEqual([[SpanStatus.Ok, '', '']])
    expect(stops('ThenThrows')).toEqual([[SpanStatus.Error, 'RangeError', 'then threw']])
    expect(stops('GetterThrows')).toEqual([[SpanStatus.Error, 'TypeError', 'then getter']])
    expect(stops('PlainObject')).toEqual([[SpanStatus.Ok, '', '']])
  })

  it('continues a W3C traceparent and emits the current one', async () => {
    const file = tracePath('span-traceparent')
    const tracer = createTracer({ provider: 'Test.Spans', backend, file })
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    let outgoing: string | undefined
    withTraceparent(incoming, () => tracer.span('Handle', () => { outgoing = currentTraceparent() }))
    expect(currentTraceparent()).toBeUndefined()
    await tracer.close()
    const [start] = byName(await readEvents(file), 'Handle', 1)
    expect(start!.fields.traceId).toBe(guidText('4bf92f3577b34da6a3ce929d0e0e4736'))
    // The parent's activity id: its span id, then the trace id's first 8 bytes.
    expect(start!.fields.parentId).toBe(guidText('00f067aa0ba902b7' + '4bf92f3577b34da6'))
    expect(outgoing).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    const spanId = outgoing!.split('-')[2]!
    expect(spanId).not.toBe('00f067aa0ba902b7')
    expect(start!.fields.activityId).toBe(guidText(spanId + '4bf92f3577b34da6'))
    expect(() => withTraceparent('garbage', () => 1)).toThrow(/traceparent/)
  })
})

describe('span contexts handed across threads', () => {
  it('continues an exported context with the same ids', () => {
    const tracer = createTracer({ provider: 'Test.Spans', backend: 'js', flushOnExit: false })
    let exported: ReturnType<typeof exportSpanContext>
    let parentHeader: string | undefined
    tracer.span('Exporter', () => {
      exported = exportSpanContext()
      parentHeader = currentTraceparent()
    })
    expect(exported!.activityId.slice(16)).toBe(exported!.traceId.slice(0, 16))
    expect(withSpanContext(exported!, () => currentTraceparent())).toBe(parentHeader)
    void tracer.close()
  })

  it('refuses a context it could not record as a parent, with a typed error', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const bad = [
      undefined,
      { traceId, activityId: 'zz' },
      { traceId: '0'.repeat(32), activityId: '00f067aa0ba902b7' + '0'.repeat(16) },
      { traceId, activityId: '0'.repeat(16) + traceId.slice(0, 16) },
      { traceId, activityId: '00f067aa0ba902b7' + 'ffffffffffffffff' },
    ]
    for (const context of bad) {
      expect(() => withSpanContext(context as never, () => 1)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    }
  })
})

describe('spans across worker threads (native backend)', () => {
  it('continues the main thread span in a worker from its exported context', async () => {
    const file = tracePath('span-worker')
    const tracer = createTracer({ provider: 'Test.Spans', backend: 'native', file })
    await tracer.span('Dispatch', async () => {
      const worker = new Worker(join(__dirname, 'fixtures', 'span-worker.js'), { workerData: { file, context: exportSpanContext() } })
      await new Promise((resolve, reject) => { worker.on('exit', resolve); worker.on('error', reject) })
    })
    await tracer.close()
    const events = await readEvents(file)
    const [dispatch] = byName(events, 'Dispatch', 1)
    const [work] = byName(events, 'WorkerTask', 1)
    expect(work!.fields.parentId).toBe(dispatch!.fields.activityId)
    expect(work!.fields.traceId).toBe(dispatch!.fields.traceId)
    expect(work!.thread.isMainThread).toBe(false)
  })
})
