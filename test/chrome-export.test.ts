// The Chrome export is checked with ajv against a JSON schema written here from the public
// Trace Event Format document (no validator package for the format exists on npm, and
// Perfetto's trace_processor downloads a binary), then event by event. Chrome DevTools' own trace
// engine reads it too: chrome-export-devtools.test.ts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv from 'ajv'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import { ChromeTraceEncoder } from '../src/exporters/index.js'
import { WALL_NS } from './fixtures/trace-builder.js'
import { MAIN, SpanScript, TRACE_ID, WORKER, requestScript, spanId, startEvent, stopEvent, writeSpanTrace, type SpanSpec } from './fixtures/span-traces.js'
import type { TraceEvent, TraceThread } from '../src/reader/trace-items.js'
import { Capture } from './helpers/capture.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-chrome-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const id = { type: 'integer', minimum: 0 }
const time = { type: 'number' }
const args = { type: 'object' }
const common = { name: { type: 'string' }, cat: { type: 'string' }, pid: id, tid: id, args }
// Async ids: `id`, or `id2` with exactly one of a process-scoped `local` or a `global` id.
const asyncId = { type: ['string', 'integer'] }
const id2 = {
  type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: false,
  properties: { local: asyncId, global: asyncId },
}
const TRACE_EVENT_FORMAT = {
  type: 'object',
  required: ['traceEvents'],
  properties: {
    displayTimeUnit: { enum: ['ms', 'ns'] },
    otherData: { type: 'object' },
    traceEvents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ph'],
        properties: { ph: { type: 'string', minLength: 1, maxLength: 1 } },
        allOf: [
          { if: { properties: { ph: { const: 'X' } } },
            then: { required: ['name', 'ts', 'dur', 'pid', 'tid'], properties: { ...common, ts: time, dur: { type: 'number', minimum: 0 } } } },
          { if: { properties: { ph: { enum: ['B', 'E'] } } },
            then: { required: ['ts', 'pid', 'tid'], properties: { ...common, ts: time } } },
          // Nestable async: cat and an id (never both id and id2) tie the events to one async track.
          { if: { properties: { ph: { enum: ['b', 'e', 'n'] } } },
            then: {
              required: ['cat', 'ts', 'pid'],
              properties: { ...common, ts: time, id: asyncId, id2 },
              oneOf: [{ required: ['id'] }, { required: ['id2'] }],
            } },
          { if: { properties: { ph: { enum: ['b', 'n'] } } }, then: { required: ['name'] } },
          { if: { properties: { ph: { enum: ['i', 'I'] } } },
            then: { required: ['name', 'ts', 'pid'], properties: { ...common, ts: time, s: { enum: ['g', 'p', 't'] } } } },
          { if: { properties: { ph: { const: 'M' } } },
            then: {
              required: ['name', 'pid', 'args'],
              properties: {
                ...common,
                name: { enum: ['process_name', 'process_labels', 'process_sort_index', 'thread_name', 'thread_sort_index'] },
                args: { type: 'object' },
              },
            } },
          { properties: { ph: { enum: ['X', 'B', 'E', 'b', 'e', 'n', 'i', 'I', 'M'] } } },
        ],
      },
    },
  },
}
const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(TRACE_EVENT_FORMAT)

interface ChromeEvent {
  name: string
  cat?: string
  ph: string
  ts?: number
  dur?: number
  pid: number
  tid?: number
  s?: string
  id2?: { local?: string; global?: string }
  args: Record<string, unknown>
}

interface ChromeTrace {
  traceEvents: ChromeEvent[]
  displayTimeUnit: string
  otherData: Record<string, unknown>
}

function parseValid(text: string): ChromeTrace {
  const json: unknown = JSON.parse(text)
  if (!validate(json)) throw new Error(`not Trace Event Format: ${JSON.stringify(validate.errors, null, 2)}`)
  const trace = json as unknown as ChromeTrace
  checkThreadNesting(trace)
  checkAsyncNesting(trace)
  return trace
}

/** Ends compared with a picosecond of slack: ts + dur is float arithmetic on µs. */
const SLACK = 1e-6

interface Slice { name: string; ts: number; end: number }

