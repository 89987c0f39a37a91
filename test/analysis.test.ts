import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AnalysisError, analyzeSpans, analyzeTraceFile, SpanCollector, type TraceAnalysis,
} from '../src/analysis/index.js'
import type { TraceLost } from '../src/reader/trace-items.js'
import { WALL_NS } from './fixtures/trace-builder.js'
import {
  MAIN, SpanScript, WORKER, requestScript, spanId, startEvent, stopEvent, writeSpanTrace,
} from './fixtures/span-traces.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-analysis-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const US = 1000

function byName(analysis: TraceAnalysis, name: string) {
  const span = analysis.spans.find((s) => s.name === name)
  if (span === undefined) throw new Error(`no span ${name}`)
  return span
}

describe('span trees', () => {
  it('pairs each Start with its Stop and keeps ids, attributes, status and threads', async () => {
    const analysis = await analyzeSpans(requestScript().items())
    expect(analysis.spans).toHaveLength(5)
    expect(analysis.originNs).toBe(WALL_NS)
    const request = byName(analysis, 'request')
    expect(request.id).toBe(spanId(1))
    expect(request.durationNs).toBe(1000 * US)
    expect(request.attributes).toEqual({ route: '/users', port: 8080 })
    expect(request.status).toBe(1)
    const render = byName(analysis, 'render')
    expect(render.failed).toBe(true)
    expect(render.errorType).toBe('TypeError')
    expect(render.errorMessage).toBe('x is undefined')
    expect(byName(analysis, 'query').thread).toBe(WORKER)
    expect(analysis.otherEvents).toBe(1)
  })

  it('links children to parents in start order, with depths and self time', async () => {
    const analysis = await analyzeSpans(requestScript().items())
    expect(analysis.roots.map((s) => s.name)).toEqual(['request'])
    const request = analysis.roots[0]
    expect(request.children.map((s) => s.name)).toEqual(['auth', 'query', 'cache', 'render'])
    expect(request.children.filter((c) => c.depth !== 1 || c.parent !== request).map((c) => c.name), 'children not at depth 1 under request').toEqual([])
    // 1000 µs less the union of children: 10..110, 120..700 (cache inside it), 710..950.
    expect(request.selfNs).toBe(80 * US)
    expect(byName(analysis, 'query').selfNs).toBe(580 * US)
  })

  it('pairs a Stop read before its Start, as when a span ends on another thread', async () => {
    const script = requestScript().items()
    const stop = stopEvent('handoff', 300 * US, spanId(9), { thread: WORKER })
    const start = startEvent('handoff', 200 * US, spanId(9), { parent: spanId(1) })
    const analysis = await analyzeSpans([stop, ...script, start])
    const handoff = byName(analysis, 'handoff')
    expect(handoff.durationNs).toBe(100 * US)
    expect(handoff.stopThread).toBe(WORKER)
    expect(analysis.problems.orphanStops).toEqual([])
  })

  it('walks a chain of 200000 nested spans without overflowing the stack', async () => {
    const n = 200_000
    const items = []
    for (let i = 0; i < n; i++) items.push(startEvent('nest', i, spanId(i + 1), { parent: i === 0 ? undefined : spanId(i) }))
    for (let i = n - 1; i >= 0; i--) items.push(stopEvent('nest', 2 * n - i, spanId(i + 1)))
    const analysis = await analyzeSpans(items)
    expect(analysis.roots).toHaveLength(1)
    expect(analysis.spans.reduce((max, s) => Math.max(max, s.depth), 0)).toBe(n - 1)
    expect(analysis.criticalPaths[0].segments).toHaveLength(2 * n - 1)
  })

  it('analyses a .rtrc file as it analyses the same items in memory', async () => {
    const items = requestScript().items()
    const path = writeSpanTrace(dir, 'request.rtrc', items)
    const { analysis, damage } = await analyzeTraceFile(path)
    const memory = await analyzeSpans(items)
    expect(damage).toBeUndefined()
    expect(analysis.operations).toEqual(memory.operations)
    expect(analysis.roots[0].children.map((s) => [s.name, s.startNs, s.endNs]))
      .toEqual(memory.roots[0].children.map((s) => [s.name, s.startNs, s.endNs]))
    expect(byName(analysis, 'query').thread.name).toBe('worker-1')
  })
})

