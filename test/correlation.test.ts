// Correlated events (TracerOptions.correlate): every event records the ids of the span current
// when it was traced, and the reader gives them as TraceEvent.traceId / spanId. The ids are
// checked against the span records the tracer wrote: the Start's traceId, and the first 8 bytes
// of its activityId (the span id).

import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { readCapture } from '../src/etw/capture-reader.js'
import { ChunkType } from '../src/format/file-layout.js'
import { ChunkSource } from '../src/reader/chunk-source.js'
import { TraceReader } from '../src/reader/trace-reader.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { t } from '../src/schema/field-type-tokens.js'
import { Level } from '../src/schema/levels.js'
import { withTraceparent } from '../src/spans/index.js'
import { createTracer } from '../src/tracer.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

/** The 16 bytes of a GUID as the reader shows it, in hex: its first three groups are little-endian. */
function guidHex(text: string): string {
  return text.replace(/^(..)(..)(..)(..)-(..)(..)-(..)(..)-(....)-(.{12})$/, '$4$3$2$1$6$5$8$7$9$10')
}

interface Ids {
  traceId?: string
  spanId?: string
}

/** A span's ids as its Start record holds them. */
function idsOfStart(start: TraceEvent): Ids {
  return { traceId: guidHex(start.fields.traceId as string), spanId: guidHex(start.fields.activityId as string).slice(0, 16) }
}

/** The span's ids, found by its name (and `filter`) among the Start records. */
function startIds(events: TraceEvent[], name: string, filter: (start: TraceEvent) => boolean = () => true): Ids {
  const starts = events.filter((e) => e.name === name && e.opcode === 1 && filter(e))
  expect(starts, `one Start of ${name}`).toHaveLength(1)
  return idsOfStart(starts[0]!)
}

/** What a test compares of an event: its fields and ids (absent ids left out). */
function seen(event: TraceEvent): { fields: TraceEvent['fields'] } & Ids {
  return { fields: event.fields, ...(event.traceId === undefined ? {} : { traceId: event.traceId, spanId: event.spanId }) }
}

function named(events: TraceEvent[], name: string): TraceEvent[] {
  return events.filter((e) => e.name === name)
}

/** The SCHEMA chunks of a file as JSON, in file order. */
async function schemaChunks(path: string): Promise<Record<string, unknown>[]> {
  const source = await ChunkSource.open(path)
  const out: Record<string, unknown>[] = []
  try {
    for (let chunk = await source.next(); chunk !== undefined; chunk = await source.next()) {
      if (chunk.type === ChunkType.Schema) out.push(JSON.parse(chunk.bytes.toString('utf8', chunk.start, chunk.start + chunk.length)))
    }
  } finally {
    await source.close()
  }
  return out
}