/** Slices sorted by start, longer first at equal starts, must each end within the enclosing one. */
function checkLaminar(track: string, slices: Slice[]): void {
  slices.sort((a, b) => a.ts - b.ts || b.end - a.end)
  const open: Slice[] = []
  for (const slice of slices) {
    while (open.length !== 0 && open[open.length - 1].end <= slice.ts + SLACK) open.pop()
    const parent = open[open.length - 1]
    if (parent !== undefined && slice.end > parent.end + SLACK) {
      throw new Error(`${track}: ${slice.name} [${slice.ts}, ${slice.end}] overlaps ${parent.name} [${parent.ts}, ${parent.end}] without nesting`)
    }
    open.push(slice)
  }
}

/** Per (pid, tid): the X slices, and the B slices that never end, nest. */
function checkThreadNesting(trace: ChromeTrace): void {
  const tracks = new Map<string, Slice[]>()
  for (const e of trace.traceEvents) {
    if (e.ph === 'E') throw new Error('the exporter writes no E events')
    if (e.ph !== 'X' && e.ph !== 'B') continue
    const key = `${e.pid}:${e.tid}`
    if (!tracks.has(key)) tracks.set(key, [])
    tracks.get(key)!.push({ name: e.name, ts: e.ts!, end: e.ph === 'X' ? e.ts! + e.dur! : Infinity })
  }
  for (const [key, slices] of tracks) checkLaminar(`thread ${key}`, slices)
}

function asyncTrack(e: ChromeEvent): string {
  return `${e.pid}/${e.cat}/${JSON.stringify(e.id2)}`
}

/**
 * Per async track (pid, cat, id2): by time, each e closes the innermost open b of its name
 * (e before b at equal times), what is left open is marked unterminated, and the slices nest.
 * Returns the slices by track.
 */
function checkAsyncNesting(trace: ChromeTrace): Map<string, Slice[]> {
  const events = new Map<string, ChromeEvent[]>()
  for (const e of trace.traceEvents) {
    if (e.ph !== 'b' && e.ph !== 'e') continue
    expect(e.cat).toBe('span')
    expect(typeof e.id2?.local).toBe('string')
    const key = asyncTrack(e)
    if (!events.has(key)) events.set(key, [])
    events.get(key)!.push(e)
  }
  const tracks = new Map<string, Slice[]>()
  for (const [key, list] of events) {
    list.sort((a, b) => a.ts! - b.ts! || (a.ph === b.ph ? 0 : a.ph === 'e' ? -1 : 1))
    const open: ChromeEvent[] = []
    const slices: Slice[] = []
    for (const e of list) {
      if (e.ph === 'b') {
        open.push(e)
        continue
      }
      const begin = open.pop()
      if (begin === undefined || begin.name !== e.name) throw new Error(`${key}: e of ${e.name} at ${e.ts} closes ${begin?.name}`)
      slices.push({ name: e.name, ts: begin.ts!, end: e.ts! })
    }
    for (const begin of open) {
      if (begin.args.unterminated !== true) throw new Error(`${key}: b of ${begin.name} at ${begin.ts} never ends`)
      slices.push({ name: begin.name, ts: begin.ts!, end: Infinity })
    }
    checkLaminar(`async ${key}`, slices)
    tracks.set(key, slices)
  }
  return tracks
}

async function exportChrome(path: string): Promise<{ code: number; out: string; err: string; writes: number }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(['export', path, '--format', 'chrome'], { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text, writes: stdout.writes }
}

