// Where each field of a schema sits inside a record. A pure function of the field types, used by
// the writer (to specialise its code) and by the reader (to decode), so both agree by
// construction.

import { FIELD_TYPES, type FieldTypeName } from './field-types.js'
import { HEADER_BYTES } from './record-layout.js'

export interface FixedSlot {
  readonly index: number
  readonly type: FieldTypeName
  readonly offset: number
}

export interface VarSlot {
  readonly index: number
  readonly type: FieldTypeName
}

export interface RecordLayout {
  readonly fixed: readonly FixedSlot[]
  readonly variable: readonly VarSlot[]
  /** Offset where the first variable field starts: the fixed block's end, rounded up to 8. */
  readonly fixedEnd: number
}

export function alignUp(value: number, alignment: number): number {
  return (value + alignment - 1) & ~(alignment - 1)
}

export function computeLayout(types: readonly FieldTypeName[]): RecordLayout {
  const fixed: FixedSlot[] = []
  const variable: VarSlot[] = []
  let offset = HEADER_BYTES
  types.forEach((type, index) => {
    const info = FIELD_TYPES.get(type)
    if (info === undefined) throw new RangeError(`unknown field type ${type}`)
    if (info.variable) {
      variable.push({ index, type })
      return
    }
    offset = alignUp(offset, info.align)
    fixed.push({ index, type, offset })
    offset += info.size
  })
  return { fixed, variable, fixedEnd: alignUp(offset, 8) }
}
