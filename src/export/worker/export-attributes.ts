// A decoded event's fields as export attributes, typed by its schema, plus the thread it was
// traced on (OpenTelemetry's thread.id and thread.name).

import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent } from '../../reader/trace-items.js'
import type { ExportAttribute } from '../model.js'

/** The attributes of `event`: every schema field whose name `skip` lacks, then the thread. */
export function eventAttributes(event: TraceEvent, schema: EventSchema, skip?: ReadonlySet<string>): ExportAttribute[] {
  const out: ExportAttribute[] = []
  const { fields } = event
  for (const field of schema.fields) {
    if (skip?.has(field.name)) continue
    const value = fields[field.name]
    // Absent: a reserved context field the reader lifted out of `fields`.
    if (value !== undefined) out.push({ key: field.name, type: field.type, value })
  }
  out.push({ key: 'thread.id', type: 'u32', value: event.thread.id })
  out.push({ key: 'thread.name', type: 'str', value: event.thread.name })
  return out
}