describe.each(BACKENDS)('correlated events (%s backend)', (backend) => {
  it('gives an event traced in span(), a typed span and a nested span exactly that span\'s ids', async () => {
    const file = tracePath('correlate-spans')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const step = tracer.event('Step', [['n', t.u32]])
    const typed = tracer.defineSpan('Typed', [['id', t.u32]])
    tracer.span('Plain', () => {
      step(1)
      tracer.span('Nested', () => step(2))
      typed.run(() => step(3), 7)
      step(4)
    })
    await tracer.close()
    const events = await readEvents(file)
    const plain = startIds(events, 'Plain')
    const nested = startIds(events, 'Nested')
    const typedIds = startIds(events, 'Typed')
    expect(named(events, 'Step').map(seen)).toEqual([
      { fields: { n: 1 }, ...plain },
      { fields: { n: 2 }, ...nested },
      { fields: { n: 3 }, ...typedIds },
      { fields: { n: 4 }, ...plain },
    ])
    expect(new Set([plain.spanId, nested.spanId, typedIds.spanId]).size).toBe(3)
    expect(new Set([plain.traceId, nested.traceId, typedIds.traceId])).toEqual(new Set([plain.traceId]))
  })

  it('keeps a span\'s ids across await and setTimeout, and inside startSpan().run()', async () => {
    const file = tracePath('correlate-async')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const step = tracer.event('Step', [['n', t.u32]])
    await tracer.span('Outer', async () => {
      step(1)
      await sleep(1)
      step(2)
      await new Promise<void>((resolve) => setTimeout(() => { step(3); resolve() }, 1))
      await tracer.span('Inner', async () => {
        await Promise.resolve()
        step(4)
      })
      step(5)
    })
    const manual = tracer.startSpan('Manual')
    manual.run(() => step(6))
    await manual.run(async () => {
      await sleep(1)
      step(7)
    })
    manual.end()
    const typed = tracer.defineSpan('TypedManual', []).start()
    typed.run(() => step(8))
    typed.end()
    await tracer.close()
    const events = await readEvents(file)
    const outer = startIds(events, 'Outer')
    const inner = startIds(events, 'Inner')
    const manualIds = startIds(events, 'Manual')
    expect(manualIds).toEqual({ traceId: manual.traceId, spanId: manual.spanId })
    const typedIds = startIds(events, 'TypedManual')
    expect(named(events, 'Step').map(seen)).toEqual([
      { fields: { n: 1 }, ...outer },
      { fields: { n: 2 }, ...outer },
      { fields: { n: 3 }, ...outer },
      { fields: { n: 4 }, ...inner },
      { fields: { n: 5 }, ...outer },
      { fields: { n: 6 }, ...manualIds },
      { fields: { n: 7 }, ...manualIds },
      { fields: { n: 8 }, ...typedIds },
    ])
  })

  it('records no ids for an event traced outside any span, and none of the context among its fields', async () => {
    const file = tracePath('correlate-outside')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const step = tracer.event('Step', [['n', t.u32], ['label', t.str]])
    step(1, 'before')
    await tracer.span('Between', async () => {})
    await sleep(1)
    step(2, 'after')
    await tracer.close()
    const events = named(await readEvents(file), 'Step')
    expect(events.map(seen)).toEqual([{ fields: { n: 1, label: 'before' } }, { fields: { n: 2, label: 'after' } }])
    expect(events.map((e) => ['traceId' in e, 'spanId' in e])).toEqual([[false, false], [false, false]])
  })

  it('gives each of several interleaved async spans its own ids', async () => {
    const file = tracePath('correlate-interleaved')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const step = tracer.event('Step', [['job', t.u32], ['step', t.u32]])
    const JOBS = 6
    await Promise.all(Array.from({ length: JOBS }, (_, job) => tracer.span('Job', async () => {
      // Every job runs step 0 before any runs step 1 (setImmediate), and step 2 in the reverse
      // order of job numbers (timers of decreasing length): the ring interleaves them.
      step(job, 0)
      await new Promise((resolve) => setImmediate(resolve))
      step(job, 1)
      await sleep(2 * (JOBS - job))
      step(job, 2)
    }, { job })))
    step(JOBS, 0)
    await tracer.close()
    const events = await readEvents(file)
    const steps = named(events, 'Step')
    const ids = Array.from({ length: JOBS }, (_, job) => startIds(events, 'Job', (s) => s.fields.job === job))
    const expected = steps.map((e) => {
      const job = e.fields.job as number
      return { fields: e.fields, ...(job < JOBS ? ids[job] : {}) }
    })
    expect(steps.map(seen)).toEqual(expected)
    expect(steps.map((e) => e.fields.job).slice(0, JOBS * 2)).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5])
    expect(new Set(ids.map((i) => i.spanId)).size).toBe(JOBS)
  })

  it('records the ids of a remote parent from a traceparent header, and of the nearest recorded span', async () => {
    const file = tracePath('correlate-remote')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true, level: Level.Info })
    const step = tracer.event('Step', [['n', t.u32]])
    const verbose = tracer.defineSpan('NotRecorded', [], { level: Level.Verbose })
    withTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', () => {
      step(1)
      tracer.span('Local', () => verbose.run(() => step(2)))
    })
    await tracer.close()
    const events = await readEvents(file)
    expect(named(events, 'NotRecorded')).toEqual([])
    expect(named(events, 'Step').map(seen)).toEqual([
      { fields: { n: 1 }, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
      { fields: { n: 2 }, ...startIds(events, 'Local') },
    ])
  })

  it('correlates EventBuilder events, with and without activity ids of their own', async () => {
    const file = tracePath('correlate-builder')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const eb = tracer.eventBuilder()
    const activity = '11111111-2222-3333-4444-555555555555'
    tracer.span('Building', () => {
      eb.reset('Dynamic', Level.Info, 0).addU32('n', 1).addStr('s', 'x').write()
      eb.reset('Dynamic', Level.Info, 0).addU32('n', 2).addStr('s', 'y').write(activity)
    })
    eb.reset('Dynamic', Level.Info, 0).addU32('n', 3).addStr('s', 'z').write()
    await tracer.close()
    const events = await readEvents(file)
    const building = startIds(events, 'Building')
    expect(named(events, 'Dynamic').map(seen)).toEqual([
      { fields: { n: 1, s: 'x' }, ...building },
      { fields: { activityId: activity, n: 2, s: 'y' }, ...building },
      { fields: { n: 3, s: 'z' } },
    ])
  })

  it('writes the span context as the first two fields of a correlated SCHEMA, and leaves span records alone', async () => {
    const file = tracePath('correlate-schema')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    tracer.event('Step', [['n', t.u32]], { level: Level.Warning })(1)
    tracer.span('Around', () => {})
    await tracer.close()
    const schemas = await schemaChunks(file)
    expect(schemas.map(({ name, fields, context, span }) => ({ name, fields, context, span }))).toEqual([
      { name: 'Step', context: 'span', span: undefined, fields: [{ name: 'trace.id', type: 'guid' }, { name: 'span.id', type: 'u64' }, { name: 'n', type: 'u32' }] },
      { name: 'Around', context: undefined, span: 'start', fields: [{ name: 'activityId', type: 'guid' }, { name: 'parentId', type: 'guid' }, { name: 'traceId', type: 'guid' }] },
      { name: 'Around', context: undefined, span: 'stop', fields: [{ name: 'activityId', type: 'guid' }, { name: 'status', type: 'u8' }, { name: 'errorType', type: 'str' }, { name: 'errorMessage', type: 'str' }] },
    ])
    // The reader hides the context fields and says the schema is correlated.
    const reader = new TraceReader(file)
    const found: { name: string; context: unknown; fields: unknown }[] = []
    for await (const batch of reader.batches()) {
      for (const item of batch) {
        if (item.kind !== 'event') continue
        const schema = reader.schemaOf(item)!
        found.push({ name: item.name, context: schema.context, fields: schema.fields })
      }
    }
    expect(found[0]).toEqual({ name: 'Step', context: 'span', fields: [{ name: 'n', type: 'u32' }] })
    expect(found.slice(1).map((f) => f.context)).toEqual([undefined, undefined])
  })

  it('records neither ids nor extra fields when correlate is off, the default without export', async () => {
    const file = tracePath('correlate-off')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file })
    const step = tracer.event('Step', [['n', t.u32]])
    tracer.span('Around', () => step(1))
    const eb = tracer.eventBuilder()
    tracer.span('Around', () => eb.reset('Dynamic', Level.Info, 0).addU32('n', 2).write())
    await tracer.close()
    const events = await readEvents(file)
    expect([...named(events, 'Step'), ...named(events, 'Dynamic')].map(seen)).toEqual([{ fields: { n: 1 } }, { fields: { n: 2 } }])
    const schemas = (await schemaChunks(file)).filter((s) => s.span === undefined)
    expect(schemas).toEqual([
      { stream: tracer.stream, id: 1, name: 'Step', level: 4, keyword: '0x0', opcode: 0, clock: 'precise', fields: [{ name: 'n', type: 'u32' }] },
      { stream: tracer.stream, id: 4, name: 'Dynamic', level: 4, keyword: '0x0', opcode: 0, clock: 'precise', fields: [{ name: 'n', type: 'u32' }] },
    ])
  })

  it('takes any event field name: the context fields\' names are not identifiers, so none can clash', async () => {
    const file = tracePath('correlate-names')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const own = tracer.event('OwnIds', [['traceId', t.str], ['spanId', t.u64]])
    tracer.span('Around', () => own('mine', 5n))
    expect(() => tracer.event('Clash', [['trace.id', t.guid]])).toThrow(expect.objectContaining({ code: 'INVALID_FIELDS' }))
    expect(() => tracer.eventBuilder().reset('Clash', Level.Info, 0).addU64('span.id', 1n))
      .toThrow(expect.objectContaining({ code: 'INVALID_FIELDS' }))
    await tracer.close()
    const events = await readEvents(file)
    expect(named(events, 'OwnIds').map(seen)).toEqual([{ fields: { traceId: 'mine', spanId: 5n }, ...startIds(events, 'Around') }])
  })

  it('refuses a correlated event of more than 126 fields with TOO_MANY_FIELDS', async () => {
    const tracer = createTracer({ provider: 'Test.Correlate', backend, correlate: true })
    const fields = (count: number) => Array.from({ length: count }, (_, i) => [`f${i}`, t.u8] as const)
    expect(tracer.event('Widest', fields(126)).eventName).toBe('Widest')
    expect(() => tracer.event('TooWide', fields(127))).toThrow(expect.objectContaining({
      code: 'TOO_MANY_FIELDS',
      message: 'ringtrace: event TooWide has 127 fields; with correlate the limit is 126 (the span\'s ids take 2 of ETW\'s 128)',
    }))
    await tracer.close()
  })

  it('reads the ids whether or not fields are decoded', async () => {
    const file = tracePath('correlate-no-fields')
    const tracer = createTracer({ provider: 'Test.Correlate', backend, file, correlate: true })
    const step = tracer.event('Step', [['n', t.u32]])
    tracer.span('Around', () => step(1))
    step(2)
    await tracer.close()
    const events = await readEvents(file)
    const reader = new TraceReader(file, { decodeFields: false })
    const ids: Ids[] = []
    for await (const batch of reader.batches()) {
      for (const item of batch) if (item.kind === 'event' && item.name === 'Step') ids.push({ traceId: item.traceId, spanId: item.spanId })
    }
    expect(ids).toEqual([startIds(events, 'Around'), { traceId: undefined, spanId: undefined }])
  })
})

