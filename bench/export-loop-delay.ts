// Event-loop delay on the producing thread while it traces 100k spans/s: no tracing (the same
// pacing with an empty call), ringtrace without export, ringtrace exporting to the sink, and the
// OpenTelemetry SDK exporting to the same sink. Each configuration runs in several windows, the
// order rotated from round to round; each window has its own tracer (or provider), created before
// and closed after it, so no configuration's threads or timers run during another's window.
// Target: exporting adds at most 1 ms to the p99.

import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { check, compileLoop, median, MiB, notRun, round, roundOrder, spreadText, type BackendName, type BackendProbe, type Cell,
  type ScenarioPart, type TargetResult } from './bench-harness.js'
import { benchTracer, spanLoop } from './export-tracers.js'
import { OTEL_MAX_EXPORT_BATCH_SIZE, OTEL_MAX_QUEUE_SIZE, OTEL_SCHEDULED_DELAY_MS, otelOtlpPeer } from './otel-otlp-peer.js'
import { pacedWindow, type PacedWindow, type Pacing } from './paced-load.js'

const PACING: Pacing = { burstItems: 1000, periodMs: 10, warmupMs: 500, measureMs: 1700 }
const ROUNDS = 3
const TARGET_RATE = (PACING.burstItems * 1000) / PACING.periodMs
/** A window below this share of the target rate did not carry the load it claims. */
const RATE_TOLERANCE = 0.95
const RING_BYTES = 16 * MiB
const TARGET_MS = 1

/** What became of the spans a window produced (null: nothing exported, so nothing to count). */
interface Delivery {
  exported: number | null
  /** Produced but not exported. */
  missing: number | null
  /** The producer's own counters for the missing ones, in words. */
  counters: Record<string, number>
}

interface Session {
  burst: () => unknown
  close(produced: number): Promise<Delivery>
}

interface Config {
  name: string
  backend: BackendName | null
  exporting: boolean
  open(): Session
  windows: PacedWindow[]
  deliveries: Delivery[]
}

function baseline(): Session {
  const noop = () => 0
  return {
    burst: compileLoop(PACING.burstItems, 'result = noop(i);', { noop }),
    close: () => Promise.resolve({ exported: null, missing: null, counters: {} }),
  }
}

function ringtrace(backend: BackendName, sinkUrl: string | undefined): Session {
  const tracer = benchTracer({ backend, ringBytes: RING_BYTES, exportTo: sinkUrl })
  return {
    burst: spanLoop(tracer, PACING.burstItems),
    async close(produced): Promise<Delivery> {
      await tracer.close()
      const s = tracer.stats()
      const traces = s.exporters['otlp-traces']
      if (traces === undefined) return { exported: null, missing: null, counters: { 'ring lost': s.lost } }
      return {
        exported: traces.exported,
        missing: produced - traces.exported,
        counters: { 'ring lost': s.lost, 'stream dropped': s.liveDropped, 'exporter dropped': traces.dropped, failed: traces.failed },
      }
    },
  }
}

function opentelemetry(sinkUrl: string): Session {
  const peer = otelOtlpPeer(sinkUrl)
  return {
    burst: compileLoop(PACING.burstItems, "otel.startActiveSpan('Op', (span) => { span.setAttribute('actionId', i); span.end(); });", { otel: peer.tracer }),
    async close(produced) {
      const counts = await peer.shutdown()
      const missing = produced - counts.exported
      return { exported: counts.exported, missing, counters: { 'processor dropped (queue full)': missing - counts.failed, failed: counts.failed } }
    },
  }
}

function configs(probes: BackendProbe[], sinkUrl: string): Config[] {
  const list: Omit<Config, 'windows' | 'deliveries'>[] = [{ name: 'baseline: no tracing', backend: null, exporting: false, open: baseline }]
  for (const probe of probes.filter((p) => p.available)) {
    list.push({ name: `ringtrace ${probe.name}, no export`, backend: probe.name, exporting: false, open: () => ringtrace(probe.name, undefined) })
    list.push({ name: `ringtrace ${probe.name}, export`, backend: probe.name, exporting: true, open: () => ringtrace(probe.name, sinkUrl) })
  }
  list.push({ name: 'OpenTelemetry SDK, BatchSpanProcessor + OTLP proto', backend: null, exporting: true, open: () => opentelemetry(sinkUrl) })
  return list.map((c) => ({ ...c, windows: [], deliveries: [] }))
}

const medianOf = (windows: PacedWindow[], pick: (w: PacedWindow) => number): number | null => median(windows.map(pick))
const ms = (value: number | null): number | null => (value === null ? null : round(value, 2))
const percent = (share: number | null): number | null => (share === null ? null : Math.round(share * 100))
/** Each counter summed over the windows, e.g. `ring lost 0, stream dropped 0`. */
function countersText(deliveries: Delivery[]): string {
  const totals = new Map<string, number>()
  for (const d of deliveries) for (const [name, n] of Object.entries(d.counters)) totals.set(name, (totals.get(name) ?? 0) + n)
  return totals.size === 0 ? '–' : [...totals].map(([name, n]) => `${name} ${n}`).join(', ')
}
const sum = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.reduce<number>((a, v) => a + v!, 0))