describe('ringtrace export --format chrome', () => {
  it('writes spans as complete events with ids, attributes and status in args', async () => {
    const path = writeSpanTrace(dir, 'request.rtrc', requestScript().items())
    const { code, out, err } = await exportChrome(path)
    expect(err).toBe('')
    expect(code).toBe(0)
    const trace = parseValid(out)
    expect(trace.displayTimeUnit).toBe('ns')
    expect(trace.otherData.originNs).toBe(String(WALL_NS))
    const spans = trace.traceEvents.filter((e) => e.ph === 'X')
    expect(spans.map((e) => e.name).sort()).toEqual(['auth', 'cache', 'render', 'request'])
    const request = spans.find((e) => e.name === 'request')!
    expect(request).toMatchObject({ cat: 'span', ts: 0, dur: 1000, pid: 4242, tid: MAIN.id })
    expect(request.args).toEqual({
      route: '/users', port: 8080, activityId: spanId(1), parentId: '00000000-0000-0000-0000-000000000000',
      traceId: '0af76519-16cd-43dd-8448-eb211c80319c', status: 'ok',
    })
    // The query runs on the worker under a request on main: an async slice on the trace's lane there.
    const lane = { local: `${TRACE_ID}@${WORKER.id}` }
    expect(trace.traceEvents.filter((e) => e.name === 'query')).toEqual([
      { name: 'query', cat: 'span', ph: 'b', ts: 120, id2: lane, pid: 4242, tid: WORKER.id, args: expect.objectContaining({ sql: 'SELECT 1', status: 'ok' }) },
      { name: 'query', cat: 'span', ph: 'e', ts: 700, id2: lane, pid: 4242, tid: WORKER.id },
    ])
    expect(spans.find((e) => e.name === 'render')!.args).toMatchObject({ status: 'error', errorType: 'TypeError', errorMessage: 'x is undefined' })
  })

  it('writes plain events as thread instants and names the process and threads', async () => {
    const path = writeSpanTrace(dir, 'names.rtrc', requestScript().items())
    const trace = parseValid((await exportChrome(path)).out)
    expect(trace.traceEvents.find((e) => e.name === 'log')).toMatchObject({ ph: 'i', s: 't', ts: 500, tid: MAIN.id, args: { message: 'halfway' } })
    const meta = trace.traceEvents.filter((e) => e.ph === 'M')
    expect(meta).toContainEqual({ name: 'process_name', ph: 'M', pid: 4242, tid: 0, args: { name: 'span-test' } })
    expect(meta).toContainEqual({ name: 'thread_name', ph: 'M', pid: 4242, tid: MAIN.id, args: { name: 'main' } })
    expect(meta).toContainEqual({ name: 'thread_name', ph: 'M', pid: 4242, tid: WORKER.id, args: { name: 'worker-1' } })
    // Each thread is named once, before its first event.
    const first = trace.traceEvents.findIndex((e) => e.tid === WORKER.id)
    expect(trace.traceEvents[first].name).toBe('thread_name')
    expect(meta.filter((e) => e.tid === WORKER.id)).toHaveLength(1)
  })

  it('keeps nanoseconds as fractions of a microsecond', async () => {
    const items = new SpanScript().span('tiny', spanId(1), 1234, 5678).items()
    const trace = parseValid((await exportChrome(writeSpanTrace(dir, 'ns.rtrc', items))).out)
    expect(trace.traceEvents.find((e) => e.ph === 'X')).toMatchObject({ ts: 1.234, dur: 4.444 })
  })

  it('writes a span without a Stop as a begin event and a Stop without a Start as an instant', async () => {
    const items = new SpanScript()
      .start('open', spanId(4), 0)
      .span('inside', spanId(5), 1_000, 2_000, { parent: spanId(4) })
      .span('ok', spanId(1), 5_000, 100_000, { parent: spanId(4) })
      .start('hung', spanId(2), 10_000, { parent: spanId(1) })
      .stop('ghost', spanId(3), 20_000, { status: 2, errorType: 'Error', errorMessage: 'gone' })
      .items()
    const { code, out } = await exportChrome(writeSpanTrace(dir, 'bad.rtrc', items))
    expect(code).toBe(0)
    const trace = parseValid(out)
    // Nothing encloses 'open': a B with no E, running to the end around what it holds.
    expect(trace.traceEvents.find((e) => e.name === 'open')).toMatchObject({ ph: 'B', ts: 0, tid: MAIN.id, args: { unterminated: true } })
    expect(trace.traceEvents.find((e) => e.name === 'inside')).toMatchObject({ ph: 'X', ts: 1, dur: 1 })
    expect(trace.traceEvents.find((e) => e.name === 'ok')).toMatchObject({ ph: 'X', ts: 5, dur: 95 })
    // 'hung' outlives 'ok', its parent: as a B it would break the nesting, so a b with no e.
    expect(trace.traceEvents.filter((e) => e.name === 'hung')).toEqual([expect.objectContaining({
      ph: 'b', ts: 10, id2: { local: `${TRACE_ID}@${MAIN.id}/${spanId(2)}` }, args: expect.objectContaining({ unterminated: true, activityId: spanId(2) }),
    })])
    expect(trace.traceEvents.find((e) => e.name === 'ghost')).toMatchObject({
      ph: 'i', cat: 'span.orphanStop', ts: 20, args: { activityId: spanId(3), status: 'error', errorMessage: 'gone' },
    })
  })

  it('streams a large trace out in many writes', async () => {
    const script = new SpanScript()
    for (let i = 0; i < 5000; i++) script.span('op', spanId(i + 1), i * 1000, i * 1000 + 500, { attributes: { i } })
    const { out, writes } = await exportChrome(writeSpanTrace(dir, 'large.rtrc', script.items()))
    expect(parseValid(out).traceEvents.filter((e) => e.ph === 'X')).toHaveLength(5000)
    expect(writes).toBeGreaterThan(5)
  })

  it('writes valid JSON up to the damage of a truncated file and exits 1', async () => {
    const path = writeSpanTrace(dir, 'cut.rtrc', requestScript().items())
    const bytes = readFileSync(path)
    const cut = join(dir, 'cut-short.rtrc')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3))
    const { code, out, err } = await exportChrome(cut)
    expect(code).toBe(1)
    expect(err).not.toBe('')
    expect(parseValid(out).traceEvents.length).toBeGreaterThan(1)
  })
})

