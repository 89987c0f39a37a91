// Spans as an OTLP ExportTraceServiceRequest (http/protobuf). Field by field:
//
//   trace_id, span_id        always: 16 and 8 bytes (the first 8 of ExportSpan.spanId)
//   parent_span_id           only for a child span; absent for a root
//   flags                    0x01, W3C "sampled" (otlp-flags.ts)
//   name                     omitted when empty (proto3 default)
//   kind                     omitted when SPAN_KIND_UNSPECIFIED (0)
//   start/end_time_unix_nano always (fixed64, ns since the Unix epoch)
//   attributes               in order (any-value-kind.ts says which AnyValue each becomes)
//   events                   in order, each with time_unix_nano, name, attributes
//   status                   absent when Unset; else code, and message only for an error
//
// Fields are written in field-number order, so equal input gives equal bytes.

import { ProtoWriter } from '../protobuf/proto-writer.js'
import { SPAN_ID_BYTES } from '../../spans/ids.js'
import { OtlpStatusCode, type ExportResource, type ExportScope, type ExportSpan } from '../model.js'
import { writeAttributes } from './otlp-attributes-proto.js'
import { FLAGS_SAMPLED } from './otlp-flags.js'
import { encodeRequest } from './otlp-request-proto.js'

// Span
const TRACE_ID = 1
const SPAN_ID = 2
const PARENT_SPAN_ID = 4
const NAME = 5
const KIND = 6
const START_TIME = 7
const END_TIME = 8
const ATTRIBUTES = 9
const EVENTS = 11
const STATUS = 15
const FLAGS = 16
// Span.Event
const EVENT_TIME = 1
const EVENT_NAME = 2
const EVENT_ATTRIBUTES = 3
// Status
const STATUS_MESSAGE = 2
const STATUS_CODE = 3

/** An ExportTraceServiceRequest of `spans`, written with `writer` (reused across batches) when given. */
export function encodeTraces(
  resource: ExportResource, scope: ExportScope, spans: readonly ExportSpan[], writer: ProtoWriter = new ProtoWriter(),
): Uint8Array {
  return encodeRequest(resource, scope, spans, writeSpan, writer)
}

function writeSpan(w: ProtoWriter, field: number, span: ExportSpan): void {
  const message = w.begin(field)
  w.bytesField(TRACE_ID, span.traceId)
  w.bytesField(SPAN_ID, span.spanId, SPAN_ID_BYTES)
  if (span.parentSpanId !== undefined) w.bytesField(PARENT_SPAN_ID, span.parentSpanId, SPAN_ID_BYTES)
  if (span.name !== '') w.string(NAME, span.name)
  if (span.kind !== 0) w.uint(KIND, span.kind)
  w.fixed64(START_TIME, span.startNs)
  w.fixed64(END_TIME, span.endNs)
  writeAttributes(w, ATTRIBUTES, span.attributes)
  for (let i = 0; i < span.events.length; i++) {
    const event = span.events[i]!
    const eventMessage = w.begin(EVENTS)
    w.fixed64(EVENT_TIME, event.timeNs)
    if (event.name !== '') w.string(EVENT_NAME, event.name)
    writeAttributes(w, EVENT_ATTRIBUTES, event.attributes)
    w.end(eventMessage)
  }
  const { statusCode: code, statusMessage } = span
  if (code !== OtlpStatusCode.Unset) {
    const status = w.begin(STATUS)
    if (code === OtlpStatusCode.Error && statusMessage !== '') w.string(STATUS_MESSAGE, statusMessage)
    w.uint(STATUS_CODE, code)
    w.end(status)
  }
  w.fixed32(FLAGS, FLAGS_SAMPLED)
  w.end(message)
}
