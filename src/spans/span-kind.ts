// One kind of span (a name and its attribute fields): the Start and Stop writers, and the Span
// objects that use them. Records follow docs/FORMAT.md section 4.

import { Opcode } from '../schema/levels.js'
import type { ValidEvent } from '../schema/validate.js'
import { currentContext, formatTraceparent, runInContext, serializeContext, type SerializedSpanContext, type SpanContext } from './span-context.js'
import { newActivityId, newTraceId, toHex, ZERO_ID, SPAN_ID_BYTES } from './ids.js'

export const SpanStatus = { Unset: 0, Ok: 1, Error: 2 } as const
export type SpanStatus = (typeof SpanStatus)[keyof typeof SpanStatus]

type Writer = (...args: unknown[]) => void

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

export function startSchema(base: ValidEvent): ValidEvent {
  return { ...base, opcode: Opcode.Start, fields: [...START_ID_FIELDS, ...base.fields] }
}

export function stopSchema(base: ValidEvent): ValidEvent {
  // ETW: a Stop carries the level and keyword of its Start.
  return { ...base, opcode: Opcode.Stop, fields: [...STOP_FIELDS] }
}

/** Name and message of a thrown value, whatever it is (a getter that throws included). */
function describeError(error: unknown): [string, string] {
  try {
    if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
      const e = error as { name?: unknown; message?: unknown }
      return [String(e.name ?? 'Error'), String(e.message ?? '')]
    }
    return [typeof error, String(error)]
  } catch {
    return ['Error', '(the error could not be read)']
  }
}

export class SpanKind {
  constructor(
    readonly name: string,
    private readonly writeStart: Writer,
    private readonly writeStop: Writer,
  ) {}

  /** Starts a span whose parent is `parent` (default: the current span, if any). */
  start(attributes: readonly unknown[], parent: SpanContext | undefined = currentContext()): Span {
    const traceId = parent?.traceId ?? newTraceId()
    const activityId = newActivityId(traceId)
    this.writeStart(activityId, parent?.activityId ?? ZERO_ID, traceId, ...attributes)
    return new Span(this.name, { traceId, activityId }, this.writeStop)
  }

  /** Runs `fn` inside a new span; sync or async, its result or error passes through unchanged. */
  run<R>(fn: () => R, attributes: readonly unknown[], parent?: SpanContext): R {
    const span = this.start(attributes, parent ?? currentContext())
    return span.run(fn, true)
  }
}

export class Span {
  private ended = false

  constructor(
    readonly name: string,
    /** The ids this span propagates: its trace id and activity id. */
    readonly context: SpanContext,
    private readonly writeStop: Writer,
  ) {}

  get traceId(): string {
    return toHex(this.context.traceId)
  }

  /** The W3C / OpenTelemetry span id: the first 8 bytes of the activity id. */
  get spanId(): string {
    return toHex(this.context.activityId, 0, SPAN_ID_BYTES)
  }

  get isEnded(): boolean {
    return this.ended
  }

  /** Ends the span (status ok unless given). Returns false, recording nothing, if it had ended. */
  end(status: SpanStatus = SpanStatus.Ok): boolean {
    if (this.ended) return false
    this.ended = true
    this.writeStop(this.context.activityId, status, '', '')
    return true
  }

  /** Ends the span with status error, recording the error's name and message. */
  fail(error: unknown): boolean {
    if (this.ended) return false
    this.ended = true
    const [type, message] = describeError(error)
    this.writeStop(this.context.activityId, SpanStatus.Error, type, message)
    return true
  }

  /**
   * Runs `fn` with this span as the current one (children started inside, across await, attach
   * to it). With `endAfter`, the span ends when `fn` returns or its promise settles.
   */
  run<R>(fn: () => R, endAfter = false): R {
    if (!endAfter) return runInContext(this.context, fn)
    // The span ends outside the context switch: what fn schedules inherits the context from
    // inside run(), and the Stop record needs none. No closure is allocated per call.
    let result: R
    try {
      result = runInContext(this.context, fn)
    } catch (error) {
      this.fail(error)
      throw error
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      return (result as unknown as PromiseLike<unknown>).then(
        (value) => {
          this.end()
          return value
        },
        (error: unknown) => {
          this.fail(error)
          throw error
        },
      ) as unknown as R
    }
    this.end()
    return result
  }

  traceparent(): string {
    return formatTraceparent(this.context)
  }

  /** Ids to hand to a worker (postMessage) or another process; see tracer.continueContext(). */
  exportContext(): SerializedSpanContext {
    return serializeContext(this.context)
  }
}