describe('createTracer({ correlate })', () => {
  it('must be a boolean', () => {
    expect(() => createTracer({ provider: 'Test.Correlate', backend: 'js', correlate: 1 as never })).toThrow(expect.objectContaining({
      code: 'INVALID_OPTION', message: 'ringtrace: correlate must be a boolean, got 1',
    }))
  })
})

describe('correlated events with etw.capture (native backend)', () => {
  it('reach ETW with the span context as two ordinary payload fields', async () => {
    const file = tracePath('correlate-etw')
    const capture = file.replace(/\.rtrc$/, '.etwcap')
    const tracer = createTracer({ provider: 'Test.Correlate', backend: 'native', file, etw: { capture }, correlate: true })
    const step = tracer.event('Step', [['n', t.u32]])
    tracer.span('Around', () => step(1))
    step(2)
    await tracer.close()
    const events = await readEvents(file)
    const etw = readCapture(new Uint8Array(readFileSync(capture)))
    const around = startIds(events, 'Around')
    const start = named(events, 'Around')[0]!
    // u64 span.id: its little-endian bytes are the span id's.
    const spanIdNumber = Buffer.from(around.spanId!, 'hex').readBigUInt64LE(0)
    expect(etw.events.filter((e) => e.name === 'Step').map((e) => ({ activityId: e.activityId, fields: e.fields }))).toEqual([
      { activityId: null, fields: { 'trace.id': start.fields.traceId, 'span.id': spanIdNumber, n: 1 } },
      { activityId: null, fields: { 'trace.id': '00000000-0000-0000-0000-000000000000', 'span.id': 0n, n: 2 } },
    ])
  })
})

