// Attributes in OTLP/JSON, the protobuf JSON mapping with OTLP's exceptions: 64-bit integers as
// decimal strings; doubles as numbers, but NaN and the infinities as the strings "NaN",
// "Infinity", "-Infinity"; bytes_value as base64; lowerCamelCase keys. (Trace and span ids, the
// other exception, are hex rather than base64: JsonWriter.quotedHex.)

import type { FieldValue, TypedArrayValue } from '../../reader/trace-items.js'
import type { JsonWriter } from '../json/json-writer.js'
import type { ExportAttribute } from '../model.js'
import { ANY_VALUE_KINDS, AnyValueKind, ELEMENT_KINDS, fitsInt64 } from './any-value-kind.js'

/** Writes the JSON array of KeyValue objects for `attributes`, in order. */
export function writeAttributesJson(w: JsonWriter, attributes: readonly ExportAttribute[]): void {
  w.raw('[')
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i]!
    w.raw(i === 0 ? '{"key":' : ',{"key":')
    w.string(attribute.key)
    w.raw(',"value":')
    writeAnyValue(w, ANY_VALUE_KINDS[attribute.type], attribute.value)
    w.raw('}')
  }
  w.raw(']')
}

/** Writes an AnyValue object: its oneof member is present even when it holds a default. */
function writeAnyValue(w: JsonWriter, kind: AnyValueKind, value: FieldValue): void {
  switch (kind) {
    case AnyValueKind.Bool:
      w.raw(value ? '{"boolValue":true}' : '{"boolValue":false}')
      return
    case AnyValueKind.Int:
      w.raw('{"intValue":')
      w.quotedInteger(value as number | bigint)
      break
    case AnyValueKind.U64:
      w.raw(fitsInt64(value as bigint) ? '{"intValue":' : '{"stringValue":')
      w.quotedInteger(value as bigint)
      break
    case AnyValueKind.Double:
      w.raw('{"doubleValue":')
      writeDouble(w, value as number)
      break
    case AnyValueKind.String:
      w.raw('{"stringValue":')
      w.string(value as string)
      break
    case AnyValueKind.Bytes:
      w.raw('{"bytesValue":')
      w.quotedBase64(value as Uint8Array)
      break
    default:
      writeArray(w, ELEMENT_KINDS[kind]!, value as TypedArrayValue)
      return
  }
  w.raw('}')
}

function writeDouble(w: JsonWriter, value: number): void {
  if (Number.isFinite(value)) {
    if (Object.is(value, -0)) w.raw('-0')
    else w.number(value)
  } else {
    w.raw(Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"')
  }
}

function writeArray(w: JsonWriter, element: AnyValueKind, values: TypedArrayValue): void {
  w.raw('{"arrayValue":{"values":[')
  for (let i = 0; i < values.length; i++) {
    if (i > 0) w.raw(',')
    writeAnyValue(w, element, values[i]!)
  }
  w.raw(']}}')
}
