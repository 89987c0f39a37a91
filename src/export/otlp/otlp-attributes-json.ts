// Attributes and the scalar spellings of OTLP/JSON (the protobuf JSON mapping with OTLP's
// exceptions): ids as lowercase hex, not base64; 64-bit integers as decimal strings; doubles as
// numbers, but NaN and the infinities as the strings "NaN", "Infinity", "-Infinity"; bytes_value
// as base64. Keys are lowerCamelCase. The text is built by concatenation and encoded once per
// batch: V8 joins the pieces as a rope, cheaper than an object tree for JSON.stringify.

import type { FieldValue, TypedArrayValue } from '../../reader/trace-items.js'
import type { ExportAttribute } from '../model.js'
import { ANY_VALUE_KINDS, AnyValueKind, ELEMENT_KINDS, fitsInt64 } from './any-value-kind.js'

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** `bytes` as a quoted lowercase hex string (trace and span ids). */
export function hexJson(bytes: Uint8Array): string {
  let out = '"'
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]!]!
  return `${out}"`
}

/** A 64-bit integer (or a smaller one) as a quoted decimal. */
export function int64Json(value: bigint | number): string {
  return `"${value}"`
}

function doubleJson(value: number): string {
  if (Number.isFinite(value)) return Object.is(value, -0) ? '-0' : String(value)
  return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"'
}

/** The JSON array of KeyValue objects for `attributes`, in order. */
export function attributesJson(attributes: readonly ExportAttribute[]): string {
  let out = '['
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i]!
    if (i > 0) out += ','
    out += `{"key":${JSON.stringify(attribute.key)},"value":${anyValueJson(ANY_VALUE_KINDS[attribute.type], attribute.value)}}`
  }
  return `${out}]`
}

/** An AnyValue object: its oneof member is present even when it holds a default. */
function anyValueJson(kind: AnyValueKind, value: FieldValue): string {
  switch (kind) {
    case AnyValueKind.Bool: return value ? '{"boolValue":true}' : '{"boolValue":false}'
    case AnyValueKind.Int: return `{"intValue":${int64Json(value as number | bigint)}}`
    case AnyValueKind.U64:
      return fitsInt64(value as bigint) ? `{"intValue":${int64Json(value as bigint)}}` : `{"stringValue":"${value}"}`
    case AnyValueKind.Double: return `{"doubleValue":${doubleJson(value as number)}}`
    case AnyValueKind.String: return `{"stringValue":${JSON.stringify(value)}}`
    case AnyValueKind.Bytes: {
      const bytes = value as Uint8Array
      return `{"bytesValue":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`
    }
    default: return arrayJson(ELEMENT_KINDS[kind]!, value as TypedArrayValue)
  }
}

function arrayJson(element: AnyValueKind, values: TypedArrayValue): string {
  let out = '{"arrayValue":{"values":['
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ','
    out += anyValueJson(element, values[i]!)
  }
  return `${out}]}}`
}
