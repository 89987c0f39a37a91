// What the exporters send, independent of the wire format: spans and log records as the export
// worker assembles them from decoded trace items, with their attributes typed by the schema's
// field types. The OTLP (protobuf, JSON) and Loki encoders take these and nothing else.

import type { FieldTypeName } from '../format/field-types.js'
import type { FieldValue } from '../reader/trace-items.js'

/**
 * One attribute: its value as the reader decodes it and the schema field type it came from,
 * which picks the OTLP AnyValue kind (integers up to 64 bits: intValue; f32/f64: doubleValue;
 * bool; str and guid: stringValue; binary: bytesValue; numeric arrays: arrayValue of the
 * element's kind).
 */
export interface ExportAttribute {
  readonly key: string
  readonly type: FieldTypeName
  readonly value: FieldValue
  /**
   * The value is whole JSON text (a logger's object, array or Error field, not cut by the
   * tracer): a Loki line embeds it as JSON; OTLP sends it as a string.
   */
  readonly json?: true
}

/** OTLP span kinds (trace.proto Span.SpanKind). */
export const OtlpSpanKind = { Unspecified: 0, Internal: 1, Server: 2, Client: 3, Producer: 4, Consumer: 5 } as const
export type OtlpSpanKind = (typeof OtlpSpanKind)[keyof typeof OtlpSpanKind]

/** OTLP status codes (trace.proto Status.StatusCode). */
export const OtlpStatusCode = { Unset: 0, Ok: 1, Error: 2 } as const
export type OtlpStatusCode = (typeof OtlpStatusCode)[keyof typeof OtlpStatusCode]

export interface ExportSpanEvent {
  readonly name: string
  readonly timeNs: bigint
  readonly attributes: readonly ExportAttribute[]
}

export interface ExportSpan {
  /** 16 bytes. */
  readonly traceId: Uint8Array
  /**
   * The span id in its first 8 bytes, all the encoders write: the span's activity id (16 bytes,
   * docs/FORMAT.md section 4) serves as it is.
   */
  readonly spanId: Uint8Array
  /** The parent's span id, likewise (its activity id serves); undefined for a root span. */
  readonly parentSpanId: Uint8Array | undefined
  readonly name: string
  readonly kind: OtlpSpanKind
  /** Nanoseconds since the Unix epoch. */
  readonly startNs: bigint
  readonly endNs: bigint
  readonly attributes: readonly ExportAttribute[]
  /** The error as an `exception` event (exception.type, exception.message), if any. */
  readonly events: readonly ExportSpanEvent[]
  readonly statusCode: OtlpStatusCode
  /** Written for an error only. */
  readonly statusMessage: string
}

export interface ExportLog {
  /** Nanoseconds since the Unix epoch: when the event was traced. */
  readonly timeNs: bigint
  /** When the export worker decoded it. */
  readonly observedNs: bigint
  /** OTLP SeverityNumber (1..24; 0 unspecified). */
  readonly severityNumber: number
  readonly severityText: string
  /** The event's name (OTLP: body as a string value, and eventName). */
  readonly body: string
  readonly eventName: string
  readonly attributes: readonly ExportAttribute[]
  /** Of the span the event was traced in: 16 and 8 bytes, or undefined outside a span. */
  readonly traceId: Uint8Array | undefined
  readonly spanId: Uint8Array | undefined
}

/** The resource every batch carries (service.name, process.pid, host.name, telemetry.sdk.*, ...). */
export interface ExportResource {
  readonly attributes: readonly ExportAttribute[]
}

/** The instrumentation scope of everything ringtrace exports: the provider, ringtrace's version. */
export interface ExportScope {
  readonly name: string
  readonly version: string
}
