// Attributes as repeated common.v1.KeyValue messages. Every AnyValue carries its oneof member even
// when that member holds a default (0, false, ''): an AnyValue without one means "no value".

import type { FieldValue, TypedArrayValue } from '../../reader/trace-items.js'
import type { ProtoWriter } from '../protobuf/proto-writer.js'
import type { ExportAttribute } from '../model.js'
import { ANY_VALUE_KINDS, AnyValueKind, ELEMENT_KINDS, fitsInt64 } from './any-value-kind.js'

// KeyValue
const KEY = 1
const VALUE = 2
// AnyValue
const STRING_VALUE = 1
const BOOL_VALUE = 2
const INT_VALUE = 3
const DOUBLE_VALUE = 4
const ARRAY_VALUE = 5
const BYTES_VALUE = 7
// ArrayValue
const ARRAY_VALUES = 1

/** Writes each attribute as a KeyValue in repeated field `field`, in order. */
export function writeAttributes(w: ProtoWriter, field: number, attributes: readonly ExportAttribute[]): void {
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i]!
    const keyValue = w.begin(field)
    w.string(KEY, attribute.key)
    const anyValue = w.begin(VALUE)
    writeValue(w, ANY_VALUE_KINDS[attribute.type], attribute.value)
    w.end(anyValue)
    w.end(keyValue)
  }
}

/** Writes the AnyValue member of `kind` for `value` (the fields of an AnyValue message). */
function writeValue(w: ProtoWriter, kind: AnyValueKind, value: FieldValue): void {
  switch (kind) {
    case AnyValueKind.Bool: w.bool(BOOL_VALUE, value as boolean); break
    case AnyValueKind.Int:
      if (typeof value === 'bigint') w.int64(INT_VALUE, value)
      else w.int(INT_VALUE, value as number)
      break
    case AnyValueKind.U64:
      if (fitsInt64(value as bigint)) w.int64(INT_VALUE, value as bigint)
      else w.string(STRING_VALUE, String(value))
      break
    case AnyValueKind.Double: w.double(DOUBLE_VALUE, value as number); break
    case AnyValueKind.String: w.string(STRING_VALUE, value as string); break
    case AnyValueKind.Bytes: w.bytesField(BYTES_VALUE, value as Uint8Array); break
    default: writeArray(w, ELEMENT_KINDS[kind]!, value as TypedArrayValue)
  }
}

function writeArray(w: ProtoWriter, element: AnyValueKind, values: TypedArrayValue): void {
  const array = w.begin(ARRAY_VALUE)
  for (let i = 0; i < values.length; i++) {
    const anyValue = w.begin(ARRAY_VALUES)
    writeValue(w, element, values[i]!)
    w.end(anyValue)
  }
  w.end(array)
}
