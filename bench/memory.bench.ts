// Memory: EVENTS events of the Priming event must not allocate on the JS heap (no GC, no heap
// growth) and must keep RSS within the ring plus a few MiB. Each configuration runs in its own
// child process (this file, re-run with --expose-gc and one configuration), so the RSS of one
// does not carry into the next.

import { execFileSync } from 'node:child_process'
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks'
import { createTracer } from '../src/index.js'
import { check, compileLoop, emitResult, MiB, notRun, PRIMING_FIELDS, probeBackends, round,
  type BackendName, type Cell, type TargetResult } from './bench-harness.js'

const EVENTS = 10_000_000
/** Events per synchronous batch; the tracer is flushed after each so no run depends on timers. */
const BATCH = 10_000
const RING_BYTES = 4 * MiB
/** Batches measured one by one for the producer-only figure, before the measured loop. */
const PRODUCER_SAMPLES = 101
/** "A few MiB" over the ring, as a number: the RSS target's allowance. */
const RSS_SLACK = 8 * MiB
/** Heap growth over the whole loop that still counts as "no allocation per event". */
const HEAP_SLACK = 1 * MiB

type Clock = 'coarse' | 'precise'

interface MemoryRun {
  backend: BackendName
  clock: Clock
  events: number
  seconds: number
  gcCount: number
  gcMs: number
  /** heapUsed (after a forced GC) before the loop, at the end of the loop (no GC), after a forced GC. */
  heapBefore: number
  heapAtEnd: number
  heapAfter: number
  /** Median heapUsed growth over one batch of BATCH events, flush excluded, per event. */
  producerBytesPerEvent: number
  rssBeforeTracer: number
  rssBefore: number
  rssAfter: number
  external: number
  arrayBuffers: number
  written: number
  delivered: number
  lost: number
}

const gcNow = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('memory.bench needs node --expose-gc')
  gc()
  gc()
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

function medianHeapGrowth(run: () => unknown, after: () => void): number {
  const samples = new Float64Array(PRODUCER_SAMPLES)
  for (let b = 0; b < PRODUCER_SAMPLES; b++) {
    const h0 = process.memoryUsage().heapUsed
    run()
    samples[b] = process.memoryUsage().heapUsed - h0
    after()
  }
  return samples.sort()[PRODUCER_SAMPLES >> 1]!
}

async function measure(backend: BackendName, clock: Clock): Promise<MemoryRun> {
  // Load the backend first (the addon's code and libraries are a per-process cost, not the
  // tracer's): a 4 KiB tracer, created and closed.
  createTracer({ provider: 'Ringtrace.Bench.Memory', backend, ringBytes: 4096, flushOnExit: false }).closeSync()
  gcNow()
  const rssBeforeTracer = process.memoryUsage().rss
  const tracer = createTracer({ provider: 'Ringtrace.Bench.Memory', backend, ringBytes: RING_BYTES, flushOnExit: false })
  const trace = tracer.event('Priming', PRIMING_FIELDS, { clock })
  const batch = compileLoop(BATCH, 'trace(1, 0.75, seq, seq + 1); seq++;', { trace }, 'let result = 0; let seq = 0;')

  // Warm-up: optimized code and a ring whose every page has been touched once.
  const warmBatches = Math.max(200, (2 * RING_BYTES) / (40 * BATCH))
  for (let b = 0; b < warmBatches; b++) { batch(); tracer.flush() }

  // Producer only: heap growth across single batches, no flush inside the window, less the same
  // window around an empty batch (process.memoryUsage() allocates its result object).
  const producerGrowth = medianHeapGrowth(batch, () => tracer.flush())
  const idle = compileLoop(BATCH, '')
  const measurementGrowth = medianHeapGrowth(idle, () => {})

  const gcs: PerformanceEntry[] = []
  const observer = new PerformanceObserver((list) => { gcs.push(...list.getEntries()) })
  observer.observe({ entryTypes: ['gc'] })
  gcNow()
  await tick()
  const before = tracer.stats().written
  const heapBefore = process.memoryUsage().heapUsed
  const rssBefore = process.memoryUsage().rss

  // The measured loop does nothing but trace and flush.
  const batches = EVENTS / BATCH
  const start = performance.now()
  for (let b = 0; b < batches; b++) {
    batch()
    tracer.flush()
  }
  const end = performance.now()
  const heapAtEnd = process.memoryUsage().heapUsed
  // GC entries arrive asynchronously; count only those that started inside the loop.
  await tick()
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()
  const inLoop = gcs.filter((e) => e.startTime >= start && e.startTime <= end)
  const usage = process.memoryUsage()
  gcNow()
  const heapAfter = process.memoryUsage().heapUsed
  const s = tracer.stats()
  tracer.closeSync()

  return {
    backend,
    clock,
    events: s.written - before,
    seconds: (end - start) / 1000,
    gcCount: inLoop.length,
    gcMs: inLoop.reduce((sum, e) => sum + e.duration, 0),
    heapBefore,
    heapAtEnd,
    heapAfter,
    producerBytesPerEvent: Math.max(0, producerGrowth - measurementGrowth) / BATCH,
    rssBeforeTracer,
    rssBefore,
    rssAfter: usage.rss,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    written: s.written,
    delivered: s.delivered,
    lost: s.lost,
  }
}

