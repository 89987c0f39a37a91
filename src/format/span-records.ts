// Span records (docs/FORMAT.md section 4): the one definition the tracer writes them by and the
// analysis and exporters read them by.

import { Opcode } from '../schema/levels.js'

export const SPAN_START_OPCODE = Opcode.Start
export const SPAN_STOP_OPCODE = Opcode.Stop

/** The Start fields before the attributes, and the whole Stop schema. */
export const START_ID_FIELDS = [
  { name: 'activityId', type: 'guid' },
  { name: 'parentId', type: 'guid' },
  { name: 'traceId', type: 'guid' },
] as const
export const STOP_FIELDS = [
  { name: 'activityId', type: 'guid' },
  { name: 'status', type: 'u8' },
  { name: 'errorType', type: 'str' },
  { name: 'errorMessage', type: 'str' },
] as const

/** Stop `status` values. */
export const SpanStatus = { Unset: 0, Ok: 1, Error: 2 } as const
export type SpanStatus = (typeof SpanStatus)[keyof typeof SpanStatus]
