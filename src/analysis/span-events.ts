// Which decoded events are span records (docs/FORMAT.md section 4). A Start is opcode 1 and a
// Stop opcode 2, each with a string `activityId` field: the reader does not expose the SCHEMA
// `span` key, and an ordinary event may use opcodes 1/2 for ETW's own meaning without ids.

import { SPAN_START_OPCODE, SPAN_STOP_OPCODE, START_ID_FIELDS as START_ID_FIELD_SPECS } from '../format/span-records.js'
import type { FieldValue, TraceEvent, TraceLost } from '../reader/trace-items.js'

/** `parentId` of a root span (guid fields decode as lowercase registry-form text). */
export const ZERO_ID = '00000000-0000-0000-0000-000000000000'

/** The parts of a decoded event the analysis reads; readTrace's items have them all. */
export type SpanEventInput = Pick<TraceEvent, 'kind' | 'name' | 'timestampNs' | 'opcode' | 'thread' | 'fields'>

/** What the analysis and exporters accept: the reader's items or look-alikes built in memory. */
export type AnalysisItem = SpanEventInput | (Pick<TraceLost, 'kind' | 'count' | 'timestampNs'> & Partial<Pick<TraceLost, 'thread'>>)

/** The Start fields that are ids, not attributes. */
export const START_ID_FIELDS: ReadonlySet<string> = new Set(START_ID_FIELD_SPECS.map((f) => f.name))

export function isSpanStart(event: SpanEventInput): boolean {
  return event.opcode === SPAN_START_OPCODE && typeof event.fields.activityId === 'string'
}

export function isSpanStop(event: SpanEventInput): boolean {
  return event.opcode === SPAN_STOP_OPCODE && typeof event.fields.activityId === 'string'
}

export function textField(fields: Record<string, FieldValue>, name: string): string {
  const value = fields[name]
  return typeof value === 'string' ? value : ''
}

/** A Start's attributes: its fields less the three ids. */
export function spanAttributes(fields: Record<string, FieldValue>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {}
  for (const key of Object.keys(fields)) {
    if (!START_ID_FIELDS.has(key)) out[key] = fields[key]
  }
  return out
}
