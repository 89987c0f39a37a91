// The envelope of both OTLP/JSON export requests: one resourceSpans/resourceLogs entry holding
// one scopeSpans/scopeLogs entry, with the fields the protobuf envelope writes
// (otlp-request-proto.ts).

import type { JsonWriter } from '../json/json-writer.js'
import type { ExportResource, ExportScope } from '../model.js'
import { writeAttributesJson } from './otlp-attributes-json.js'

/** The JSON keys that name a signal's lists. */
export interface SignalKeys {
  readonly resourceItems: string
  readonly scopeItems: string
  readonly items: string
}

/**
 * The UTF-8 request body for `items`, each written by `writeItem`. Reuses `writer` (reset first)
 * and returns a copy of its bytes.
 */
export function encodeRequestJson<T>(
  keys: SignalKeys, resource: ExportResource, scope: ExportScope, items: readonly T[],
  writeItem: (w: JsonWriter, item: T) => void, writer: JsonWriter,
): Uint8Array {
  writer.reset()
  writer.raw(`{"${keys.resourceItems}":[{"resource":{`)
  if (resource.attributes.length > 0) {
    writer.raw('"attributes":')
    writeAttributesJson(writer, resource.attributes)
  }
  writer.raw(`},"${keys.scopeItems}":[{"scope":{`)
  if (scope.name !== '') {
    writer.raw('"name":')
    writer.string(scope.name)
  }
  if (scope.version !== '') {
    writer.raw(scope.name !== '' ? ',"version":' : '"version":')
    writer.string(scope.version)
  }
  writer.raw(`},"${keys.items}":[`)
  for (let i = 0; i < items.length; i++) {
    if (i > 0) writer.raw(',')
    writeItem(writer, items[i]!)
  }
  writer.raw(']}]}]}')
  return writer.finish()
}
