// The current span, carried across await, timers, promises and emitters by AsyncLocalStorage.
// The store holds ids only (a SpanContext of six integers), never span objects, so a finished
// span and what it references are never kept alive by a pending callback.

import { AsyncLocalStorage } from 'node:async_hooks'
import { TracerError } from '../errors.js'
import { activityIdHex, contextOf, fromHex, ID_BYTES, SPAN_ID_BYTES, spanIdHex, traceIdHex, type SpanContext } from './ids.js'

export type { SpanContext } from './ids.js'

/** A span context in a form that crosses threads and processes (postMessage, JSON). */
export interface SerializedSpanContext {
  traceId: string
  activityId: string
}

/** The store itself, for the span kinds' generated run(), which enters and restores it directly. */
export const contextStorage = new AsyncLocalStorage<SpanContext>()
const storage = contextStorage

export function currentContext(): SpanContext | undefined {
  return storage.getStore()
}

export function runInContext<R>(context: SpanContext, fn: () => R): R {
  return storage.run(context, fn)
}

/** W3C trace context: `00-<trace id>-<span id>-<flags>`; sampled, as ringtrace records it. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${traceIdHex(context)}-${spanIdHex(context)}-01`
}

const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0)

export function parseTraceparent(header: string): SpanContext {
  const parts = typeof header === 'string' ? header.trim().split('-') : []
  const traceId = parts.length >= 4 && parts[0]!.length === 2 && parts[0] !== 'ff' ? fromHex(parts[1]!, ID_BYTES) : undefined
  const spanId = traceId === undefined ? undefined : fromHex(parts[2]!, SPAN_ID_BYTES)
  if (traceId === undefined || spanId === undefined || isZero(traceId) || isZero(spanId)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: not a W3C traceparent header: ${JSON.stringify(header)} (expected 00-<32 hex>-<16 hex>-<2 hex>)`)
  }
  return contextOf(traceId, spanId)
}

export function serializeContext(context: SpanContext): SerializedSpanContext {
  return { traceId: traceIdHex(context), activityId: activityIdHex(context) }
}

/**
 * The context exportContext() / exportSpanContext() made. Its activity id must be one ringtrace
 * makes (span id, then the trace id's first 8 bytes): any other could not be recorded as a parent.
 */
export function deserializeContext(value: SerializedSpanContext): SpanContext {
  const traceId = fromHex(value?.traceId ?? '', ID_BYTES)
  const activityId = fromHex(value?.activityId ?? '', ID_BYTES)
  if (traceId === undefined || activityId === undefined) {
    throw new TracerError('INVALID_OPTION', 'ringtrace: expected a span context from tracer.exportContext(): { traceId, activityId } as 32 hex digits each')
  }
  const spanId = activityId.subarray(0, SPAN_ID_BYTES)
  if (isZero(traceId) || isZero(spanId) || activityId.subarray(SPAN_ID_BYTES).some((b, i) => b !== traceId[i])) {
    throw new TracerError('INVALID_OPTION', 'ringtrace: not a span context ringtrace exported: the trace id and span id must be non-zero, and the activity id\'s last 8 bytes must be the trace id\'s first 8')
  }
  return contextOf(traceId, spanId)
}
