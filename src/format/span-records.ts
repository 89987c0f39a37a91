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

/** OpenTelemetry span kinds, as the Start SCHEMA's `spanKind` key names them. */
export const SPAN_KINDS = ['internal', 'server', 'client', 'producer', 'consumer'] as const
export type SpanKindName = (typeof SPAN_KINDS)[number]

/**
 * The fields a correlated event's record starts with (SCHEMA `"context": "span"`): the trace id
 * and span id of the span current when it was traced, all zero outside any span. Their names are
 * not identifiers, so no event field can take them.
 */
export const SPAN_CONTEXT_FIELDS = [
  { name: 'trace.id', type: 'guid' },
  { name: 'span.id', type: 'u64' },
] as const

/** The SCHEMA `context` value of a correlated event. */
export const SPAN_CONTEXT = 'span'
