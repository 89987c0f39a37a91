// The Perfetto export decoded with protobufjs (test/helpers/perfetto-trace.ts, protos written
// from Perfetto's own in test/fixtures/perfetto/) and replayed as a trace processor would: every
// track's begins and ends must pair up in nesting order, giving each span its own times.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import { createTracer, t } from '../src/index.js'
import { PerfettoTraceEncoder } from '../src/exporters/index.js'
import type { AnalysisItem } from '../src/analysis/index.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { BACKENDS } from './helpers/backends.js'
import { Capture } from './helpers/capture.js'
import { readAll } from './helpers/trace-files.js'
import { prng } from './helpers/seeded-random.js'
import { at, MAIN, SpanScript, spanId, WORKER, writeSpanTrace } from './fixtures/span-traces.js'
import { readPerfettoTrace, TYPE_COUNTER, TYPE_INSTANT, type PerfettoSlice, type PerfettoTrace } from './helpers/perfetto-trace.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-perfetto-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let outputs = 0

async function exportPerfetto(file: string): Promise<{ code: number; err: string; trace: PerfettoTrace; bytes: number }> {
  const output = join(dir, `out-${++outputs}.pftrace`)
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(['export', file, '--format', 'perfetto', '--output', output], { stdout, stderr })
  const bytes = readFileSync(output)
  return { code, err: stderr.text, trace: readPerfettoTrace(bytes), bytes: bytes.length }
}

function encode(items: readonly AnalysisItem[]): PerfettoTrace {
  const encoder = new PerfettoTraceEncoder({ pid: 7, name: 'p' })
  const parts: Uint8Array[] = []
  for (const item of items) {
    encoder.add(item)
    parts.push(encoder.take())
  }
  parts.push(encoder.finish())
  return readPerfettoTrace(Buffer.concat(parts))
}

const stringArg = (slice: PerfettoSlice, name: string): string | undefined => {
  const value = slice.args[name]
  return value !== undefined && 'string' in value ? value.string : undefined
}

/**
 * Every span of `items` is one slice with its own start and end (undefined without a Stop), on
 * a track where its begin and end pair up, inside the slice of its parent when that is on the
 * same track; returns the slices by activityId.
 */
function expectSpansAsSlices(trace: PerfettoTrace, items: readonly AnalysisItem[], context: string): Map<string, PerfettoSlice> {
  expect(trace.problems, context).toEqual([])
  const expected = new Map<string, { name: string; startNs: bigint; endNs: bigint | undefined; parentId: string }>()
  for (const item of items) {
    if (item.kind !== 'event' || typeof item.fields.activityId !== 'string') continue
    const id = item.fields.activityId
    if (item.opcode === 1) expected.set(id, { name: item.name, startNs: item.timestampNs, endNs: expected.get(id)?.endNs, parentId: item.fields.parentId as string })
    else if (item.opcode === 2) expected.set(id, { ...expected.get(id)!, endNs: item.timestampNs })
  }
  // A Stop earlier than its Start ends the slice where it begins.
  for (const span of expected.values()) if (span.endNs !== undefined && span.endNs < span.startNs) span.endNs = span.startNs
  const slices = new Map<string, PerfettoSlice>()
  for (const slice of trace.slices) {
    const id = stringArg(slice, 'activityId')!
    expect(slices.has(id), `${context}: span ${id} written twice`).toBe(false)
    slices.set(id, slice)
  }
  const got = [...slices].map(([id, s]) => [id, { name: s.name, startNs: s.startNs, endNs: s.endNs }])
  const want = [...expected].map(([id, e]) => [id, { name: e.name, startNs: e.startNs, endNs: e.endNs }])
  expect(new Map(got as [string, unknown][]), context).toEqual(new Map(want as [string, unknown][]))
  for (const [id, slice] of slices) {
    const parent = slices.get(expected.get(id)!.parentId)
    // A child starting at its parent's end may have started after the parent stopped: not inside it.
    if (parent !== undefined && parent.track === slice.track && parent.startNs <= slice.startNs && slice.startNs < (parent.endNs ?? Infinity) && (parent.endNs ?? Infinity) >= (slice.endNs ?? Infinity)) {
      const inside = slice.parent === parent || (slice.parent !== undefined && slice.parent.startNs >= parent.startNs)
      expect(inside, `${context}: ${slice.name} ${id} [${slice.startNs - at(0)}, ${slice.endNs! - at(0)}] not inside its parent's slice [${parent.startNs - at(0)}, ${parent.endNs! - at(0)}] but ${slice.parent?.name} [${slice.parent === undefined ? '' : `${slice.parent.startNs - at(0)}, ${slice.parent.endNs! - at(0)}`}]`).toBe(true)
    }
  }
  return slices
}

