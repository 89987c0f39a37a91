// The OpenTelemetry SDK exporting the same spans to the same receiver: BasicTracerProvider +
// BatchSpanProcessor + the OTLP http/protobuf exporter, batching as ringtrace's exporter does by
// default (2048 spans, 200 ms). The processor drops spans past its queue without saying how many
// to its caller, so the exporter is wrapped to count what it sent: dropped = ended − sent.

import type { Tracer as OtelTracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base'

/** The processor's queue: above the 100k spans one second of the paced load ends. */
export const OTEL_MAX_QUEUE_SIZE = 100_000
export const OTEL_MAX_EXPORT_BATCH_SIZE = 2048
export const OTEL_SCHEDULED_DELAY_MS = 200

export interface OtelExportCounts {
  /** Spans in batches the receiver accepted. */
  exported: number
  /** Spans in batches that failed (an HTTP error, a timeout). */
  failed: number
}

export interface OtelPeer {
  tracer: OtelTracer
  /** Flushes what the processor queues, shuts the provider down, and says what was sent. */
  shutdown(): Promise<OtelExportCounts>
}

function countingExporter(inner: SpanExporter, counts: OtelExportCounts): SpanExporter {
  return {
    export(spans: ReadableSpan[], done) {
      inner.export(spans, (result) => {
        // ExportResultCode.SUCCESS is 0.
        if (result.code === 0) counts.exported += spans.length
        else counts.failed += spans.length
        done(result)
      })
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  }
}

/** A provider exporting to `baseUrl`/v1/traces (the context manager is the caller's, set once). */
export function otelOtlpPeer(baseUrl: string): OtelPeer {
  const counts: OtelExportCounts = { exported: 0, failed: 0 }
  const exporter = countingExporter(new OTLPTraceExporter({ url: `${baseUrl}/v1/traces` }), counts)
  const processor = new BatchSpanProcessor(exporter, {
    maxExportBatchSize: OTEL_MAX_EXPORT_BATCH_SIZE,
    scheduledDelayMillis: OTEL_SCHEDULED_DELAY_MS,
    maxQueueSize: OTEL_MAX_QUEUE_SIZE,
  })
  const provider = new BasicTracerProvider({ spanProcessors: [processor] })
  return {
    tracer: provider.getTracer('ringtrace-bench'),
    async shutdown() {
      await provider.shutdown()
      return { ...counts }
    },
  }
}