const TRACE_2 = '11111111-2222-4333-8444-555555555555'

function encode(items: readonly TraceEvent[]): ChromeTrace {
  const encoder = new ChromeTraceEncoder({ pid: 7, name: 'p', originNs: WALL_NS })
  let text = ''
  for (const item of items) {
    encoder.add(item)
    text += encoder.take()
  }
  return parseValid(text + encoder.finish())
}

/** A span's events by name: its X, or its b and e, or its B. */
function named(trace: ChromeTrace, name: string): ChromeEvent[] {
  return trace.traceEvents.filter((e) => e.name === name && e.ph !== 'M')
}

function phases(trace: ChromeTrace): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of trace.traceEvents) if (e.ph !== 'M' && e.cat === 'span') out[e.name] = (out[e.name] ?? '') + e.ph
  return out
}

function laneOf(trace: ChromeTrace, name: string): string | undefined {
  const events = named(trace, name)
  expect(new Set(events.map((e) => e.id2?.local)).size).toBe(1)
  return events[0].id2?.local
}

describe('Chrome export nesting', () => {
  it('keeps sequential spans of a thread as complete events', async () => {
    const script = new SpanScript()
    for (let i = 0; i < 4; i++) script.span(`op${i}`, spanId(i + 1), i * 1000, i * 1000 + 900)
    const trace = parseValid((await exportChrome(writeSpanTrace(dir, 'sequential.rtrc', script.items()))).out)
    expect(phases(trace)).toEqual({ op0: 'X', op1: 'X', op2: 'X', op3: 'X' })
  })

  it('keeps nested spans as complete events', () => {
    const trace = encode(new SpanScript()
      .span('root', spanId(1), 0, 10_000)
      .span('a', spanId(2), 1000, 6000, { parent: spanId(1) })
      .span('a1', spanId(3), 2000, 3000, { parent: spanId(2) })
      .span('a2', spanId(4), 4000, 5000, { parent: spanId(2) })
      .span('a2x', spanId(5), 4100, 4900, { parent: spanId(4) })
      .span('b', spanId(6), 7000, 9000, { parent: spanId(1) })
      .items())
    expect(phases(trace)).toEqual({ root: 'X', a: 'X', a1: 'X', a2: 'X', a2x: 'X', b: 'X' })
  })

  it('moves a concurrent request on the same thread to async events on its trace\'s lane', async () => {
    const us = 1000
    const two = { attributes: { traceId: TRACE_2 } }
    // r1 0..100 (a 10..40, b 50..90) and r2 20..120 (c 30..60, d 70..110) interleave on main.
    const items = new SpanScript()
      .span('r1', spanId(1), 0, 100 * us)
      .span('a', spanId(2), 10 * us, 40 * us, { parent: spanId(1) })
      .span('b', spanId(3), 50 * us, 90 * us, { parent: spanId(1) })
      .span('r2', spanId(4), 20 * us, 120 * us, two)
      .span('c', spanId(5), 30 * us, 60 * us, { parent: spanId(4), ...two })
      .span('d', spanId(6), 70 * us, 110 * us, { parent: spanId(4), ...two })
      .items()
    const trace = parseValid((await exportChrome(writeSpanTrace(dir, 'concurrent.rtrc', items))).out)
    // r1 came first and its spans nest; r2 started inside r1's 'a' without being its child.
    expect(phases(trace)).toEqual({ r1: 'X', a: 'X', b: 'X', r2: 'be', c: 'be', d: 'be' })
    const lane = `${TRACE_2}@${MAIN.id}`
    for (const name of ['r2', 'c', 'd']) expect(laneOf(trace, name)).toBe(lane)
    expect(named(trace, 'r2')).toEqual([
      { name: 'r2', cat: 'span', ph: 'b', ts: 20, id2: { local: lane }, pid: 4242, tid: MAIN.id, args: expect.objectContaining({ activityId: spanId(4), traceId: TRACE_2, status: 'ok' }) },
      { name: 'r2', cat: 'span', ph: 'e', ts: 120, id2: { local: lane }, pid: 4242, tid: MAIN.id },
    ])
    const b = trace.traceEvents.filter((e) => e.ph === 'b').length
    expect(b).toBe(trace.traceEvents.filter((e) => e.ph === 'e').length)
  })

  it('moves overlapping siblings of one trace apart', () => {
    // Promise.all: two queries of one request overlap; the second goes async.
    const trace = encode(new SpanScript()
      .span('request', spanId(1), 0, 100_000)
      .span('query', spanId(2), 10_000, 50_000, { parent: spanId(1) })
      .span('query', spanId(3), 20_000, 60_000, { parent: spanId(1) })
      .span('row', spanId(4), 55_000, 58_000, { parent: spanId(3) })
      .span('cache', spanId(5), 25_000, 45_000, { parent: spanId(1) })
      .items())
    expect(phases(trace)).toEqual({ request: 'X', query: 'Xbe', row: 'be', cache: 'be' })
    expect(laneOf(trace, 'row')).toBe(`${TRACE_ID}@${MAIN.id}`)
    // The trace's lane holds the second query then: a third sibling is not drawn inside it.
    expect(laneOf(trace, 'cache')).toBe(`${TRACE_ID}@${MAIN.id}/${spanId(5)}`)
  })

  it('moves a child that outlives its parent, and what runs inside it, to a lane of its own', () => {
    // parent 0..50; child 10..80 holds g 20..30 (done inside parent) and h 40..90 (outlives child).
    const trace = encode(new SpanScript()
      .span('parent', spanId(1), 0, 50_000)
      .span('child', spanId(2), 10_000, 80_000, { parent: spanId(1) })
      .span('g', spanId(3), 20_000, 30_000, { parent: spanId(2) })
      .span('h', spanId(4), 40_000, 90_000, { parent: spanId(2) })
      .span('next', spanId(5), 95_000, 99_000)
      .items())
    expect(phases(trace)).toEqual({ parent: 'X', child: 'be', g: 'X', h: 'be', next: 'X' })
    expect(laneOf(trace, 'child')).toBe(`${TRACE_ID}@${MAIN.id}/${spanId(2)}`)
    // h outlives child on child's lane too, so it moves on again.
    expect(laneOf(trace, 'h')).toBe(`${TRACE_ID}@${MAIN.id}/${spanId(4)}`)
  })

  it('moves a span whose parent is on another thread to async events', () => {
    const trace = encode(new SpanScript()
      .span('job', spanId(1), 0, 100_000, { thread: WORKER })
      .span('step', spanId(2), 10_000, 20_000, { parent: spanId(1) })
      .span('local', spanId(3), 30_000, 40_000)
      .items())
    expect(phases(trace)).toEqual({ job: 'X', step: 'be', local: 'X' })
    expect(named(trace, 'step').map((e) => e.tid)).toEqual([MAIN.id, MAIN.id])
  })

  it('moves a span ended on another thread to a lane of its own, whatever order the threads are read in', () => {
    const script = new SpanScript()
      .span('outer', spanId(1), 0, 100_000)
      .span('handoff', spanId(2), 10_000, 60_000, { parent: spanId(1), stopThread: WORKER })
      .span('inner', spanId(3), 20_000, 30_000, { parent: spanId(2) })
      .span('late', spanId(4), 40_000, 70_000, { parent: spanId(2) })
    const inTime = script.items()
    // A file holds a thread's chunk at a time: main's events, then the worker's.
    const byThread = [...inTime.filter((e) => e.thread === MAIN), ...inTime.filter((e) => e.thread === WORKER)]
    // In time order handoff's Stop (60) comes before late's (70), which so outlives it; read
    // main first, late stops while handoff still looks open, and nests in outer either way.
    for (const [items, late] of [[inTime, 'be'], [byThread, 'X']] as const) {
      const trace = encode(items)
      expect(phases(trace)).toEqual({ outer: 'X', handoff: 'be', inner: 'X', late })
      expect(named(trace, 'handoff')).toEqual([
        expect.objectContaining({ ph: 'b', ts: 10, tid: MAIN.id, id2: { local: `${TRACE_ID}/${spanId(2)}` }, args: expect.objectContaining({ stopThread: WORKER.id }) }),
        expect.objectContaining({ ph: 'e', ts: 60, tid: WORKER.id, id2: { local: `${TRACE_ID}/${spanId(2)}` } }),
      ])
    }
  })

  it('falls back to the root span\'s id for the lane of spans without a trace id', () => {
    const none = { attributes: { traceId: '00000000-0000-0000-0000-000000000000' } }
    const trace = encode(new SpanScript()
      .span('first', spanId(1), 0, 50_000)
      .span('second', spanId(2), 10_000, 80_000, none)
      .span('kid', spanId(3), 20_000, 30_000, { parent: spanId(2), ...none })
      .items())
    expect(laneOf(trace, 'second')).toBe(`${spanId(2)}@${MAIN.id}`)
    expect(laneOf(trace, 'kid')).toBe(`${spanId(2)}@${MAIN.id}`)
  })

  it('nests every track of random concurrent traces, writing each span once', () => {
    let seed = 12345
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const threads: TraceThread[] = [MAIN, WORKER, { id: 3, name: 'worker-2', isMainThread: false }]
    const seen = new Map<string, number>()
    for (let round = 0; round < 40; round++) {
      const script = new SpanScript()
      const spans: { id: string; start: number; end: number; trace: string }[] = []
      const times = new Set<number>()
      // Distinct times: equal ones leave the order of b events at one instant to the viewer.
      const time = (low: number, high: number): number => {
        for (;;) {
          const t = Math.floor(low + random() * (high - low)) * 10
          if (!times.has(t)) {
            times.add(t)
            return t
          }
        }
      }
      for (let n = 1; n <= 60; n++) {
        const start = time(0, 10_000)
        const open = spans.filter((s) => s.start < start && s.end > start)
        const parent = open.length !== 0 && random() < 0.8 ? open[Math.floor(random() * open.length)] : undefined
        // Children mostly end within their parent; some outlive it.
        const limit = parent !== undefined && random() < 0.85 ? parent.end / 10 : 12_000
        if (limit <= start / 10 + 1) continue
        const end = time(start / 10 + 1, limit)
        const trace = parent?.trace ?? `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`
        const spec: SpanSpec = { parent: parent?.id, attributes: { traceId: trace }, thread: threads[random() < 0.8 ? 0 : Math.floor(random() * 3)] }
        if (random() < 0.1) spec.stopThread = threads[Math.floor(random() * 3)]
        if (random() < 0.05) script.start(`s${n}`, spanId(n), start, spec)
        else script.span(`s${n}`, spanId(n), start, end, spec)
        spans.push({ id: spanId(n), start, end, trace })
      }
      const inTime = script.items()
      const byThread = threads.flatMap((t) => inTime.filter((e) => e.thread === t))
      for (const items of [inTime, byThread]) {
        const trace = encode(items)
        const written = trace.traceEvents.filter((e) => e.cat === 'span' && e.ph !== 'e').map((e) => e.args.activityId)
        expect(written.sort()).toEqual(inTime.filter((e) => e.opcode === 1).map((e) => e.fields.activityId).sort())
        expect(trace.traceEvents.filter((e) => e.ph === 'e')).toHaveLength(inTime.filter((e) => e.opcode === 2).length - trace.traceEvents.filter((e) => e.ph === 'X').length)
        for (const e of trace.traceEvents) seen.set(e.ph, (seen.get(e.ph) ?? 0) + 1)
      }
    }
    // The cases all came up: nested, moved, unterminated on a thread and on a lane.
    for (const ph of ['X', 'b', 'e', 'B']) expect(seen.get(ph)).toBeGreaterThan(20)
  })
})