describe('operation statistics', () => {
  it('gives count, total, self, mean, exact nearest-rank percentiles and max per operation', async () => {
    const script = new SpanScript()
    // Durations 1..100 µs, shuffled in time.
    for (let i = 0; i < 100; i++) {
      const duration = ((i * 37) % 100) + 1
      script.span('op', spanId(i + 1), i * 1000 * US, i * 1000 * US + duration * US)
    }
    const [op] = (await analyzeSpans(script.items())).operations
    expect(op).toMatchObject({
      name: 'op', count: 100, unterminated: 0, totalNs: 5050 * US, selfNs: 5050 * US, meanNs: 50.5 * US,
      minNs: 1 * US, p50Ns: 50 * US, p95Ns: 95 * US, p99Ns: 99 * US, maxNs: 100 * US,
    })
  })

  it('reports error rates and error types per operation', async () => {
    const script = new SpanScript()
    for (let i = 0; i < 8; i++) {
      script.span('call', spanId(i + 1), i * US, i * US + 500, i < 2 ? { status: 2, errorType: i === 0 ? 'Timeout' : 'Reset' } : {})
    }
    const [call] = (await analyzeSpans(script.items())).operations
    expect(call.errors).toBe(2)
    expect(call.errorRate).toBe(0.25)
    expect(call.errorTypes).toEqual({ Timeout: 1, Reset: 1 })
  })
})

describe('critical path', () => {
  it('follows the child that ends last, then the one before it, with the self time between', async () => {
    const analysis = await analyzeSpans(requestScript().items())
    const path = analysis.criticalPaths[0]
    expect(path.segments.map((s) => [s.span.name, s.startNs / US, s.endNs / US])).toEqual([
      ['request', 0, 10], ['auth', 10, 110], ['request', 110, 120], ['query', 120, 700],
      ['request', 700, 710], ['render', 710, 950], ['request', 950, 1000],
    ])
    expect(analysis.spans.filter((s) => s.onCriticalPath).map((s) => s.name).sort())
      .toEqual(['auth', 'query', 'render', 'request'])
  })

  it('clips a child that ends after its parent to the parent and reports it', async () => {
    const script = new SpanScript()
      .span('parent', spanId(1), 0, 100)
      .span('late', spanId(2), 50, 150, { parent: spanId(1) })
    const analysis = await analyzeSpans(script.items())
    expect(analysis.criticalPaths[0].segments.map((s) => [s.span.name, s.startNs, s.endNs]))
      .toEqual([['parent', 0, 50], ['late', 50, 100]])
    expect(analysis.problems.outsideParent.map((s) => s.name)).toEqual(['late'])
    expect(byName(analysis, 'parent').selfNs).toBe(50)
  })
})

describe('bottlenecks', () => {
  it('ranks operations by self time and keeps those above the threshold', async () => {
    const analysis = await analyzeSpans(requestScript().items(), { bottleneckThreshold: 0.1 })
    // Self times (µs): query 580, render 240, auth 100, request 80, cache 70; total 1070.
    expect(analysis.bottlenecks.map((b) => b.name)).toEqual(['query', 'render'])
    expect(analysis.bottlenecks[0].fraction).toBeCloseTo(580 / 1070)
    expect(analysis.bottlenecks[0].criticalNs).toBe(580 * US)
    const all = await analyzeSpans(requestScript().items(), { bottleneckThreshold: 0 })
    expect(all.bottlenecks.map((b) => b.name)).toEqual(['query', 'render', 'auth', 'request', 'cache'])
  })

  it('rejects a threshold outside 0..1 with a typed error', async () => {
    const attempt = analyzeSpans(requestScript().items(), { bottleneckThreshold: 2 })
    await expect(attempt).rejects.toBeInstanceOf(AnalysisError)
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  })
})

