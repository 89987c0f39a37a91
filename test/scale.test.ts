// At scale, with a producer much faster than a deliberately slowed consumer, every event is
// accounted for: written = delivered + lost, exactly, per ring and in the file.
import { describe, expect, it } from 'vitest'
import { createTracer, type OnFull } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { testHooksOf } from '../src/backend/select-backend.js'
import { summarizeTrace } from '../src/reader/index.js'
import { BACKENDS } from './helpers/backends.js'
import { tracePath } from './helpers/trace-files.js'
import { runWorker } from './helpers/workers.js'

const MAIN_EVENTS = 4_000_000
const WORKER_EVENTS = 3_000_000
const YIELD_EVERY = 10_000
const DRAIN_DELAY_MICROS = 3000
const RING_BYTES = 64 * 1024

describe.each(BACKENDS)('accounting at scale (%s backend)', (backend) => {
  it.each(['discard', 'overwrite'] as OnFull[])("balances 10 million events across 3 threads with '%s'", async (onFull) => {
    const file = tracePath(`scale-${onFull}`)
    const hooks = testHooksOf(backend)
    hooks.setDrainDelay(DRAIN_DELAY_MICROS)
    try {
      const tracer = createTracer({ provider: 'Test.Scale', backend, file, ringBytes: RING_BYTES, onFull })
      const trace = tracer.event('WorkerEvent', [['thread', t.u32], ['i', t.u32], ['x', t.f64], ['y', t.f64]], { clock: 'coarse' })
      const workers = [1, 2].map(() => runWorker({
        backend, file, events: WORKER_EVENTS, ringBytes: RING_BYTES, onFull, end: 'close',
        yieldEvery: YIELD_EVERY, drainDelayMicros: DRAIN_DELAY_MICROS,
      }))
      for (let i = 0; i < MAIN_EVENTS; i++) {
        trace(0, i, i, i)
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise(setImmediate)
      }
      await tracer.close()
      const reports = [{ stats: tracer.stats() }, ...(await Promise.all(workers))]

      for (const { stats } of reports) {
        expect(stats.delivered + stats.lost).toBe(stats.written)
        expect(stats.inRing).toBe(0)
      }
      expect(reports.map((r) => r.stats.written)).toEqual([MAIN_EVENTS, WORKER_EVENTS, WORKER_EVENTS])
      const lost = reports.reduce((sum, r) => sum + r.stats.lost, 0)
      const delivered = reports.reduce((sum, r) => sum + r.stats.delivered, 0)
      expect(lost).toBeGreaterThan(0)
      if (onFull === 'discard') expect(reports.map((r) => r.stats.lostOverwritten), 'lostOverwritten per thread').toEqual([0, 0, 0])
      else expect(reports.map((r) => r.stats.lostRingFull), 'lostRingFull per thread').toEqual([0, 0, 0])

      const summary = await summarizeTrace(file)
      expect(summary).toMatchObject({ written: MAIN_EVENTS + 2 * WORKER_EVENTS, events: delivered, lost, balanced: true })
      expect(summary.threads).toHaveLength(3)
    } finally {
      hooks.setDrainDelay(0)
    }
  }, 300_000)
})
