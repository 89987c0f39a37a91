// The envelope of both OTLP/JSON export requests: one resourceSpans/resourceLogs entry holding
// one scopeSpans/scopeLogs entry, with the fields the protobuf envelope writes
// (otlp-request-proto.ts).

import type { JsonWriter } from '../json/json-writer.js'
import type { ExportAttribute, ExportResource, ExportScope } from '../model.js'
import { writeAttributesJson } from './otlp-attributes-json.js'

/** The JSON keys that name a signal's lists. */
export interface SignalKeys {
  readonly resourceItems: string
  readonly scopeItems: string
  readonly items: string
}

/** Writes `key` (its comma, name and colon) and `value`, unless `value` is empty: proto3 omits it. */
export function writeOptionalString(w: JsonWriter, key: string, value: string): void {
  if (value === '') return
  w.raw(key)
  w.string(value)
}

/** Writes `key` and `id` in hex, unless there is no id. */
export function writeOptionalId(w: JsonWriter, key: string, id: Uint8Array | undefined, length = id?.length ?? 0): void {
  if (id === undefined) return
  w.raw(key)
  w.quotedHex(id, length)
}

/** Writes `key` and the list of `attributes`, unless it is empty. */
export function writeOptionalAttributes(w: JsonWriter, key: string, attributes: readonly ExportAttribute[]): void {
  if (attributes.length === 0) return
  w.raw(key)
  writeAttributesJson(w, attributes)
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
  writeOptionalAttributes(writer, '"attributes":', resource.attributes)
  writer.raw(`},"${keys.scopeItems}":[{"scope":{`)
  writeOptionalString(writer, '"name":', scope.name)
  writeOptionalString(writer, scope.name !== '' ? ',"version":' : '"version":', scope.version)
  writer.raw(`},"${keys.items}":[`)
  for (let i = 0; i < items.length; i++) {
    if (i > 0) writer.raw(',')
    writeItem(writer, items[i]!)
  }
  writer.raw(']}]}]}')
  return writer.finish()
}
