// Trace and span ids as the store keeps them: W3C hex, as OTLP backends and `traceparent` show
// them (32 and 16 lowercase digits). The reader gives span records' ids in GUID form, whose first
// three groups hold their bytes little-endian (docs/FORMAT.md); a span id is the first 8 bytes
// of its activity id. Queries take either form.

import { TracerError, describeValue } from '../errors.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX_32 = /^[0-9a-f]{32}$/i
const HEX_16 = /^[0-9a-f]{16}$/i

/** The 16 bytes of a GUID's text, in hex, in byte order. */
export function hexOfGuid(text: string): string {
  const h = text.toLowerCase()
  return h.slice(6, 8) + h.slice(4, 6) + h.slice(2, 4) + h.slice(0, 2) + h.slice(11, 13) + h.slice(9, 11) +
    h.slice(16, 18) + h.slice(14, 16) + h.slice(19, 23) + h.slice(24)
}

/** A trace id in W3C hex, from that form or the GUID form. */
export function traceIdOf(value: unknown, key: string): string {
  if (typeof value === 'string' && HEX_32.test(value)) return value.toLowerCase()
  if (typeof value === 'string' && GUID.test(value)) return hexOfGuid(value)
  throw new TracerError('INVALID_OPTION', `ringtrace: ${key} must be a trace id (32 hex digits, or a GUID), got ${describeValue(value)}`)
}

/** A span id in W3C hex, from that form or an activity id's GUID form. */
export function spanIdOf(value: unknown, key: string): string {
  if (typeof value === 'string' && HEX_16.test(value)) return value.toLowerCase()
  if (typeof value === 'string' && GUID.test(value)) return hexOfGuid(value).slice(0, 16)
  throw new TracerError('INVALID_OPTION', `ringtrace: ${key} must be a span id (16 hex digits, or an activity id GUID), got ${describeValue(value)}`)
}
