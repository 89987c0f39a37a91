// A decoded event's fields as export attributes, typed by its schema, plus the thread it was
// traced on (OpenTelemetry's thread.id and thread.name). The worker decodes guids as bytes
// (EXPORT_DECODING); a guid attribute is sent in its registry form, as a reader shows it.

import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent, TraceThread } from '../../reader/trace-items.js'
import { OutType } from '../../dynamic/out-type.js'
import { guidText } from '../../reader/guid-text.js'
import type { ExportAttribute } from '../model.js'

/** A stream's thread attributes, made once: every item of a stream shares one TraceThread. */
const threadAttributes = new WeakMap<TraceThread, readonly [ExportAttribute, ExportAttribute]>()

function threadOf(thread: TraceThread): readonly [ExportAttribute, ExportAttribute] {
  let pair = threadAttributes.get(thread)
  if (pair === undefined) {
    pair = [{ key: 'thread.id', type: 'u32', value: thread.id }, { key: 'thread.name', type: 'str', value: thread.name }]
    threadAttributes.set(thread, pair)
  }
  return pair
}

/** The attributes of `event`: every schema field whose name `skip` lacks, then the thread. */
export function eventAttributes(event: TraceEvent, schema: EventSchema, skip?: ReadonlySet<string>): ExportAttribute[] {
  const out: ExportAttribute[] = []
  const { fields } = event
  for (const field of schema.fields) {
    if (skip?.has(field.name)) continue
    const value = fields[field.name]
    // Absent: a reserved context field the reader lifted out of `fields`.
    if (value === undefined) continue
    if (field.outType === OutType.Json && typeof value === 'string' && event.truncated?.includes(field.name) !== true) {
      out.push({ key: field.name, type: field.type, value, json: true })
      continue
    }
    out.push({ key: field.name, type: field.type, value: value instanceof Uint8Array && field.type === 'guid' ? guidText(value, 0) : value })
  }
  const [id, name] = threadOf(event.thread)
  out.push(id, name)
  return out
}