function runChild(backend: BackendName, clock: Clock): MemoryRun {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, `--child=${backend}:${clock}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 })
  return JSON.parse(out.trim().split('\n').pop()!) as MemoryRun
}

function parent(): void {
  const probes = probeBackends()
  const runs: MemoryRun[] = []
  const targets: TargetResult[] = []
  const errors: string[] = []
  const heapTarget = `no JS heap allocation per event: 0 GCs and heap growth < ${HEAP_SLACK / MiB} MiB over ${EVENTS / 1e6} M events`
  const rssTarget = `RSS growth from before createTracer() ≤ ring (${RING_BYTES / MiB} MiB) + ${RSS_SLACK / MiB} MiB`
  for (const probe of probes) {
    for (const clock of ['coarse', 'precise'] as const) {
      const label = `${heapTarget}, ${clock} clock`
      const rssLabel = `${rssTarget}, ${clock} clock`
      if (!probe.available) {
        targets.push(notRun(label, probe), notRun(rssLabel, probe))
        continue
      }
      try {
        const r = runChild(probe.name, clock)
        runs.push(r)
        const growth = r.heapAtEnd - r.heapBefore
        targets.push(check(label, probe.name, `${r.gcCount} GCs, heap +${round(growth / 1024, 1)} KiB (${round(growth / r.events, 4)} B/event)`,
          r.gcCount === 0 && growth < HEAP_SLACK))
        const rssGrowth = r.rssAfter - r.rssBeforeTracer
        targets.push(check(rssLabel, probe.name, `+${round(rssGrowth / MiB, 1)} MiB`, rssGrowth <= RING_BYTES + RSS_SLACK))
      } catch (error) {
        errors.push(`${probe.name}/${clock}: ${(error as Error).message}`)
        targets.push({ target: label, backend: probe.name, measured: `error: ${(error as Error).message}`, status: 'FAIL' })
      }
    }
  }
  const kib = (bytes: number) => round(bytes / 1024, 1)
  const mib = (bytes: number) => round(bytes / MiB, 1)
  const rows: Cell[][] = runs.map((r) => [
    r.backend, r.clock, r.events, round(r.seconds, 2), r.gcCount, round(r.gcMs, 1),
    kib(r.heapBefore), kib(r.heapAtEnd - r.heapBefore), kib(r.heapAfter - r.heapBefore), round(r.producerBytesPerEvent, 4),
    mib(r.rssBeforeTracer), mib(r.rssBefore), mib(r.rssAfter), mib(r.rssAfter - r.rssBefore), mib(r.rssAfter - r.rssBeforeTracer), r.lost,
  ])
  emitResult({
    scenario: 'memory',
    title: 'Memory: allocation and RSS',
    method: `Each backend and clock runs in a fresh \`node --expose-gc\` process: the backend loaded first (a 4 KiB tracer created and closed, so the addon's own pages are not counted), then a ${RING_BYTES / MiB} MiB ring without a file, a warm-up that touches every ring page, then ${EVENTS.toLocaleString('en-US')} Priming events in synchronous batches of ${BATCH.toLocaleString('en-US')}, \`flush()\` after each batch (on the TS backend that flush is the consumer, on the producing thread). GCs are \`PerformanceObserver\` 'gc' entries that started inside the loop; heap figures are \`process.memoryUsage().heapUsed\`; "RSS growth" runs from before \`createTracer()\` to the end of the loop (before any forced GC); "producer B/event" is the median heapUsed growth across one batch (flush excluded) over ${PRODUCER_SAMPLES} batches measured before the loop, less the same measurement around an empty batch.`,
    backends: probes,
    tables: [{
      title: 'Heap and RSS',
      columns: ['backend', 'clock', 'events', 'seconds', 'GCs in loop', 'GC ms', 'heap before KiB', 'heap growth at end KiB', 'heap growth after GC KiB',
        'producer B/event', 'RSS before tracer MiB', 'RSS before loop MiB', 'RSS after loop MiB', 'RSS growth in loop MiB', 'RSS growth MiB', 'lost'],
      rows,
    }],
    targets,
    notes: [
      ...errors.map((e) => `Error: ${e}`),
      ...probes.filter((p) => !p.available).map((p) => `Backend ${p.name} skipped: ${p.reason}`),
    ],
    raw: { events: EVENTS, batch: BATCH, ringBytes: RING_BYTES, runs },
  })
}

async function child(spec: string): Promise<void> {
  const [backend, clock] = spec.split(':') as [BackendName, Clock]
  const run = await measure(backend, clock)
  process.stdout.write(`${JSON.stringify(run)}\n`)
}

const childArg = process.argv.find((a) => a.startsWith('--child='))
if (childArg === undefined) parent()
else void child(childArg.slice('--child='.length))
