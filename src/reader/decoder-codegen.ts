// Builds the decoder of one schema as straight-line code: one DataView read per scalar at a
// constant offset, the variable-field readers called in order, the field names stored at
// constant sites. Field and event names come from the file, so they never become source text:
// the code refers to them as n0, n1, ... and receives them as arguments.

import type { RecordLayout } from '../format/layout.js'
import type { FieldReader } from './field-readers.js'
import type { RecordCursor } from './record-cursor.js'
import type { FieldValue } from './trace-items.js'

export type RecordDecoder = (r: RecordCursor) => Record<string, FieldValue> | undefined

const SCALAR_READ: Record<string, (at: string) => string> = {
  bool: (at) => `v.getUint8(${at}) !== 0`,
  i8: (at) => `v.getInt8(${at})`,
  u8: (at) => `v.getUint8(${at})`,
  i16: (at) => `v.getInt16(${at}, true)`,
  u16: (at) => `v.getUint16(${at}, true)`,
  i32: (at) => `v.getInt32(${at}, true)`,
  u32: (at) => `v.getUint32(${at}, true)`,
  i64: (at) => `v.getBigInt64(${at}, true)`,
  u64: (at) => `v.getBigUint64(${at}, true)`,
  f32: (at) => `v.getFloat32(${at}, true)`,
  f64: (at) => `v.getFloat64(${at}, true)`,
}

export function compileDecoder(names: readonly string[], readers: readonly FieldReader[], layout: RecordLayout): RecordDecoder {
  const offsets = new Map(layout.fixed.map((slot) => [slot.index, slot]))
  const lines = names.map((_, i) => {
    const slot = offsets.get(i)
    const read = slot !== undefined && slot.type in SCALAR_READ ? SCALAR_READ[slot.type](`s + ${slot.offset}`) : `f${i}(r)`
    // `__proto__` is a valid field name; a plain store of it would set the prototype.
    return names[i] === '__proto__'
      ? `Object.defineProperty(o, n${i}, { value: ${read}, enumerable: true, writable: true, configurable: true })`
      : `o[n${i}] = ${read}`
  })
  const params = names.flatMap((_, i) => [`n${i}`, `f${i}`])
  const body = `return function decode(r) {
  const v = r.view, s = r.start, o = {}
  r.pos = s + ${layout.fixedEnd}
  ${lines.join('\n  ')}
  return r.overrun ? undefined : o
}`
  const factory = new Function(...params, body) as (...args: unknown[]) => RecordDecoder
  return factory(...names.flatMap((name, i) => [name, readers[i]]))
}
