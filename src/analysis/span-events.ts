// Which decoded events are span records (docs/FORMAT.md section 4). A Start is opcode 1 and a
// Stop opcode 2, each with a string `activityId` field: the reader does not expose the SCHEMA
// `span` key, and an ordinary event may use opcodes 1/2 for ETW's own meaning without ids.

import type { FieldValue, TraceEvent, TraceLost } from '../reader/trace-items.js'

export const OPCODE_START = 1
export const OPCODE_STOP = 2

/** `parentId` of a root span (guid fields decode as lowercase registry-form text). */
export const ZERO_ID = '00000000-0000-0000-0000-000000000000'

/** Stop `status` values. */
export const STATUS_UNSET = 0
export const STATUS_OK = 1
export const STATUS_ERROR = 2

/** The parts of a decoded event the analysis reads; readTrace's items have them all. */
export type SpanEventInput = Pick<TraceEvent, 'kind' | 'name' | 'timestampNs' | 'opcode' | 'thread' | 'fields'>

/** What the analysis and exporters accept: the reader's items or look-alikes built in memory. */
export type AnalysisItem = SpanEventInput | (Pick<TraceLost, 'kind' | 'count' | 'timestampNs'> & Partial<Pick<TraceLost, 'thread'>>)

/** The Start fields that are ids, not attributes. */
export const START_ID_FIELDS: ReadonlySet<string> = new Set(['activityId', 'parentId', 'traceId'])

export function isSpanStart(event: SpanEventInput): boolean {
  return event.opcode === OPCODE_START && typeof event.fields.activityId === 'string'
}

export function isSpanStop(event: SpanEventInput): boolean {
  return event.opcode === OPCODE_STOP && typeof event.fields.activityId === 'string'
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
