// Log records as an OTLP/JSON ExportLogsServiceRequest (http/json): the fields the protobuf body
// carries (otlp-logs-proto.ts), ids as lowercase hex, times as decimal strings, severityNumber as
// an integer; attributes per otlp-attributes-json.ts.

import { JsonWriter } from '../json/json-writer.js'
import type { ExportLog, ExportResource, ExportScope } from '../model.js'
import { FLAGS_SAMPLED } from './otlp-flags.js'
import { encodeRequestJson, writeOptionalAttributes, writeOptionalId, writeOptionalString,
  type SignalKeys } from './otlp-request-json.js'

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
  writeOptionalString(w, ',"severityText":', log.severityText)
  if (log.body !== '') {
    w.raw(',"body":{"stringValue":')
    w.string(log.body)
    w.raw('}')
  }
  writeOptionalAttributes(w, ',"attributes":', log.attributes)
  if (log.traceId !== undefined) {
    w.raw(',"flags":')
    w.number(FLAGS_SAMPLED)
    w.raw(',"traceId":')
    w.quotedHex(log.traceId)
  }
  writeOptionalId(w, ',"spanId":', log.spanId)
  w.raw(',"observedTimeUnixNano":')
  w.quotedInteger(log.observedNs)
  writeOptionalString(w, ',"eventName":', log.eventName)
  w.raw('}')
}