describe('concurrency profile', () => {
  it('gives the most spans open at once, when, a histogram of time per level and buckets', async () => {
    const analysis = await analyzeSpans(requestScript().items(), { bucketNs: 100 * US })
    const profile = analysis.concurrency
    expect(profile.maxOpen).toBe(3)
    expect(profile.maxAtNs).toBe(130 * US)
    // One open: 0..10, 110..120, 700..710, 950..1000. Two: 10..110, 120..130, 200..700,
    // 710..950. Three: 130..200.
    expect(profile.histogram).toEqual([0, 10 * US + 10 * US + 10 * US + 50 * US, 100 * US + 10 * US + 500 * US + 240 * US, 70 * US])
    expect(profile.histogram.reduce((a, b) => a + b, 0)).toBe(analysis.endNs)
    expect(profile.buckets).toHaveLength(10)
    expect(profile.buckets[1]).toEqual({ startNs: 100 * US, maxOpen: 3, meanOpen: (10 * 2 + 10 * 1 + 10 * 2 + 70 * 3) / 100 })
    expect(profile.buckets[9].maxOpen).toBe(2)
  })

  it('does not count a span starting as another ends as overlapping it', async () => {
    const script = new SpanScript().span('a', spanId(1), 0, 100).span('b', spanId(2), 100, 200).span('zero', spanId(3), 100, 100)
    const profile = (await analyzeSpans(script.items())).concurrency
    expect(profile.maxOpen).toBe(1)
    expect(profile.histogram).toEqual([0, 200])
  })

  it('rejects a bucket size that would make too many buckets', async () => {
    await expect(analyzeSpans(requestScript().items(), { bucketNs: 0.0001 })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    await expect(analyzeSpans(requestScript().items(), { bucketNs: -5 })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  })
})

describe('bad input', () => {
  it('keeps a Start without a Stop as unterminated, ending at the end of the trace', async () => {
    const script = new SpanScript().span('done', spanId(1), 0, 100).start('hung', spanId(2), 50).plain('last', 400)
    const analysis = await analyzeSpans(script.items())
    const hung = byName(analysis, 'hung')
    expect(hung.terminated).toBe(false)
    expect(hung.endNs).toBe(400)
    expect(hung.stopThread).toBeNull()
    expect(analysis.problems.unterminated).toEqual([hung])
    const stats = analysis.operations.find((o) => o.name === 'hung')!
    expect(stats).toMatchObject({ count: 1, unterminated: 1, totalNs: 0, p99Ns: 0 })
  })

  it('reports orphan Stops, second Stops and reused ids without using them', async () => {
    const script = new SpanScript()
      .span('a', spanId(1), 0, 100)
      .stop('a', spanId(1), 120)
      .stop('ghost', spanId(7), 130)
      .span('again', spanId(1), 200, 300)
    const analysis = await analyzeSpans(script.items())
    expect(analysis.spans.map((s) => s.name)).toEqual(['a'])
    expect(analysis.problems.orphanStops.map((r) => [r.name, r.activityId])).toEqual([['ghost', spanId(7)]])
    expect(analysis.problems.duplicateStops.map((r) => r.timestampNs - WALL_NS).sort()).toEqual([120n, 300n])
    expect(analysis.problems.duplicateStarts.map((r) => r.name)).toEqual(['again'])
  })

  it('reports a Start reusing the id of a running span and keeps the first', async () => {
    const items = [startEvent('a', 0, spanId(1)), startEvent('b', 10, spanId(1)), stopEvent('a', 50, spanId(1))]
    const analysis = await analyzeSpans(items)
    expect(analysis.spans.map((s) => [s.name, s.durationNs])).toEqual([['a', 50]])
    expect(analysis.problems.duplicateStarts.map((r) => r.name)).toEqual(['b'])
  })

  it('clamps a Stop earlier than its Start to a zero duration and reports it', async () => {
    const analysis = await analyzeSpans([stopEvent('back', 10, spanId(1)), startEvent('back', 50, spanId(1))])
    expect(analysis.spans[0].durationNs).toBe(0)
    expect(analysis.problems.stopBeforeStart.map((s) => s.name)).toEqual(['back'])
  })

  it('makes spans with an unknown parent roots and reports them', async () => {
    const script = new SpanScript().span('child', spanId(2), 10, 20, { parent: spanId(99) })
    const analysis = await analyzeSpans(script.items())
    expect(analysis.roots.map((s) => s.name)).toEqual(['child'])
    expect(analysis.problems.missingParent.map((s) => s.name)).toEqual(['child'])
  })

  it('cuts a cycle of parent links and reports where', async () => {
    const script = new SpanScript()
      .span('x', spanId(1), 0, 100, { parent: spanId(2) })
      .span('y', spanId(2), 10, 90, { parent: spanId(1) })
      .span('self', spanId(3), 0, 5, { parent: spanId(3) })
    const analysis = await analyzeSpans(script.items())
    expect(analysis.problems.parentCycles).toHaveLength(2)
    expect(analysis.roots).toHaveLength(2)
    expect(analysis.spans.filter((s) => s.depth < 0).map((s) => [s.name, s.depth]), 'spans without a depth').toEqual([])
    expect(analysis.criticalPaths).toHaveLength(2)
  })

  it('counts lost events and analyses an empty input', async () => {
    const lost: TraceLost = { kind: 'lost', stream: 1, thread: MAIN, count: 5, ringFull: 5, invalid: 0, overwritten: 0, unwritten: 0 }
    const analysis = await analyzeSpans([lost])
    expect(analysis.lostEvents).toBe(5)
    expect(analysis.spans).toEqual([])
    expect(analysis.concurrency.maxOpen).toBe(0)
  })

  it('refuses items after finish() with a typed error', () => {
    const collector = new SpanCollector()
    collector.finish()
    expect(() => collector.add(startEvent('a', 0, spanId(1)))).toThrow(AnalysisError)
  })
})

describe('input sources', () => {
  it('takes async iterables of items and of batches', async () => {
    const items = requestScript().items()
    async function* one() { yield* items }
    async function* batches() { yield items.slice(0, 3); yield items.slice(3) }
    expect((await analyzeSpans(one())).operations).toEqual((await analyzeSpans(items)).operations)
    expect((await analyzeSpans(batches())).operations).toEqual((await analyzeSpans(items)).operations)
  })
})
