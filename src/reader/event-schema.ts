// A SCHEMA chunk turned into what decoding needs: the event's metadata and a decoder built once
// from `computeLayout`, the same function the writer uses.

import { fieldTypeInfo, type FieldTypeName, type ScalarTypeName } from '../format/field-types.js'
import { computeLayout } from '../format/layout.js'
import { MAX_FIELDS } from '../format/record-layout.js'
import { MAX_EVENTS } from '../format/ring-layout.js'
import { fixedFieldReader, variableFieldReader, type FieldReader } from './field-readers.js'
import { compileDecoder } from './decoder-codegen.js'
import type { RecordCursor } from './record-cursor.js'
import type { FieldValue } from './trace-items.js'

export interface SchemaField {
  readonly name: string
  readonly type: FieldTypeName
}

export interface EventSchema {
  readonly id: number
  readonly name: string
  readonly level: number
  readonly keyword: bigint
  readonly opcode: number
  readonly fields: readonly SchemaField[]
  /** Smallest size of a record of this event: header and fixed block. */
  readonly fixedEnd: number
  /** Field values of the record under `r`; undefined when a variable field overruns it. */
  decode(r: RecordCursor): Record<string, FieldValue> | undefined
}

/** Every event read without field decoding shares this. */
const NO_FIELDS: Record<string, FieldValue> = Object.freeze({})

/** Why a SCHEMA chunk cannot be used, or the schema. */
export function compileSchema(json: unknown, decodeFields: boolean): EventSchema | string {
  if (typeof json !== 'object' || json === null) return 'not a JSON object'
  const { id, name, level, keyword, opcode, fields } = json as Record<string, unknown>
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) >= MAX_EVENTS) return `bad event id ${String(id)}`
  if (typeof name !== 'string') return 'no event name'
  if (!Number.isInteger(level) || !Number.isInteger(opcode)) return `event ${name}: level and opcode must be integers`
  if (typeof keyword !== 'string' || !/^0x[0-9a-f]{1,16}$/i.test(keyword)) return `event ${name}: bad keyword ${String(keyword)}`
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) return `event ${name}: bad field list`
  const checked: SchemaField[] = []
  for (const field of fields as unknown[]) {
    const { name: fieldName, type } = (field ?? {}) as Record<string, unknown>
    if (typeof fieldName !== 'string' || typeof type !== 'string' || fieldTypeInfo(type) === undefined) {
      return `event ${name}: bad field ${JSON.stringify(field)}`
    }
    checked.push({ name: fieldName, type: type as FieldTypeName })
  }
  const layout = computeLayout(checked.map((f) => f.type))
  const readers: FieldReader[] = new Array(checked.length)
  for (const slot of layout.fixed) readers[slot.index] = fixedFieldReader(slot.type as ScalarTypeName, slot.offset)
  for (const slot of layout.variable) readers[slot.index] = variableFieldReader(slot.type, checked[slot.index].name)
  const names = checked.map((f) => f.name)
  const decode = compileDecoder(names, readers, layout)
  return {
    id: id as number,
    name,
    level: level as number,
    keyword: BigInt(keyword),
    opcode: opcode as number,
    fields: checked,
    fixedEnd: layout.fixedEnd,
    decode: decodeFields ? decode : () => NO_FIELDS,
  }
}