describe('the Trace Event Format schema of this test', () => {
  it('checks async events for a category and exactly one kind of id', () => {
    const b = { name: 'a', ph: 'b', cat: 'span', ts: 1, pid: 1, tid: 1 }
    expect(validate({ traceEvents: [{ ...b, id2: { local: 'x' } }] }), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ traceEvents: [{ ...b, id: '0x1' }] }), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ traceEvents: [b] })).toBe(false)
    expect(validate({ traceEvents: [{ ...b, id: '0x1', id2: { local: 'x' } }] })).toBe(false)
    expect(validate({ traceEvents: [{ ...b, id2: { local: 'x', global: 'y' } }] })).toBe(false)
    expect(validate({ traceEvents: [{ ...b, cat: undefined, id2: { local: 'x' } }] })).toBe(false)
    expect(validate({ traceEvents: [{ ...b, name: undefined, id2: { local: 'x' } }] })).toBe(false)
  })

  it('rejects a complete event without dur, a bad instant scope and an unknown phase', () => {
    expect(validate({ traceEvents: [{ name: 'a', ph: 'X', ts: 1, pid: 1, tid: 1 }] })).toBe(false)
    expect(validate({ traceEvents: [{ name: 'a', ph: 'i', s: 'x', ts: 1, pid: 1, tid: 1 }] })).toBe(false)
    expect(validate({ traceEvents: [{ name: 'a', ph: 'Q', ts: 1, pid: 1 }] })).toBe(false)
    expect(validate({ traceEvents: [{ name: 'a', ph: 'X', ts: 1, dur: 0.5, pid: 1, tid: 1 }] }), JSON.stringify(validate.errors)).toBe(true)
  })
})

