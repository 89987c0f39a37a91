// How each field type is read from a record: the one table the decoder (generated or not) is
// built from (docs/FORMAT.md section 2 for the layout of variable fields).

import { fieldTypeInfo, type FieldTypeName, type NumericTypeName, type ScalarTypeName } from '../format/field-types.js'
import { VAR_FLAG_TRUNCATED, VAR_HEADER_BYTES } from '../format/record-layout.js'
import { alignUp } from '../format/layout.js'
import type { RecordCursor } from './record-cursor.js'
import type { FieldValue, TypedArrayValue } from './trace-items.js'

export type FieldReader = (r: RecordCursor) => FieldValue

export type DataViewGetter =
  | 'getInt8' | 'getUint8' | 'getInt16' | 'getUint16' | 'getInt32' | 'getUint32'
  | 'getBigInt64' | 'getBigUint64' | 'getFloat32' | 'getFloat64'

/** The little-endian DataView read of each scalar type but guid; bool is its byte `!== 0`. */
export const SCALAR_GETTERS: ReadonlyMap<FieldTypeName, DataViewGetter> = new Map<ScalarTypeName, DataViewGetter>([
  ['bool', 'getUint8'], ['i8', 'getInt8'], ['u8', 'getUint8'], ['i16', 'getInt16'], ['u16', 'getUint16'],
  ['i32', 'getInt32'], ['u32', 'getUint32'], ['i64', 'getBigInt64'], ['u64', 'getBigUint64'],
  ['f32', 'getFloat32'], ['f64', 'getFloat64'],
])

/**
 * Locates the variable field at `r.pos` (u16 count, u16 flags, u32 reserved, payload padded to
 * 8), moves `r.pos` past it and returns where its payload starts, or -1 with `r.overrun` set when
 * it does not fit in the record. Decoding and the counting pass both check records through this.
 */
export function locateVariable(r: RecordCursor, elementBytes: number, name: string): number {
  const at = r.pos
  if (at + VAR_HEADER_BYTES > r.end) {
    r.overrun = true
    return -1
  }
  const count = r.view.getUint16(at, true)
  const payload = at + VAR_HEADER_BYTES
  const payloadEnd = payload + count * elementBytes
  if (payloadEnd > r.end) {
    r.overrun = true
    return -1
  }
  if ((r.view.getUint16(at + 2, true) & VAR_FLAG_TRUNCATED) !== 0) (r.truncated ??= []).push(name)
  r.count = count
  r.pos = alignUp(payloadEnd, 8)
  return payload
}

type TypedArrayMaker = (buffer: ArrayBuffer) => TypedArrayValue

const ARRAY_MAKERS: Record<NumericTypeName, TypedArrayMaker> = {
  i8: (b) => new Int8Array(b),
  u8: (b) => new Uint8Array(b),
  i16: (b) => new Int16Array(b),
  u16: (b) => new Uint16Array(b),
  i32: (b) => new Int32Array(b),
  u32: (b) => new Uint32Array(b),
  i64: (b) => new BigInt64Array(b),
  u64: (b) => new BigUint64Array(b),
  f32: (b) => new Float32Array(b),
  f64: (b) => new Float64Array(b),
}

/** Typed arrays use the host's byte order; the format is little-endian. */
const BIG_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 0

function toHostOrder(copy: Uint8Array, elementBytes: number): void {
  const bytes = Buffer.from(copy.buffer)
  if (elementBytes === 2) bytes.swap16()
  else if (elementBytes === 4) bytes.swap32()
  else if (elementBytes === 8) bytes.swap64()
}

/** Bytes per element of a variable field type: 1 for str and binary. */
export function elementBytesOf(type: FieldTypeName): number {
  const element = fieldTypeInfo(type)?.element
  return element === undefined ? 1 : fieldTypeInfo(element)!.size
}

/** The reader of the variable field `name`, of type `type`, at `r.pos`. */
export function variableFieldReader(type: FieldTypeName, name: string): FieldReader {
  if (type === 'str') {
    return (r) => {
      const at = locateVariable(r, 1, name)
      return at < 0 ? '' : r.bytes.toString('utf8', at, at + r.count)
    }
  }
  if (type === 'binary') {
    return (r) => {
      const at = locateVariable(r, 1, name)
      return at < 0 ? new Uint8Array(0) : new Uint8Array(r.bytes.subarray(at, at + r.count))
    }
  }
  const element = fieldTypeInfo(type)?.element
  if (element === undefined) throw new RangeError(`${type} is not a variable field type`)
  const elementBytes = elementBytesOf(type)
  const make = ARRAY_MAKERS[element]
  return (r) => {
    const at = locateVariable(r, elementBytes, name)
    if (at < 0) return make(new ArrayBuffer(0))
    // A copy: the reader's buffer is reused for the next chunk, and the copy starts aligned.
    const copy = new Uint8Array(r.bytes.subarray(at, at + r.count * elementBytes))
    if (BIG_ENDIAN_HOST) toHostOrder(copy, elementBytes)
    return make(copy.buffer)
  }
}
