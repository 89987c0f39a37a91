// Sustained throughput: the main thread records the Priming event as fast as it can for a fixed
// time into a 4 MiB ring while the collector writes a .rtrc file, yielding to the event loop every
// BATCH events as a busy application would. Target (native): ≥ 20 million events/s, 0 lost.

import { closeSync, existsSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JS_DRAIN_INTERVAL_MS } from '../src/backend/js-backend.js'
import { createTracer } from '../src/index.js'
import { check, compileLoop, emitResult, MiB, notRun, PRIMING_FIELDS, probeBackends, round,
  type BackendName, type Cell, type TargetResult } from './bench-harness.js'

const DURATION_MS = 5000
const RING_BYTES = 4 * MiB
/** Events between two yields to the event loop (`await new Promise(setImmediate)`). */
const BATCH = 10_000
const TARGET_EVENTS_PER_S = 20e6

type Clock = 'coarse' | 'precise'

interface SustainedRun {
  backend: BackendName
  /** Directory the trace file was written to. */
  dir: string
  clock: Clock
  seconds: number
  eventsPerS: number
  written: number
  delivered: number
  lost: number
  fileBytes: number
  fileMBPerS: number
  bytesPerEvent: number
  /** Longest time one batch of BATCH events took, ms: how long the event loop was held. */
  maxBatchMs: number
}

/**
 * What the destination itself takes: 4 MiB blocks written with writeSync for the same duration,
 * in the same run. No tracer can put more on disk than this.
 */
function diskFloorMiBPerS(dir: string): number {
  const file = join(dir, `ringtrace-floor-${process.pid}.bin`)
  const block = new Uint8Array(RING_BYTES).fill(0x5a)
  const fd = openSync(file, 'w')
  try {
    let bytes = 0
    const start = performance.now()
    while (performance.now() - start < DURATION_MS) bytes += writeSync(fd, block)
    return bytes / MiB / ((performance.now() - start) / 1000)
  } finally {
    closeSync(fd)
    unlinkSync(file)
  }
}

async function sustain(backend: BackendName, clock: Clock, dir: string): Promise<SustainedRun> {
  const file = join(dir, `ringtrace-sustained-${process.pid}-${backend}-${clock}.rtrc`)
  try {
    const tracer = createTracer({ provider: 'Ringtrace.Bench.Sustained', backend, ringBytes: RING_BYTES, file, flushOnExit: false })
    const trace = tracer.event('Priming', PRIMING_FIELDS, { clock })
    // A running sequence number, so that every event carries distinct values.
    const batch = compileLoop(BATCH, 'trace(1, 0.75, seq, seq + 1); seq++;', { trace }, 'let result = 0; let seq = 0;')
    let produced = 0
    let maxBatchMs = 0
    const start = performance.now()
    let now = start
    while (now - start < DURATION_MS) {
      batch()
      produced += BATCH
      const after = performance.now()
      if (after - now > maxBatchMs) maxBatchMs = after - now
      await new Promise(setImmediate)
      now = performance.now()
    }
    const seconds = (performance.now() - start) / 1000
    tracer.flush()
    const s = tracer.stats()
    await tracer.close()
    const fileBytes = statSync(file).size
    if (s.written !== produced) throw new Error(`stats().written is ${s.written} but ${produced} events were produced`)
    return {
      backend,
      dir,
      clock,
      seconds,
      eventsPerS: produced / seconds,
      written: s.written,
      delivered: s.delivered,
      lost: s.lost,
      fileBytes,
      fileMBPerS: fileBytes / MiB / seconds,
      bytesPerEvent: s.delivered === 0 ? 0 : fileBytes / s.delivered,
      maxBatchMs,
    }
  } finally {
    try { unlinkSync(file) } catch { /* not created */ }
  }
}

async function main(): Promise<void> {
  const probes = probeBackends()
  const runs: SustainedRun[] = []
  const errors: string[] = []
  const targets: TargetResult[] = []
  // The disk (os.tmpdir()) is what the target names; tmpfs shows the collector's own capacity.
  const dirs = [tmpdir(), ...(existsSync('/dev/shm') ? ['/dev/shm'] : [])]
  const floors = dirs.map((dir) => ({ dir, mibPerS: diskFloorMiBPerS(dir) }))
  for (const dir of dirs) {
    for (const probe of probes) {
      for (const clock of ['coarse', 'precise'] as const) {
        const target = `≥ 20 M events/s and 0 lost, 4 MiB ring, ${clock} clock, file in ${dir}`
        if (!probe.available) {
          if (probe.name === 'native') targets.push(notRun(target, probe))
          continue
        }
        try {
          const run = await sustain(probe.name, clock, dir)
          runs.push(run)
          // The target is the native collector's; the TS backend's figures are informational.
          if (probe.name === 'native') {
            targets.push(check(target, 'native', `${round(run.eventsPerS / 1e6, 2)} M events/s, ${run.lost} lost (${round(run.lost / run.written * 100, 1)} %)`,
              run.eventsPerS >= TARGET_EVENTS_PER_S && run.lost === 0))
          }
        } catch (error) {
          errors.push(`${probe.name}/${clock}/${dir}: ${(error as Error).message}`)
          if (probe.name === 'native') targets.push({ target, backend: 'native', measured: `error: ${(error as Error).message}`, status: 'FAIL' })
        }
      }
    }
  }

  const rows: Cell[][] = runs.map((r) => [
    r.dir, r.backend, r.clock, round(r.eventsPerS / 1e6, 2), r.written, r.delivered, r.lost,
    round(r.lost / r.written * 100, 3), round(r.fileBytes / MiB, 1), round(r.fileMBPerS, 1), round(r.bytesPerEvent, 1),
    round(r.maxBatchMs, 2), round(r.seconds, 2),
  ])
  emitResult({
    scenario: 'sustained',
    title: 'Sustained throughput to a trace file',
    method: `The main thread calls the Priming trace function in batches of ${BATCH.toLocaleString('en-US')} (each batch its own compiled call site) for ${DURATION_MS / 1000} s, with \`await new Promise(setImmediate)\` between batches, into a ${RING_BYTES / MiB} MiB ring (\`onFull: 'discard'\`); the collector writes a .rtrc file in os.tmpdir() (the disk) and in /dev/shm (tmpfs), deleted afterwards; the destination's own write speed is measured in the same run. Figures are taken after \`flush()\`. The TS backend drains on a ${JS_DRAIN_INTERVAL_MS} ms timer and on flush, on the producing thread; its figures are informational.`,
    backends: probes,
    tables: [{
      title: 'Throughput',
      columns: ['dir', 'backend', 'clock', 'M events/s', 'written', 'delivered', 'lost', 'lost %', 'file MiB', 'file MiB/s', 'file bytes/event', 'longest batch ms', 'seconds'],
      rows,
    }, {
      title: 'What the destination takes (4 MiB writeSync blocks, same duration, same run)',
      columns: ['dir', 'MiB/s', 'M events/s of 40-byte records'],
      rows: floors.map((f) => [f.dir, round(f.mibPerS, 1), round(f.mibPerS * MiB / 40 / 1e6, 2)]),
    }],
    targets,
    notes: [
      ...errors.map((e) => `Error: ${e}`),
      ...probes.filter((p) => !p.available).map((p) => `Backend ${p.name} skipped: ${p.reason}`),
    ],
    raw: { durationMs: DURATION_MS, ringBytes: RING_BYTES, batch: BATCH, runs, floors },
  })
}

void main()
