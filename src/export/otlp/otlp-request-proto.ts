// The envelope both export requests share: ExportTraceServiceRequest and ExportLogsServiceRequest
// number their fields alike (request.resource_<signal> = 1, resource = 1, scope_<signal> = 2,
// scope = 1, the items = 2), so one writer serves both. A batch is one ResourceSpans/ResourceLogs
// holding one ScopeSpans/ScopeLogs: everything ringtrace exports has one resource and one scope.

import type { ProtoWriter } from '../protobuf/proto-writer.js'
import type { ExportResource, ExportScope } from '../model.js'
import { writeAttributes } from './otlp-attributes-proto.js'

const REQUEST_RESOURCE_ITEMS = 1
const RESOURCE = 1
const SCOPE_ITEMS = 2
const SCOPE = 1
const ITEMS = 2
// Resource
const RESOURCE_ATTRIBUTES = 1
// InstrumentationScope
const SCOPE_NAME = 1
const SCOPE_VERSION = 2

/**
 * The request for `items`, each written by `writeItem` as field `field` of the scope message.
 * Reuses `writer` (reset first) and returns a copy of its bytes.
 */
export function encodeRequest<T>(
  resource: ExportResource, scope: ExportScope, items: readonly T[],
  writeItem: (w: ProtoWriter, field: number, item: T) => void, writer: ProtoWriter,
): Uint8Array {
  writer.reset()
  const resourceItems = writer.begin(REQUEST_RESOURCE_ITEMS)
  const resourceMessage = writer.begin(RESOURCE)
  writeAttributes(writer, RESOURCE_ATTRIBUTES, resource.attributes)
  writer.end(resourceMessage)
  const scopeItems = writer.begin(SCOPE_ITEMS)
  const scopeMessage = writer.begin(SCOPE)
  if (scope.name !== '') writer.string(SCOPE_NAME, scope.name)
  if (scope.version !== '') writer.string(SCOPE_VERSION, scope.version)
  writer.end(scopeMessage)
  for (let i = 0; i < items.length; i++) writeItem(writer, ITEMS, items[i]!)
  writer.end(scopeItems)
  writer.end(resourceItems)
  return writer.finish()
}
