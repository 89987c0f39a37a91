// The current span, carried across await, timers, promises and emitters by AsyncLocalStorage.
// The store holds ids only (two byte arrays), never span objects, so a finished span and what
// it references are never kept alive by a pending callback.

import { AsyncLocalStorage } from 'node:async_hooks'
import { TracerError } from '../errors.js'
import { activityIdOf, fromHex, ID_BYTES, SPAN_ID_BYTES, toHex } from './ids.js'

export interface SpanContext {
  readonly traceId: Uint8Array
  readonly activityId: Uint8Array
}

/** A span context in a form that crosses threads and processes (postMessage, JSON). */
export interface SerializedSpanContext {
  traceId: string
  activityId: string
}

/** The store itself, for the span kinds' generated run(), which calls storage.run directly. */
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
  return `00-${toHex(context.traceId)}-${toHex(context.activityId, 0, SPAN_ID_BYTES)}-01`
}

export function parseTraceparent(header: string): SpanContext {
  const parts = typeof header === 'string' ? header.trim().split('-') : []
  const traceId = parts.length >= 4 && parts[0]!.length === 2 && parts[0] !== 'ff' ? fromHex(parts[1]!, ID_BYTES) : undefined
  const spanId = traceId === undefined ? undefined : fromHex(parts[2]!, SPAN_ID_BYTES)
  if (traceId === undefined || spanId === undefined || traceId.every((b) => b === 0) || spanId.every((b) => b === 0)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: not a W3C traceparent header: ${JSON.stringify(header)} (expected 00-<32 hex>-<16 hex>-<2 hex>)`)
  }
  return { traceId, activityId: activityIdOf(spanId, traceId) }
}

export function serializeContext(context: SpanContext): SerializedSpanContext {
  return { traceId: toHex(context.traceId), activityId: toHex(context.activityId) }
}

export function deserializeContext(value: SerializedSpanContext): SpanContext {
  const traceId = fromHex(value?.traceId ?? '', ID_BYTES)
  const activityId = fromHex(value?.activityId ?? '', ID_BYTES)
  if (traceId === undefined || activityId === undefined) {
    throw new TracerError('INVALID_OPTION', 'ringtrace: expected a span context from tracer.exportContext(): { traceId, activityId } as 32 hex digits each')
  }
  return { traceId, activityId }
}
