// The exporter's counters: each operation moves items between the slots so that handedOver =
// exported + failed + dropped + pending holds exactly, on the writing thread and, through the
// seqlock, for a thread reading the shared slots mid-update.

import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { TracerError } from '../src/errors.js'
import { EXPORTER_COUNTER_SLOTS, ExporterCounters, STUCK_WRITER_MS, type ExporterStats } from '../src/export/http/exporter-counters.js'

const WRITER = join(__dirname, 'fixtures', 'counter-writer.js')

function balanced(stats: ExporterStats): boolean {
  return stats.handedOver === stats.exported + stats.failed + stats.dropped + stats.pending
}

describe('ExporterCounters', () => {
  it('moves items from pending to the outcome each operation names', () => {
    const counters = new ExporterCounters()
    const busy = { status: 503, message: 'otlp-logs: HTTP 503', at: 1 }
    const full = { message: 'otlp-logs: budget full', at: 2 }
    counters.handOver(10)
    counters.exported(4)
    counters.failed(3, busy)
    counters.retried()
    counters.retried()
    counters.dropped(1)
    expect(counters.snapshot()).toEqual({ handedOver: 10, exported: 4, failed: 3, dropped: 1, retried: 2, pending: 2, lastError: busy })
    counters.dropped(2, full)
    expect(counters.snapshot()).toEqual({ handedOver: 10, exported: 4, failed: 3, dropped: 3, retried: 2, pending: 0, lastError: full })
  })

  it('counts into slots it is given, which ExporterCounters.read reads back', () => {
    const slots = new Float64Array(new SharedArrayBuffer(8 * (EXPORTER_COUNTER_SLOTS + 1))).subarray(1)
    const counters = new ExporterCounters(slots)
    counters.handOver(5)
    counters.exported(5)
    expect(ExporterCounters.read(slots, null)).toEqual({ handedOver: 5, exported: 5, failed: 0, dropped: 0, retried: 0, pending: 0, lastError: null })
  })

  it('publishes nothing while held, then every held change in one balanced update', () => {
    const slots = new Float64Array(new SharedArrayBuffer(8 * EXPORTER_COUNTER_SLOTS))
    const counters = new ExporterCounters(slots)
    const full = { message: 'budget full', at: 3 }
    counters.hold()
    counters.hold()
    counters.handOver(5)
    counters.dropped(1, full)
    const zero = { handedOver: 0, exported: 0, failed: 0, dropped: 0, retried: 0, pending: 0, lastError: null }
    expect(ExporterCounters.read(slots, null)).toEqual(zero)
    // This thread's own view includes what is held.
    expect(counters.snapshot()).toEqual({ ...zero, handedOver: 5, dropped: 1, pending: 4, lastError: full })
    counters.release()
    expect(ExporterCounters.read(slots, null)).toEqual(zero)
    counters.release()
    expect(ExporterCounters.read(slots, null)).toEqual({ ...zero, handedOver: 5, dropped: 1, pending: 4 })
    counters.exported(4)
    expect(ExporterCounters.read(slots, null)).toEqual({ ...zero, handedOver: 5, exported: 4, dropped: 1 })
  })

  it('refuses slots too short to hold the counters', () => {
    expect(() => new ExporterCounters(new Float64Array(EXPORTER_COUNTER_SLOTS - 1))).toThrow(TracerError)
  })

  it('never shows another thread a snapshot that does not balance, unless the writer stalls mid-update', () => {
    const updates = 2_000_000
    const slots = new Float64Array(new SharedArrayBuffer(8 * EXPORTER_COUNTER_SLOTS))
    const done = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(WRITER, { workerData: { slots, done, updates } })
    // The writer is inside an update nearly all the time, so a preemption of its thread is a
    // stall mid-update: such a read waits STUCK_WRITER_MS, then may be one update (< 8 items) off.
    const unbalanced: Array<{ stalled: boolean; offBy: number }> = []
    let midRun = 0
    // This thread spins (it must read while the worker writes); the bound only stops a worker that never starts.
    const giveUpAt = performance.now() + 30_000
    while (Atomics.load(done, 0) === 0 && performance.now() < giveUpAt) {
      const start = performance.now()
      const stats = ExporterCounters.read(slots, null)
      const offBy = stats.handedOver - (stats.exported + stats.failed + stats.dropped + stats.pending)
      if (offBy !== 0) unbalanced.push({ stalled: performance.now() - start >= STUCK_WRITER_MS, offBy: Math.abs(offBy) })
      if (stats.handedOver > 0) midRun++
    }
    void worker.terminate()
    expect(Atomics.load(done, 0)).toBe(1)
    expect(midRun).toBeGreaterThan(0)
    expect(unbalanced.filter((read) => !read.stalled || read.offBy > 7)).toEqual([])
    expect(balanced(ExporterCounters.read(slots, null))).toBe(true)
  })
})
