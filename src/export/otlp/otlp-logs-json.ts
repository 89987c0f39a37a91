// Log records as an OTLP/JSON ExportLogsServiceRequest (http/json): the fields the protobuf body
// carries (otlp-logs-proto.ts), ids as lowercase hex, times as decimal strings, severityNumber as
// an integer; attributes per otlp-attributes-json.ts.

import { JsonWriter } from '../json/json-writer.js'
import type { ExportLog, ExportResource, ExportScope } from '../model.js'
import { writeAttributesJson } from './otlp-attributes-json.js'
import { encodeRequestJson, type SignalKeys } from './otlp-request-json.js'
import { SPAN_FLAGS_SAMPLED } from './otlp-traces-proto.js'

const KEYS: SignalKeys = { resourceItems: 'resourceLogs', scopeItems: 'scopeLogs', items: 'logRecords' }

/** The UTF-8 OTLP/JSON body of an ExportLogsServiceRequest of `logs`, written with `writer` (reused across batches) when given. */
export function encodeLogsJson(
  resource: ExportResource, scope: ExportScope, logs: readonly ExportLog[], writer: JsonWriter = new JsonWriter(),
): Uint8Array {
  return encodeRequestJson(KEYS, resource, scope, logs, writeLog, writer)
}

function writeLog(w: JsonWriter, log: ExportLog): void {
  w.raw('{"timeUnixNano":')
  w.quotedInteger(log.timeNs)
  if (log.severityNumber !== 0) {
    w.raw(',"severityNumber":')
    w.number(log.severityNumber)
  }
  if (log.severityText !== '') {
    w.raw(',"severityText":')
    w.string(log.severityText)
  }
  if (log.body !== '') {
    w.raw(',"body":{"stringValue":')
    w.string(log.body)
    w.raw('}')
  }
  if (log.attributes.length > 0) {
    w.raw(',"attributes":')
    writeAttributesJson(w, log.attributes)
  }
  if (log.traceId !== undefined) {
    w.raw(',"flags":')
    w.number(SPAN_FLAGS_SAMPLED)
    w.raw(',"traceId":')
    w.quotedHex(log.traceId)
  }
  if (log.spanId !== undefined) {
    w.raw(',"spanId":')
    w.quotedHex(log.spanId)
  }
  w.raw(',"observedTimeUnixNano":')
  w.quotedInteger(log.observedNs)
  if (log.eventName !== '') {
    w.raw(',"eventName":')
    w.string(log.eventName)
  }
  w.raw('}')
}