describe('span kinds', () => {
  it('records a typed span\'s kind in its Start SCHEMA; span() and startSpan() spans are internal', async () => {
    const file = tracePath('span-kinds')
    const tracer = createTracer({ provider: 'Test.Correlate', backend: 'js', file })
    tracer.defineSpan('Serve', [], { kind: 'server' }).run(() => {})
    tracer.defineSpan('Call', [['n', t.u32]], { kind: 'client', level: Level.Info }).run(() => {}, 1)
    tracer.defineSpan('Default', []).run(() => {})
    tracer.span('Dynamic', () => {})
    tracer.startSpan('Manual').end()
    await tracer.close()
    const schemas = await schemaChunks(file)
    expect(schemas.map(({ name, span, spanKind }) => [name, span, spanKind])).toEqual([
      ['Serve', 'start', 'server'], ['Serve', 'stop', undefined],
      ['Call', 'start', 'client'], ['Call', 'stop', undefined],
      ['Default', 'start', 'internal'], ['Default', 'stop', undefined],
      ['Dynamic', 'start', 'internal'], ['Dynamic', 'stop', undefined],
      ['Manual', 'start', 'internal'], ['Manual', 'stop', undefined],
    ])
    const reader = new TraceReader(file)
    const kinds: [string, number, unknown][] = []
    for await (const batch of reader.batches()) {
      for (const item of batch) if (item.kind === 'event') kinds.push([item.name, item.opcode, reader.schemaOf(item)!.spanKind])
    }
    expect(kinds).toEqual(schemas.map(({ name, span, spanKind }) => [name, span === 'start' ? 1 : 2, spanKind]))
  })

  it('takes every OpenTelemetry kind and refuses others with INVALID_OPTION naming kind', async () => {
    const tracer = createTracer({ provider: 'Test.Correlate', backend: 'js' })
    for (const kind of ['internal', 'server', 'client', 'producer', 'consumer'] as const) {
      expect(tracer.defineSpan(`Kind_${kind}`, [], { kind }).spanName).toBe(`Kind_${kind}`)
    }
    expect(() => tracer.defineSpan('Bad', [], { kind: 'SERVER' as never })).toThrow(expect.objectContaining({
      code: 'INVALID_OPTION',
      message: "ringtrace: kind must be one of 'internal', 'server', 'client', 'producer', 'consumer', got \"SERVER\"",
    }))
    expect(() => tracer.defineSpan('Bad', [], { kind: 2 as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => tracer.defineSpan('Bad', [], { knd: 'server' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    await tracer.close()
  })
})
