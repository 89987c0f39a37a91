// Correlation ids: a scope, outside spans or across them, whose id every log line written in it
// records (the field `correlationId`, right after the message, so a key of the line's own of
// that name wins), carried across await, timers and emitters as the span context is. A request
// id that is not a trace, a job id, a tenant: what a user later asks the trace for by id.

import { AsyncLocalStorage } from 'node:async_hooks'
import { describeValue, TracerError } from '../errors.js'

export const correlationStorage = new AsyncLocalStorage<string>()

/** At most this many characters: an id, not a payload. */
const MAX_ID_LENGTH = 255

/** Runs `fn` with `id` as the correlation id of the lines it logs, and returns what it returns. */
export function withCorrelation<R>(id: string | number, fn: () => R): R {
  const text = typeof id === 'number' && Number.isFinite(id) ? String(id) : id
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ID_LENGTH) {
    throw new TracerError('INVALID_OPTION', `ringtrace: withCorrelation() expects an id of 1 to ${MAX_ID_LENGTH} characters (a string or a finite number), got ${describeValue(id)}`)
  }
  if (typeof fn !== 'function') throw new TracerError('INVALID_OPTION', `ringtrace: withCorrelation() expects a function to run, got ${describeValue(fn)}`)
  return correlationStorage.run(text, fn)
}

/** The correlation id in scope, if any. */
export function currentCorrelation(): string | undefined {
  return correlationStorage.getStore()
}
