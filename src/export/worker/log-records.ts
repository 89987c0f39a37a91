// Plain events as OTLP log records: severity from the ETW level, the event name as body and
// event name, fields as typed attributes, and the ids of the span the event was traced in when
// the tracer recorded them (createTracer's `correlate`). A logger's line (SCHEMA `log`) takes
// its severity from its logger level and its message as the body; its other fields are the
// attributes.

import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent } from '../../reader/trace-items.js'
import { fromHex, ID_BYTES, SPAN_ID_BYTES } from '../../spans/ids.js'
import type { ExportLog } from '../model.js'
import { severityOfLogLevel } from '../../log/log-levels.js'
import { MESSAGE_FIELD } from '../../format/log-lines.js'
import { eventAttributes } from './export-attributes.js'

const LINE_SKIP: ReadonlySet<string> = new Set([MESSAGE_FIELD])

/**
 * OTLP SeverityNumber and text by ETW level (index). LogAlways, which ETW records at any level,
 * has no severity of its own there: INFO. Verbose is DEBUG, the finest level ringtrace has.
 */
const SEVERITY: readonly (readonly [number, string])[] = [
  [9, 'INFO'], [21, 'FATAL'], [17, 'ERROR'], [13, 'WARN'], [9, 'INFO'], [5, 'DEBUG'],
]

/** The severity of an ETW level (levels above 5 are finer than Verbose: TRACE). */
export function severityOf(level: number): readonly [number, string] {
  return SEVERITY[level] ?? [1, 'TRACE']
}

export function logRecordOf(event: TraceEvent, schema: EventSchema, observedNs: bigint): ExportLog {
  const line = schema.log !== undefined
  const [severityNumber, severityText] = line ? severityOfLogLevel(schema.log!) : severityOf(event.level)
  const message = event.fields[MESSAGE_FIELD]
  return {
    timeNs: event.timestampNs,
    observedNs,
    severityNumber,
    severityText,
    body: line && typeof message === 'string' ? message : event.name,
    eventName: event.name,
    attributes: eventAttributes(event, schema, line ? LINE_SKIP : undefined),
    traceId: event.traceId === undefined ? undefined : fromHex(event.traceId, ID_BYTES),
    spanId: event.spanId === undefined ? undefined : fromHex(event.spanId, SPAN_ID_BYTES),
  }
}
