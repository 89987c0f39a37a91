// Spans as an OTLP/JSON ExportTraceServiceRequest (http/json): the fields the protobuf body
// carries (otlp-traces-proto.ts), ids as lowercase hex, times as decimal strings, kind and status
// code as integers; attributes per otlp-attributes-json.ts.

import { SPAN_ID_BYTES } from '../../spans/ids.js'
import { JsonWriter } from '../json/json-writer.js'
import { OtlpStatusCode, type ExportResource, type ExportScope, type ExportSpan } from '../model.js'
import { FLAGS_SAMPLED } from './otlp-flags.js'
import { encodeRequestJson, writeOptionalAttributes, writeOptionalId, writeOptionalString,
  type SignalKeys } from './otlp-request-json.js'

const KEYS: SignalKeys = { resourceItems: 'resourceSpans', scopeItems: 'scopeSpans', items: 'spans' }

/** The UTF-8 OTLP/JSON body of an ExportTraceServiceRequest of `spans`, written with `writer` (reused across batches) when given. */
export function encodeTracesJson(
  resource: ExportResource, scope: ExportScope, spans: readonly ExportSpan[], writer: JsonWriter = new JsonWriter(),
): Uint8Array {
  return encodeRequestJson(KEYS, resource, scope, spans, writeSpan, writer)
}

function writeSpan(w: JsonWriter, span: ExportSpan): void {
  w.raw('{"traceId":')
  w.quotedHex(span.traceId)
  w.raw(',"spanId":')
  w.quotedHex(span.spanId, SPAN_ID_BYTES)
  writeOptionalId(w, ',"parentSpanId":', span.parentSpanId, SPAN_ID_BYTES)
  writeOptionalString(w, ',"name":', span.name)
  if (span.kind !== 0) {
    w.raw(',"kind":')
    w.number(span.kind)
  }
  w.raw(',"startTimeUnixNano":')
  w.quotedInteger(span.startNs)
  w.raw(',"endTimeUnixNano":')
  w.quotedInteger(span.endNs)
  writeOptionalAttributes(w, ',"attributes":', span.attributes)
  if (span.events.length > 0) {
    w.raw(',"events":[')
    for (let i = 0; i < span.events.length; i++) {
      const event = span.events[i]!
      w.raw(i === 0 ? '{"timeUnixNano":' : ',{"timeUnixNano":')
      w.quotedInteger(event.timeNs)
      writeOptionalString(w, ',"name":', event.name)
      writeOptionalAttributes(w, ',"attributes":', event.attributes)
      w.raw('}')
    }
    w.raw(']')
  }
  const { statusCode: code, statusMessage: message } = span
  if (code !== OtlpStatusCode.Unset) {
    w.raw(',"status":{')
    if (code === OtlpStatusCode.Error && message !== '') {
      w.raw('"message":')
      w.string(message)
      w.raw(',"code":')
    } else {
      w.raw('"code":')
    }
    w.number(code)
    w.raw('}')
  }
  w.raw(',"flags":')
  w.number(FLAGS_SAMPLED)
  w.raw('}')
}
