// Correlated events (TracerOptions.correlate; docs/FORMAT.md, "Events traced in a span"): each
// record starts with the ids of the span current when it was traced, which the record writer
// stores itself (WriterSpec.spanContext).

import { TracerError } from '../errors.js'
import { MAX_FIELDS } from '../format/record-layout.js'
import { SPAN_CONTEXT_FIELDS } from '../format/span-records.js'
import type { ValidEvent } from '../schema/validate.js'

/** The schema of a correlated event: the span context fields, then the event's own. */
export function correlatedEvent(valid: ValidEvent): ValidEvent {
  const limit = MAX_FIELDS - SPAN_CONTEXT_FIELDS.length
  if (valid.fields.length > limit) {
    throw new TracerError('TOO_MANY_FIELDS', `ringtrace: event ${valid.name} has ${valid.fields.length} fields; with correlate the limit is ${limit} (the span's ids take ${SPAN_CONTEXT_FIELDS.length} of ETW's ${MAX_FIELDS})`)
  }
  return { ...valid, fields: [...SPAN_CONTEXT_FIELDS, ...valid.fields] }
}
