// Log records as an OTLP/JSON ExportLogsServiceRequest (http/json): the fields the protobuf body
// carries (otlp-logs-proto.ts), spelled per otlp-attributes-json.ts; severityNumber as an integer.

import type { ExportLog, ExportResource, ExportScope } from '../model.js'
import { attributesJson, hexJson, int64Json } from './otlp-attributes-json.js'
import { encodeRequestJson, type SignalKeys } from './otlp-request-json.js'
import { SPAN_FLAGS_SAMPLED } from './otlp-traces-proto.js'

const KEYS: SignalKeys = { resourceItems: 'resourceLogs', scopeItems: 'scopeLogs', items: 'logRecords' }

/** The UTF-8 OTLP/JSON body of an ExportLogsServiceRequest of `logs`. */
export function encodeLogsJson(resource: ExportResource, scope: ExportScope, logs: readonly ExportLog[]): Uint8Array {
  return encodeRequestJson(KEYS, resource, scope, logs, logJson)
}

function logJson(log: ExportLog): string {
  let out = `{"timeUnixNano":${int64Json(log.timeNs)}`
  if (log.severityNumber !== 0) out += `,"severityNumber":${log.severityNumber}`
  if (log.severityText !== '') out += `,"severityText":${JSON.stringify(log.severityText)}`
  if (log.body !== '') out += `,"body":{"stringValue":${JSON.stringify(log.body)}}`
  if (log.attributes.length > 0) out += `,"attributes":${attributesJson(log.attributes)}`
  if (log.traceId !== undefined) out += `,"flags":${SPAN_FLAGS_SAMPLED},"traceId":${hexJson(log.traceId)}`
  if (log.spanId !== undefined) out += `,"spanId":${hexJson(log.spanId)}`
  out += `,"observedTimeUnixNano":${int64Json(log.observedNs)}`
  if (log.eventName !== '') out += `,"eventName":${JSON.stringify(log.eventName)}`
  return `${out}}`
}
