// Log records as an OTLP ExportLogsServiceRequest (http/protobuf). Field by field:
//
//   time_unix_nano           always (fixed64): when the event was traced
//   observed_time_unix_nano  always: when the export worker decoded it
//   severity_number          omitted when SEVERITY_NUMBER_UNSPECIFIED (0)
//   severity_text            omitted when empty
//   body                     the event's name as an AnyValue string_value; omitted when empty
//   attributes               in order (any-value-kind.ts says which AnyValue each becomes)
//   flags                    0x01, W3C "sampled" (otlp-flags.ts), with a trace_id; else omitted
//   trace_id, span_id        those of the span the event was traced in; each omitted when unknown
//   event_name               omitted when empty. Field 12, added in OTLP 1.5: receivers built on
//                            older protos skip it as an unknown field and still see the body
//
// Fields are written in field-number order, so equal input gives equal bytes.

import { ProtoWriter } from '../protobuf/proto-writer.js'
import type { ExportLog, ExportResource, ExportScope } from '../model.js'
import { writeAttributes } from './otlp-attributes-proto.js'
import { FLAGS_SAMPLED } from './otlp-flags.js'
import { encodeRequest } from './otlp-request-proto.js'

// LogRecord
const TIME = 1
const SEVERITY_NUMBER = 2
const SEVERITY_TEXT = 3
const BODY = 5
const ATTRIBUTES = 6
const FLAGS = 8
const TRACE_ID = 9
const SPAN_ID = 10
const OBSERVED_TIME = 11
const EVENT_NAME = 12
// AnyValue
const STRING_VALUE = 1

/** An ExportLogsServiceRequest of `logs`, written with `writer` (reused across batches) when given. */
export function encodeLogs(
  resource: ExportResource, scope: ExportScope, logs: readonly ExportLog[], writer: ProtoWriter = new ProtoWriter(),
): Uint8Array {
  return encodeRequest(resource, scope, logs, writeLog, writer)
}

function writeLog(w: ProtoWriter, field: number, log: ExportLog): void {
  const message = w.begin(field)
  w.fixed64(TIME, log.timeNs)
  if (log.severityNumber !== 0) w.uint(SEVERITY_NUMBER, log.severityNumber)
  if (log.severityText !== '') w.string(SEVERITY_TEXT, log.severityText)
  if (log.body !== '') {
    const body = w.begin(BODY)
    w.string(STRING_VALUE, log.body)
    w.end(body)
  }
  writeAttributes(w, ATTRIBUTES, log.attributes)
  if (log.traceId !== undefined) {
    w.fixed32(FLAGS, FLAGS_SAMPLED)
    w.bytesField(TRACE_ID, log.traceId)
  }
  if (log.spanId !== undefined) w.bytesField(SPAN_ID, log.spanId)
  w.fixed64(OBSERVED_TIME, log.observedNs)
  if (log.eventName !== '') w.string(EVENT_NAME, log.eventName)
  w.end(message)
}