/** Runs every configuration's windows and reports their event-loop delay and what they delivered. */
export async function measureLoopDelay(probes: BackendProbe[], sinkUrl: string): Promise<ScenarioPart> {
  // OpenTelemetry's context propagation on Node, as spans.bench.ts measures it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const all = configs(probes, sinkUrl)
  for (let r = 0; r < ROUNDS; r++) {
    for (const config of roundOrder(all, r)) {
      globalThis.gc?.()
      const session = config.open()
      const window = await pacedWindow(session.burst, PACING)
      config.windows.push(window)
      config.deliveries.push(await session.close(window.items))
    }
  }

  const rows: Cell[][] = all.map((c) => [
    c.name,
    ms(medianOf(c.windows, (w) => w.p50Ms)),
    ms(medianOf(c.windows, (w) => w.p99Ms)),
    spreadText(c.windows.map((w) => w.p99Ms), 2),
    ms(Math.max(...c.windows.map((w) => w.maxMs))),
    Math.round(medianOf(c.windows, (w) => w.itemsPerS) ?? 0),
    percent(medianOf(c.windows, (w) => w.mainBusy)),
    percent(medianOf(c.windows, (w) => w.processCores)),
    sum(c.deliveries.map((d) => d.exported)),
    sum(c.deliveries.map((d) => d.missing)),
    countersText(c.deliveries),
  ])

  const targets: TargetResult[] = []
  const target = `event-loop p99 with export ≤ without export + ${TARGET_MS} ms (${TARGET_RATE / 1000}k spans/s)`
  for (const probe of probes) {
    if (!probe.available) {
      targets.push(notRun(target, probe))
      continue
    }
    const off = all.find((c) => c.backend === probe.name && !c.exporting)!
    const on = all.find((c) => c.backend === probe.name && c.exporting)!
    const offP99 = medianOf(off.windows, (w) => w.p99Ms)!
    const onP99 = medianOf(on.windows, (w) => w.p99Ms)!
    const slowest = Math.min(...on.windows.map((w) => w.itemsPerS), ...off.windows.map((w) => w.itemsPerS))
    const carried = slowest >= TARGET_RATE * RATE_TOLERANCE
    const rate = carried ? '' : `; a window reached only ${Math.round(slowest)} spans/s, below ${RATE_TOLERANCE * 100}% of the load`
    targets.push(check(target, probe.name, `${round(onP99, 2)} ms vs ${round(offP99, 2)} ms (+${round(onP99 - offP99, 2)} ms)${rate}`,
      carried && onP99 <= offP99 + TARGET_MS))
  }

  return {
    method: `**Event-loop delay.** Every ${PACING.periodMs} ms (scheduled against absolute times; a late burst is followed at once by the next, so falling behind lowers the achieved rate) the main thread makes a burst of ${PACING.burstItems} spans: ${TARGET_RATE / 1000}k spans/s. ringtrace: a typed span \`op.run(noop, i)\` (one u32 attribute, precise clock), ${RING_BYTES / MiB} MiB ring, no file; export: \`export: { otlp: { endpoint } }\` with the defaults (http/protobuf, 2048 spans or 200 ms per request, 2 requests in flight, 16 MiB stream). OpenTelemetry: BasicTracerProvider + BatchSpanProcessor (maxExportBatchSize ${OTEL_MAX_EXPORT_BATCH_SIZE}, scheduledDelayMillis ${OTEL_SCHEDULED_DELAY_MS}, maxQueueSize ${OTEL_MAX_QUEUE_SIZE}) + OTLPTraceExporter (http/protobuf), the AsyncLocalStorage context manager; each span \`startActiveSpan\`, one attribute, \`end()\`. Baseline: the same pacing calling an empty function. Both exporters send to the same receiver, a child process (bench/otlp-sink-server.ts) answering 200 to every request. \`perf_hooks.monitorEventLoopDelay({ resolution: 1 })\` samples the loop for ${PACING.measureMs} ms after a ${PACING.warmupMs} ms paced warm-up; its values are the intervals between runs of a 1 ms timer, so an idle loop shows about 1 ms. ${ROUNDS} rounds, each configuration once per round in rotated order, each window with a tracer (or provider) of its own, closed (flushed) after it; figures are the median over the rounds (max: the largest of all). Main thread busy: its event-loop utilisation; process CPU: user + system time of all the process's threads (main, collector, export worker; not the receiver's process) per wall time, 100% = one core.`,
    tables: [{
      title: `Event-loop delay at ${TARGET_RATE / 1000}k spans/s (ms)`,
      columns: ['configuration', 'p50', 'p99', 'p99 per round', 'max', 'achieved spans/s', 'main thread busy %', 'process CPU % of a core', 'spans exported', 'spans not exported', 'counters (all windows)'],
      rows,
    }],
    targets,
    notes: [],
    raw: { pacing: PACING, rounds: ROUNDS, configs: all.map((c) => ({ name: c.name, windows: c.windows, deliveries: c.deliveries })) },
  }
}
