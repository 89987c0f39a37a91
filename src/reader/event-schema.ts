// A SCHEMA chunk turned into what decoding needs: the event's metadata and a decoder built once
// from `computeLayout`, the same function the writer uses.

import { fieldTypeInfo, type FieldTypeName } from '../format/field-types.js'
import { computeLayout, type RecordLayout } from '../format/layout.js'
import { MAX_FIELDS } from '../format/record-layout.js'
import { MAX_EVENTS } from '../format/ring-layout.js'
import { SPAN_CONTEXT, SPAN_CONTEXT_FIELDS, SPAN_KINDS, type SpanKindName } from '../format/span-records.js'
import { compileDecoder, type DecodeStep } from './decoder-codegen.js'
import { elementBytesOf, locateVariable, SCALAR_GETTERS, variableFieldReader } from './field-readers.js'
import type { RecordCursor } from './record-cursor.js'
import { shown } from './trace-file-error.js'
import type { FieldValue } from './trace-items.js'

export interface SchemaField {
  readonly name: string
  readonly type: FieldTypeName
  /** The ETW formatting hint the writer gave (SCHEMA field key `outType`, e.g. 12 Json); absent when none. */
  readonly outType?: number
}

export interface EventSchema {
  readonly id: number
  readonly name: string
  readonly level: number
  readonly keyword: bigint
  readonly opcode: number
  /** The fields TraceEvent.fields holds: for a correlated event, those after the span context fields. */
  readonly fields: readonly SchemaField[]
  /**
   * 'span' for a correlated event (SCHEMA `context`): its records start with the span context,
   * which the reader gives as TraceEvent.traceId and spanId.
   */
  readonly context: typeof SPAN_CONTEXT | undefined
  /** A span Start's OpenTelemetry kind (SCHEMA `spanKind`); undefined for other events and for Starts written before span kinds (internal). */
  readonly spanKind: SpanKindName | undefined
  /** A logger's line: its logger level (SCHEMA `log`, 10 trace .. 60 fatal); undefined for other events. */
  readonly log: number | undefined
  /** Smallest size of a record of this event: header and fixed block. */
  readonly fixedEnd: number
  /**
   * Field values of the record under `r` (one shared empty object when fields are not decoded,
   * after the same checks); undefined when a variable field overruns the record.
   */
  decode(r: RecordCursor): Record<string, FieldValue> | undefined
}

/** Every event read without field decoding shares this. */
const NO_FIELDS: Record<string, FieldValue> = Object.freeze({})

const isByte = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255

/** guid fields as registry-form text, or as a 16-byte copy of their stored bytes. */
export type GuidDecoding = 'text' | 'bytes'

/** Why a SCHEMA chunk cannot be used, or the schema. */
export function compileSchema(json: unknown, decodeFields: boolean, guids: GuidDecoding = 'text'): EventSchema | string {
  if (typeof json !== 'object' || json === null) return 'not a JSON object'
  const { id, name, level, keyword, opcode, fields, context, spanKind, log } = json as Record<string, unknown>
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) >= MAX_EVENTS) return `bad event id ${shown(id)}`
  if (typeof name !== 'string') return 'no event name'
  const event = `event ${shown(name)}`
  if (!isByte(level) || !isByte(opcode)) return `${event}: level and opcode must be integers from 0 to 255`
  if (typeof keyword !== 'string' || !/^0x[0-9a-f]{1,16}$/i.test(keyword)) return `${event}: bad keyword ${shown(keyword)}`
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) return `${event}: bad field list`
  const checked: SchemaField[] = []
  const seen = new Set<string>()
  for (const field of fields as unknown[]) {
    const { name: fieldName, type, outType } = (field ?? {}) as Record<string, unknown>
    if (typeof fieldName !== 'string' || typeof type !== 'string' || fieldTypeInfo(type) === undefined) {
      return `${event}: bad field ${shown(field)}`
    }
    // The writer refuses this too; two values under one name would make an object lose one.
    if (seen.has(fieldName)) return `${event}: field ${shown(fieldName)} declared twice`
    seen.add(fieldName)
    // A hint a reader can do without: kept when it is one, else left out.
    checked.push({ name: fieldName, type: type as FieldTypeName, ...(isByte(outType) && outType !== 0 ? { outType: outType as number } : {}) })
  }
  if (context !== undefined && context !== SPAN_CONTEXT) return `${event}: bad context ${shown(context)}`
  // The same fields a correlated record's writer stores, else its ids would be read from elsewhere.
  if (context === SPAN_CONTEXT && !SPAN_CONTEXT_FIELDS.every((f, i) => checked[i]?.name === f.name && checked[i]?.type === f.type)) {
    return `${event}: context 'span' needs the fields ${SPAN_CONTEXT_FIELDS.map((f) => `${f.name} (${f.type})`).join(', ')} first`
  }
  if (spanKind !== undefined && !SPAN_KINDS.includes(spanKind as SpanKindName)) return `${event}: bad spanKind ${shown(spanKind)}`
  if (log !== undefined && !isByte(log)) return `${event}: bad log level ${shown(log)}`
  const layout = computeLayout(checked.map((f) => f.type))
  const first = context === SPAN_CONTEXT ? SPAN_CONTEXT_FIELDS.length : 0
  return {
    id: id as number,
    name,
    level: level as number,
    keyword: BigInt(keyword),
    opcode: opcode as number,
    fields: checked.slice(first),
    context,
    spanKind: spanKind as SpanKindName | undefined,
    log: log as number | undefined,
    fixedEnd: layout.fixedEnd,
    decode: decodeFields ? fieldDecoder(checked, layout, first, guids) : recordChecker(checked, layout),
  }
}

/** The decoder of fields `first` onward (the span context fields before them are not event fields). */
function fieldDecoder(fields: readonly SchemaField[], layout: RecordLayout, first: number, guids: GuidDecoding): EventSchema['decode'] {
  const steps: DecodeStep[] = new Array(fields.length)
  for (const { index, type, offset } of layout.fixed) {
    steps[index] = type === 'guid'
      ? { kind: 'guid', offset }
      : { kind: 'scalar', getter: SCALAR_GETTERS.get(type)!, bool: type === 'bool', offset }
  }
  for (const { index, type } of layout.variable) steps[index] = { kind: 'variable', read: variableFieldReader(type, fields[index].name) }
  return compileDecoder({ names: fields.slice(first).map((f) => f.name), steps: steps.slice(first), fixedEnd: layout.fixedEnd, guids })
}

/**
 * Without field decoding, the variable fields are still located, by the same code, so a record
 * a decoding pass refuses is refused here too.
 */
function recordChecker(fields: readonly SchemaField[], layout: RecordLayout): EventSchema['decode'] {
  const variable = layout.variable.map(({ index, type }) => ({ name: fields[index].name, elementBytes: elementBytesOf(type) }))
  const { fixedEnd } = layout
  return (r) => {
    r.pos = r.start + fixedEnd
    for (const field of variable) {
      if (locateVariable(r, field.elementBytes, field.name) < 0) return undefined
    }
    return NO_FIELDS
  }
}
