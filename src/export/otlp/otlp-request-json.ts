// The envelope of both OTLP/JSON export requests: one resourceSpans/resourceLogs entry holding
// one scopeSpans/scopeLogs entry, with the fields the protobuf envelope writes
// (otlp-request-proto.ts). The body is the UTF-8 of the text.

import type { ExportResource, ExportScope } from '../model.js'
import { attributesJson } from './otlp-attributes-json.js'

/** The JSON keys that name a signal's lists. */
export interface SignalKeys {
  readonly resourceItems: string
  readonly scopeItems: string
  readonly items: string
}

const utf8 = new TextEncoder()

/** The request body for `items`, each made by `itemJson`. */
export function encodeRequestJson<T>(
  keys: SignalKeys, resource: ExportResource, scope: ExportScope, items: readonly T[], itemJson: (item: T) => string,
): Uint8Array {
  let scopeJson = '{'
  if (scope.name !== '') scopeJson += `"name":${JSON.stringify(scope.name)}`
  if (scope.version !== '') scopeJson += `${scope.name !== '' ? ',' : ''}"version":${JSON.stringify(scope.version)}`
  scopeJson += '}'
  const resourceJson = resource.attributes.length > 0 ? `{"attributes":${attributesJson(resource.attributes)}}` : '{}'
  let out = `{"${keys.resourceItems}":[{"resource":${resourceJson},"${keys.scopeItems}":[{"scope":${scopeJson},"${keys.items}":[`
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ','
    out += itemJson(items[i]!)
  }
  return utf8.encode(`${out}]}]}]}`)
}
