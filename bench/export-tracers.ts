// What the export scenario's parts share: the span they trace (one u32 attribute, as the
// OpenTelemetry peer's), its compiled call site, and tracers with and without export to the sink.

import { createTracer, t, type Tracer, type TracerOptions } from '../src/index.js'
import { compileLoop, type BackendName } from './bench-harness.js'

export const PROVIDER = 'Ringtrace.Bench.Export'

type ExportConfig = Exclude<TracerOptions['export'], false | undefined>

export interface BenchTracerOptions {
  backend: BackendName
  ringBytes: number
  /** The sink's base URL; undefined: no export. */
  exportTo?: string
  /** More export options (the endpoint is the sink's). */
  exportOptions?: ExportConfig
  correlate?: boolean
}

/** A tracer without a file: no export (`export: false`, whatever the variables say) or export to the sink. */
export function benchTracer(options: BenchTracerOptions): Tracer {
  const { backend, ringBytes, exportTo, exportOptions = {}, correlate } = options
  const exported: TracerOptions['export'] = exportTo === undefined
    ? false
    : { ...exportOptions, otlp: { ...(exportOptions.otlp || {}), endpoint: exportTo } }
  return createTracer({ provider: PROVIDER, backend, ringBytes, flushOnExit: false, export: exported, ...(correlate === undefined ? {} : { correlate }) })
}

/** `count` typed spans `op.run(noop, i)` (start and end, precise clock, one u32 attribute), from a call site of their own. */
export function spanLoop(tracer: Tracer, count: number): () => unknown {
  const op = tracer.defineSpan('Op', [['actionId', t.u32]])
  const noop = () => 0
  return compileLoop(count, 'result = op.run(noop, i);', { op, noop })
}
