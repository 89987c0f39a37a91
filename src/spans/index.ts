// Span context functions that do not depend on a tracer: the current span's ids belong to the
// thread's async context, whichever tracer recorded it.

import { currentContext, deserializeContext, formatTraceparent, parseTraceparent, runInContext,
  serializeContext, type SerializedSpanContext } from './span-context.js'

export type { SerializedSpanContext } from './span-context.js'
export { Span } from './span-kind.js'
export { SpanStatus } from '../format/span-records.js'
export type { AttributeValue, SpanOptions } from './span-registry.js'
export { traced } from './traced.js'
export type { TracedOptions, SpanRunner } from './traced.js'

/** The W3C traceparent header of the current span, for outgoing requests; undefined outside spans. */
export function currentTraceparent(): string | undefined {
  const context = currentContext()
  return context === undefined ? undefined : formatTraceparent(context)
}

/** Runs `fn` as part of the trace an incoming W3C traceparent header names. */
export function withTraceparent<R>(traceparent: string, fn: () => R): R {
  return runInContext(parseTraceparent(traceparent), fn)
}

/** The current span's ids, to post to a worker (or send elsewhere); undefined outside spans. */
export function exportSpanContext(): SerializedSpanContext | undefined {
  const context = currentContext()
  return context === undefined ? undefined : serializeContext(context)
}

/** Runs `fn` as a continuation of an exported span context (in a worker, typically). */
export function withSpanContext<R>(context: SerializedSpanContext, fn: () => R): R {
  return runInContext(deserializeContext(context), fn)
}
