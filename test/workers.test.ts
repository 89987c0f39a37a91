import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { summarizeTrace } from '../src/reader/index.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'
import { runWorker } from './helpers/workers.js'

describe.each(BACKENDS)('worker threads (%s backend)', (backend) => {
  it('gives each thread its own ring and stream in one file', async () => {
    const file = tracePath('workers')
    const tracer = createTracer({ provider: 'Test.Workers', backend, file })
    const trace = tracer.event('MainEvent', [['i', t.u32]])
    trace(1)
    const reports = await Promise.all([1, 2, 3].map(() => runWorker({ backend, file, events: 5000, end: 'close' })))
    trace(2)
    await tracer.close()
    const streams = new Set([tracer.stream, ...reports.map((r) => r.stream)])
    expect(streams.size).toBe(4)
    const summary = await summarizeTrace(file)
    expect(summary).toMatchObject({ events: 15_002, lost: 0, written: 15_002, balanced: true })
    expect(summary.threads).toHaveLength(4)
    expect(summary.threads.filter((th) => th.isMainThread)).toHaveLength(1)
    const events = await readEvents(file)
    for (const report of reports) {
      const mine = events.filter((e) => e.stream === report.stream)
      expect(mine.map((e) => e.fields.i)).toEqual(Array.from({ length: 5000 }, (_, i) => i))
      const elsewhere = mine.filter((e) => e.fields.thread !== report.threadId || e.thread.id !== report.threadId)
      expect(elsewhere.map((e) => [e.fields.i, e.fields.thread, e.thread.id]), `events of thread ${report.threadId} attributed to another`).toEqual([])
    }
  })

  it('drains the ring of a worker that ends without closing its tracer', async () => {
    const file = tracePath('worker-return')
    const tracer = createTracer({ provider: 'Test.Workers', backend, file })
    const report = await runWorker({ backend, file, events: 20_000, end: 'return' })
    await tracer.close()
    const summary = await summarizeTrace(file)
    const thread = summary.threads.find((th) => th.stream === report.stream)
    expect(thread).toMatchObject({ events: 20_000, lost: 0, closed: true, balanced: true })
  })
})

describe('worker threads (native backend, terminated)', () => {
  it('drains the ring of a worker terminated while its tracer is open', async () => {
    const file = tracePath('worker-terminate')
    const tracer = createTracer({ provider: 'Test.Workers', backend: 'native', file })
    const report = await runWorker({ backend: 'native', file, events: 20_000, end: 'hang' })
    await tracer.close()
    const summary = await summarizeTrace(file)
    const thread = summary.threads.find((th) => th.stream === report.stream)
    expect(thread).toMatchObject({ events: 20_000, lost: 0, closed: true, balanced: true })
  })
})