describe('ChromeTraceEncoder', () => {
  it('pairs a Stop read before its Start and marks a span stopped on another thread', () => {
    const encoder = new ChromeTraceEncoder({ pid: 7, name: 'p', originNs: WALL_NS })
    encoder.add(stopEvent('handoff', 3000, spanId(1), { thread: WORKER }))
    encoder.add(startEvent('handoff', 1000, spanId(1)))
    const trace = parseValid(encoder.take() + encoder.finish())
    const lane = { local: `${TRACE_ID}/${spanId(1)}` }
    expect(trace.traceEvents.filter((e) => e.name === 'handoff')).toEqual([
      expect.objectContaining({ ph: 'b', ts: 1, tid: MAIN.id, id2: lane, args: expect.objectContaining({ stopThread: WORKER.id }) }),
      expect.objectContaining({ ph: 'e', ts: 3, tid: WORKER.id, id2: lane }),
    ])
  })

  it('reports losses as instants', () => {
    const encoder = new ChromeTraceEncoder({ pid: 7, name: 'p', originNs: WALL_NS })
    encoder.add({ kind: 'lost', count: 3, timestampNs: WALL_NS + 2000n, thread: MAIN })
    const trace = parseValid(encoder.finish())
    expect(trace.traceEvents.find((e) => e.cat === 'ringtrace.lost')).toMatchObject({ ph: 'i', s: 't', ts: 2, args: { count: 3 } })
  })
})
