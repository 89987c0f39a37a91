// How fast the export worker turns traced spans into accepted OTLP requests: the main thread
// traces TOTAL spans as fast as it can (yielding every SLICE, as an application would), and the
// figure is TOTAL over the time from the first span to the exporter counting the last one
// exported. Ring, stream and exporter budget are large enough that nothing needs dropping; a run
// that dropped anything is reported as such, never as a throughput. Target: ≥ 500k spans/s.

import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Tracer } from '../src/index.js'
import { check, MiB, notRun, round, type BackendName, type BackendProbe, type Cell, type ScenarioPart,
  type TargetResult } from './bench-harness.js'
import { benchTracer, spanLoop } from './export-tracers.js'
import type { Sink } from './otlp-sink.js'

const TOTAL = 1_000_000
/** Traced and exported before the clock starts: the worker's code is compiled, its connections open. */
const WARMUP = 100_000
const SLICE = 20_000
const RING_BYTES = 256 * MiB
const STREAM_BYTES = 512 * MiB
const BUDGET_BYTES = 1024 * MiB
const POLL_MS = 5
/** Gives up on a run that has not exported everything by then (the scenario's time is bounded). */
const DEADLINE_MS = 20_000
const TARGET_PER_S = 500_000

interface ThroughputRun {
  backend: BackendName
  produceS: number
  totalS: number
  /** Counted during the timed run only. */
  exported: number
  spansPerS: number
  lost: number
  liveDropped: number
  exporterDropped: number
  failed: number
  retried: number
  sinkRequests: number
  sinkBytes: number
  /** All of TOTAL exported before DEADLINE_MS. */
  complete: boolean
}

const exportedSoFar = (tracer: Tracer): number => tracer.stats().exporters['otlp-traces']?.exported ?? 0

async function traceSpans(tracer: Tracer, count: number): Promise<void> {
  const loop = spanLoop(tracer, SLICE)
  for (let done = 0; done < count; done += SLICE) {
    loop()
    await nextTurn()
  }
}

/** Polls until `target` spans are exported or the deadline passes; the time it took, ms. */
async function untilExported(tracer: Tracer, target: number, startedAt: number): Promise<number> {
  while (exportedSoFar(tracer) < target && performance.now() - startedAt < DEADLINE_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return performance.now() - startedAt
}

async function run(backend: BackendName, sink: Sink): Promise<ThroughputRun> {
  const tracer = benchTracer({
    backend,
    ringBytes: RING_BYTES,
    exportTo: sink.url,
    exportOptions: { streamBytes: STREAM_BYTES, otlp: { budgetBytes: BUDGET_BYTES } },
  })
  try {
    await traceSpans(tracer, WARMUP)
    await untilExported(tracer, WARMUP, performance.now())
    const before = tracer.stats()
    const beforeTraces = before.exporters['otlp-traces']!
    const sinkBefore = (await sink.counts()).paths['/v1/traces'] ?? { requests: 0, bytes: 0 }
    globalThis.gc?.()

    const start = performance.now()
    await traceSpans(tracer, TOTAL)
    const produceMs = performance.now() - start
    const totalMs = await untilExported(tracer, beforeTraces.exported + TOTAL, start)

    const after = tracer.stats()
    const traces = after.exporters['otlp-traces']!
    const sinkAfter = (await sink.counts()).paths['/v1/traces'] ?? { requests: 0, bytes: 0 }
    const exported = traces.exported - beforeTraces.exported
    return {
      backend,
      produceS: produceMs / 1000,
      totalS: totalMs / 1000,
      exported,
      spansPerS: exported / (totalMs / 1000),
      lost: after.lost - before.lost,
      liveDropped: after.liveDropped - before.liveDropped,
      exporterDropped: traces.dropped - beforeTraces.dropped,
      failed: traces.failed - beforeTraces.failed,
      retried: traces.retried - beforeTraces.retried,
      sinkRequests: sinkAfter.requests - sinkBefore.requests,
      sinkBytes: sinkAfter.bytes - sinkBefore.bytes,
      complete: exported >= TOTAL,
    }
  } finally {
    await tracer.close()
  }
}

const lossFree = (r: ThroughputRun): boolean => r.lost === 0 && r.liveDropped === 0 && r.exporterDropped === 0 && r.failed === 0

/** Runs the throughput measurement on every backend that loads. */
export async function measureThroughput(probes: BackendProbe[], sink: Sink): Promise<ScenarioPart> {
  const runs: ThroughputRun[] = []
  const targets: TargetResult[] = []
  const target = `exporter throughput ≥ ${TARGET_PER_S / 1000}k spans/s to a local receiver, nothing dropped`
  for (const probe of probes) {
    if (!probe.available) {
      targets.push(notRun(target, probe))
      continue
    }
    globalThis.gc?.()
    const r = await run(probe.name, sink)
    runs.push(r)
    const invalid = !lossFree(r)
      ? ` (not a valid figure: ring lost ${r.lost}, stream dropped ${r.liveDropped}, exporter dropped ${r.exporterDropped}, failed ${r.failed})`
      : r.complete ? '' : ` (only ${r.exported} of ${TOTAL} exported after ${DEADLINE_MS / 1000} s)`
    targets.push(check(target, probe.name, `${Math.round(r.spansPerS).toLocaleString('en-US')} spans/s${invalid}`,
      lossFree(r) && r.complete && r.spansPerS >= TARGET_PER_S))
  }
  const rows: Cell[][] = runs.map((r) => [r.backend, TOTAL, round(r.produceS, 2), round(r.totalS, 2), Math.round(r.spansPerS), r.exported,
    r.lost, r.liveDropped, r.exporterDropped, r.failed, r.retried, r.sinkRequests, round(r.sinkBytes / Math.max(1, r.exported), 1)])
  return {
    method: `**Exporter throughput.** On one exporting tracer per backend (${RING_BYTES / MiB} MiB ring, export.streamBytes ${STREAM_BYTES / MiB} MiB, export.otlp.budgetBytes ${BUDGET_BYTES / MiB} MiB, otherwise the defaults) the main thread traces ${WARMUP.toLocaleString('en-US')} spans and waits for their export (warm-up), then traces ${TOTAL.toLocaleString('en-US')} typed spans as fast as it can, yielding to the event loop every ${SLICE.toLocaleString('en-US')}; then it polls \`stats().exporters['otlp-traces'].exported\` every ${POLL_MS} ms. Spans/s = spans exported / time from the first span to the last one exported (production included). A run that lost or dropped anything is no throughput figure.`,
    tables: [{
      title: `Export of ${TOTAL.toLocaleString('en-US')} spans to the local receiver`,
      columns: ['backend', 'spans', 'tracing s', 'until all exported s', 'spans/s', 'exported', 'ring lost', 'stream dropped', 'exporter dropped', 'failed', 'retried', 'requests', 'bytes/span (protobuf)'],
      rows,
    }],
    targets,
    notes: [],
    raw: { total: TOTAL, runs },
  }
}