describe('ringtrace export --format perfetto', () => {
  it('writes a process track, thread tracks and async tracks, spans as nested slices with typed annotations, events as instants', async () => {
    for (const backend of BACKENDS) {
      const file = join(dir, `app-${backend}.rtrc`)
      const tracer = createTracer({ provider: 'Test.Perfetto', backend, file, flushOnExit: false })
      const checkpoint = tracer.event('Checkpoint', [['step', t.u32], ['label', t.str], ['ratio', t.f64], ['big', t.i64], ['ok', t.bool]])
      await tracer.span('request', async () => {
        checkpoint(1, 'begin', 0.5, -5n, true)
        // Concurrent siblings: each overlaps the others without nesting, so most go to async tracks.
        await Promise.all([0, 1, 2].map((i) => tracer.span(`fetch ${i}`, async () => {
          await sleep(1 + i * 2)
          await tracer.span('parse', async () => { await sleep(1) })
        }, { index: i, url: `/items/${i}` })))
      }, { route: '/users', port: 8080, ratio: 0.25, cached: false })
      tracer.startSpan('hung')
      await tracer.close()
      const items = await readAll(file)

      const { code, err, trace } = await exportPerfetto(file)
      expect(err, backend).toBe('')
      expect(code, backend).toBe(0)
      const slices = expectSpansAsSlices(trace, items, backend)
      expect([...slices.values()].map((slice) => slice.name).sort(), backend)
        .toEqual(['fetch 0', 'fetch 1', 'fetch 2', 'hung', 'parse', 'parse', 'parse', 'request'])

      const tracks = [...trace.tracks.values()]
      const process = tracks.find((track) => track.process !== undefined)!
      expect(process.process, backend).toEqual({ pid: globalThis.process.pid, processName: 'Test.Perfetto' })
      const main = (items[0] as TraceEvent).thread
      expect(tracks.filter((track) => track.thread !== undefined).map((track) => track.thread), backend)
        .toEqual([{ pid: globalThis.process.pid, tid: String(main.id), threadName: main.name === '' ? `thread ${main.id}` : main.name }])
      const asyncTracks = tracks.filter((track) => track.thread === undefined && track.process === undefined)
      expect(asyncTracks.length, backend).toBeGreaterThan(0)
      for (const track of asyncTracks) expect(track, backend).toMatchObject({ parentUuid: process.uuid, name: expect.stringMatching(/ async \d+$/) })
      const onAsync = [...slices.values()].filter((slice) => asyncTracks.some((track) => track.uuid === slice.track))
      expect(onAsync.length, `${backend}: spans on async tracks`).toBeGreaterThan(0)

      const request = [...slices.values()].find((slice) => slice.name === 'request')!
      expect(request.args, backend).toMatchObject({
        route: { string: '/users' }, port: { int: '8080' }, ratio: { double: 0.25 }, cached: { bool: false },
        status: { string: 'ok' }, traceId: { string: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      })
      const hung = [...slices.values()].find((slice) => slice.name === 'hung')!
      expect(hung.endNs, backend).toBeUndefined()
      expect(hung.args.unterminated, backend).toEqual({ bool: true })

      const instants = trace.events.filter((event) => event.type === TYPE_INSTANT)
      expect(instants.map((event) => [event.name, event.args]), backend).toEqual([
        ['Checkpoint', { step: { int: '1' }, label: { string: 'begin' }, ratio: { double: 0.5 }, big: { int: '-5' }, ok: { bool: true } }],
      ])
      const checkpointItem = items.find((item) => item.kind === 'event' && item.name === 'Checkpoint')!
      expect(instants[0]!.ns, backend).toBe(checkpointItem.timestampNs)
    }
  })

  it('writes a span that begins at its encloser\'s nanosecond after the encloser\'s begin, and spans stopped on another thread on a track of their own', () => {
    const items = new SpanScript()
      .span('outer', spanId(1), 0, 10_000)
      .span('inner', spanId(2), 0, 5_000, { parent: spanId(1) })
      .span('instant-child', spanId(3), 0, 0, { parent: spanId(2) })
      .span('next', spanId(4), 5_000, 10_000, { parent: spanId(1) })
      .span('handoff', spanId(5), 20_000, 30_000, { stopThread: WORKER })
      .span('on worker', spanId(6), 21_000, 22_000, { thread: WORKER })
      .stop('ghost', spanId(7), 40_000, { status: 2, errorType: 'Error', errorMessage: 'gone' })
      .items()
    const trace = encode(items)
    const slices = expectSpansAsSlices(trace, items.filter((item) => item.name !== 'ghost'), 'ties')
    expect(slices.get(spanId(3))!.parent).toBe(slices.get(spanId(2)))
    expect(slices.get(spanId(2))!.parent).toBe(slices.get(spanId(1)))
    const handoff = slices.get(spanId(5))!
    expect(handoff.args.stopThread).toEqual({ int: String(WORKER.id) })
    expect(trace.tracks.get(handoff.track)!.thread).toBeUndefined()
    const ghost = trace.events.find((event) => event.name === 'ghost')!
    expect(ghost).toMatchObject({ type: TYPE_INSTANT, ns: at(40_000) })
    expect(ghost.args).toMatchObject({ problem: { string: 'stop without start' }, status: { string: 'error' }, errorMessage: { string: 'gone' } })
  })

  it('nests every track of random concurrent traces with coarse clocks, writing each span once with its times', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed)
      const script = new SpanScript()
      let next = 1
      // Requests on two threads, children overlapping or not, times on a 1 µs grid so that many coincide.
      for (let r = 0; r < 12; r++) {
        const thread = random() < 0.5 ? MAIN : WORKER
        const root = spanId(next++)
        const t0 = Math.floor(random() * 20) * 1000
        const t1 = t0 + (1 + Math.floor(random() * 20)) * 1000
        script.span('request', root, t0, t1, { thread, stopThread: random() < 0.1 ? (thread === MAIN ? WORKER : MAIN) : thread })
        for (let c = 0; c < 4; c++) {
          const c0 = t0 + Math.floor(random() * 5) * 1000
          const c1 = Math.max(c0, Math.min(t1 + (random() < 0.2 ? 3000 : 0), c0 + Math.floor(random() * 8) * 1000))
          const child = spanId(next++)
          script.span('child', child, c0, c1, { thread, parent: root })
          if (random() < 0.5) script.span('grandchild', spanId(next++), c0, c0 + Math.floor(random() * 2) * 1000, { thread, parent: child })
        }
      }
      if (random() < 0.5) script.start('open', spanId(next++), 3000, { thread: MAIN })
      const items = script.items()
      expectSpansAsSlices(encode(items), items, `seed ${seed}`)
    }
  })

  it('writes losses as a counter of the events lost so far, on a track under the thread', () => {
    const items: AnalysisItem[] = [
      ...new SpanScript().plain('tick', 0).items(),
      { kind: 'lost', count: 3, timestampNs: at(1000), thread: MAIN },
      { kind: 'lost', count: 2, timestampNs: at(2000), thread: MAIN },
    ]
    const trace = encode(items)
    expect(trace.problems).toEqual([])
    const counters = trace.events.filter((event) => event.type === TYPE_COUNTER)
    expect(counters.map((event) => [event.ns, event.counter])).toEqual([[at(1000), 3], [at(2000), 5]])
    const track = trace.tracks.get(counters[0]!.track)!
    expect(track).toMatchObject({ name: 'events lost', counter: { unit: 2 } })
    const thread = [...trace.tracks.values()].find((candidate) => candidate.thread !== undefined)!
    expect(track.parentUuid).toBe(thread.uuid)
  })

  it('writes what precedes the damage of a truncated file and exits 1', async () => {
    const items = new SpanScript()
    for (let i = 0; i < 200; i++) items.span('op', spanId(i + 1), i * 1000, i * 1000 + 500)
    const path = writeSpanTrace(dir, 'whole.rtrc', items.items())
    const bytes = readFileSync(path)
    const cut = join(dir, 'cut.rtrc')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3))
    const { code, err, trace } = await exportPerfetto(cut)
    expect(code).toBe(1)
    expect(err).toContain('file ends inside the chunk')
    expect(trace.problems).toEqual([])
    expect(trace.slices.length).toBeGreaterThan(0)
  })

  it('asks for --output, as the trace is binary', async () => {
    const path = writeSpanTrace(dir, 'small.rtrc', new SpanScript().span('op', spanId(1), 0, 10).items())
    const stdout = new Capture()
    const stderr = new Capture()
    expect(await runCli(['export', path, '--format', 'perfetto'], { stdout, stderr })).toBe(2)
    expect(stderr.text).toContain('--format perfetto writes a binary file: give it with --output <path>')
    expect(stdout.text).toBe('')
  })

  it('is at most half the size of the Chrome JSON of the same 10k spans with attributes', async () => {
    const file = join(dir, 'size.rtrc')
    const tracer = createTracer({ provider: 'Test.PerfettoSize', backend: 'js', file, flushOnExit: false })
    for (let r = 0; r < 2000; r++) {
      tracer.span('request', () => {
        for (let c = 0; c < 4; c++) tracer.span('db.query', () => undefined, { table: 'users', rows: c, cached: c % 2 === 0 })
      }, { route: '/users/:id', status: 200 })
      if (r % 100 === 99) await tracer.flush()
    }
    await tracer.close()
    const chrome = join(dir, 'size.json')
    expect(await runCli(['export', file, '--format', 'chrome', '--output', chrome], { stdout: new Capture(), stderr: new Capture() })).toBe(0)
    const { trace, bytes } = await exportPerfetto(file)
    expect(trace.slices).toHaveLength(10_000)
    const ratio = bytes / statSync(chrome).size
    expect(ratio, `perfetto ${bytes} bytes against Chrome JSON ${statSync(chrome).size}`).toBeLessThanOrEqual(0.5)
  })
})
