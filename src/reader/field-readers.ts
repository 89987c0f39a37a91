// One reader function per field of a schema, chosen once when the schema is loaded, so decoding
// a record is a loop of direct calls with the offsets already baked in.

import { fieldTypeInfo, type FieldTypeName, type NumericTypeName, type ScalarTypeName } from '../format/field-types.js'
import { VAR_FLAG_TRUNCATED, VAR_HEADER_BYTES } from '../format/record-layout.js'
import { alignUp } from '../format/layout.js'
import { guidText } from './guid-text.js'
import type { RecordCursor } from './record-cursor.js'
import type { FieldValue, TypedArrayValue } from './trace-items.js'

export type FieldReader = (r: RecordCursor) => FieldValue

export function fixedFieldReader(type: ScalarTypeName, offset: number): FieldReader {
  switch (type) {
    case 'bool': return (r) => r.view.getUint8(r.start + offset) !== 0
    case 'i8': return (r) => r.view.getInt8(r.start + offset)
    case 'u8': return (r) => r.view.getUint8(r.start + offset)
    case 'i16': return (r) => r.view.getInt16(r.start + offset, true)
    case 'u16': return (r) => r.view.getUint16(r.start + offset, true)
    case 'i32': return (r) => r.view.getInt32(r.start + offset, true)
    case 'u32': return (r) => r.view.getUint32(r.start + offset, true)
    case 'i64': return (r) => r.view.getBigInt64(r.start + offset, true)
    case 'u64': return (r) => r.view.getBigUint64(r.start + offset, true)
    case 'f32': return (r) => r.view.getFloat32(r.start + offset, true)
    case 'f64': return (r) => r.view.getFloat64(r.start + offset, true)
    case 'guid': return (r) => guidText(r.bytes, r.start + offset)
  }
}

/**
 * Locates the variable field at `r.pos` (docs/FORMAT.md section 2: u16 count, u16 flags, u32
 * reserved, payload padded to 8), moves `r.pos` past it and returns where its payload starts,
 * or -1 with `r.overrun` set when it does not fit in the record.
 */
function locateVariable(r: RecordCursor, elementBytes: number, name: string): number {
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
  const elementBytes = fieldTypeInfo(element)!.size
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
