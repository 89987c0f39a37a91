// Spans as an OTLP/JSON ExportTraceServiceRequest (http/json): the fields the protobuf body
// carries (otlp-traces-proto.ts), spelled per otlp-attributes-json.ts; kind and status code as
// integers.

import { OtlpStatusCode, type ExportResource, type ExportScope, type ExportSpan } from '../model.js'
import { attributesJson, hexJson, int64Json } from './otlp-attributes-json.js'
import { encodeRequestJson, type SignalKeys } from './otlp-request-json.js'
import { SPAN_FLAGS_SAMPLED } from './otlp-traces-proto.js'

const KEYS: SignalKeys = { resourceItems: 'resourceSpans', scopeItems: 'scopeSpans', items: 'spans' }

/** The UTF-8 OTLP/JSON body of an ExportTraceServiceRequest of `spans`. */
export function encodeTracesJson(resource: ExportResource, scope: ExportScope, spans: readonly ExportSpan[]): Uint8Array {
  return encodeRequestJson(KEYS, resource, scope, spans, spanJson)
}

function spanJson(span: ExportSpan): string {
  let out = `{"traceId":${hexJson(span.traceId)},"spanId":${hexJson(span.spanId)}`
  if (span.parentSpanId !== undefined) out += `,"parentSpanId":${hexJson(span.parentSpanId)}`
  if (span.name !== '') out += `,"name":${JSON.stringify(span.name)}`
  if (span.kind !== 0) out += `,"kind":${span.kind}`
  out += `,"startTimeUnixNano":${int64Json(span.startNs)},"endTimeUnixNano":${int64Json(span.endNs)}`
  if (span.attributes.length > 0) out += `,"attributes":${attributesJson(span.attributes)}`
  if (span.events.length > 0) {
    out += ',"events":['
    for (let i = 0; i < span.events.length; i++) {
      const event = span.events[i]!
      if (i > 0) out += ','
      out += `{"timeUnixNano":${int64Json(event.timeNs)}`
      if (event.name !== '') out += `,"name":${JSON.stringify(event.name)}`
      if (event.attributes.length > 0) out += `,"attributes":${attributesJson(event.attributes)}`
      out += '}'
    }
    out += ']'
  }
  const { code, message } = span.status
  if (code !== OtlpStatusCode.Unset) {
    out += code === OtlpStatusCode.Error && message !== ''
      ? `,"status":{"message":${JSON.stringify(message)},"code":${code}}`
      : `,"status":{"code":${code}}`
  }
  return `${out},"flags":${SPAN_FLAGS_SAMPLED}}`
}
