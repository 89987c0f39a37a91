// One kind of span (a name and its attribute fields): the Start and Stop writers, and the Span
// objects that use them. Records follow docs/FORMAT.md section 4.

import { SPAN_START_OPCODE, SPAN_STOP_OPCODE, SpanStatus, START_ID_FIELDS, STOP_FIELDS } from '../format/span-records.js'
import type { ValidEvent } from '../schema/validate.js'
import { contextStorage, currentContext, formatTraceparent, runInContext, serializeContext, type SerializedSpanContext, type SpanContext } from './span-context.js'
import { newActivityId, newTraceId, toHex, ZERO_ID, SPAN_ID_BYTES } from './ids.js'

type Writer = (...args: unknown[]) => void

export function startSchema(base: ValidEvent): ValidEvent {
  return { ...base, opcode: SPAN_START_OPCODE, fields: [...START_ID_FIELDS, ...base.fields] }
}

export function stopSchema(base: ValidEvent): ValidEvent {
  // ETW: a Stop carries the level and keyword of its Start.
  return { ...base, opcode: SPAN_STOP_OPCODE, fields: [...STOP_FIELDS] }
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

/** The hot path of one span kind, specialised to its attribute count (see makeKindFunctions). */
interface KindFunctions {
  /** Runs `fn` in a new child of the current span; attributes as positional arguments. */
  run: (fn: () => unknown, ...attributes: unknown[]) => unknown
  /** Starts a span (child of the current one); attributes as positional arguments. */
  start: (...attributes: unknown[]) => Span
  /** run() with the attributes in an array (dynamic spans): no spread, fixed indexes. */
  runValues: (fn: () => unknown, values: readonly unknown[]) => unknown
  startValues: (values: readonly unknown[]) => Span
}

/**
 * Ends a span run by SpanKind.run once `fn` has returned (or its promise settled). No Span object
 * is made for run(): the Stop record needs the activity id only.
 */
function finishRun(writeStop: Writer, activityId: Uint8Array, result: unknown): unknown {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return (result as PromiseLike<unknown>).then(
      (value) => {
        writeStop(activityId, SpanStatus.Ok, '', '')
        return value
      },
      (error: unknown) => {
        failStop(writeStop, activityId, error)
        throw error
      },
    )
  }
  writeStop(activityId, SpanStatus.Ok, '', '')
  return result
}

function failStop(writeStop: Writer, activityId: Uint8Array, error: unknown): void {
  const [type, message] = describeError(error)
  writeStop(activityId, SpanStatus.Error, type, message)
}

function newSpan(name: string, context: SpanContext, writeStop: Writer): Span {
  return new Span(name, context, writeStop)
}

/**
 * Generated per kind from the attribute *count* only (no name, no user string reaches the
 * source): fixed-arity functions, so no rest array and no spread call on the hot path. A new
 * Function per kind, not one factory shared by all kinds, gives each kind its own type feedback
 * (closures from one factory share it, and the writer calls would turn polymorphic).
 */
function makeKindFunctions(name: string, count: number, writeStart: Writer, writeStop: Writer): KindFunctions {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('attribute count')
  const args = Array.from({ length: count }, (_, i) => `a${i}`)
  const values = Array.from({ length: count }, (_, i) => `values[${i}]`)
  const lead = (list: string[]) => (list.length === 0 ? '' : `, ${list.join(', ')}`)
  const ids = `const parent = getStore();
    let traceId, parentId;
    if (parent === undefined) { traceId = newTraceId(); parentId = ZERO_ID; }
    else { traceId = parent.traceId; parentId = parent.activityId; }
    const activityId = newActivityId(traceId);`
  const runBody = (attrs: string[]) => `${ids}
    writeStart(activityId, parentId, traceId${lead(attrs)});
    let result;
    try { result = storage.run({ traceId, activityId }, fn); }
    catch (error) { failStop(writeStop, activityId, error); throw error; }
    return finishRun(writeStop, activityId, result);`
  const startBody = (attrs: string[]) => `${ids}
    writeStart(activityId, parentId, traceId${lead(attrs)});
    return newSpan(NAME, { traceId, activityId }, writeStop);`
  const source = `'use strict';
return {
  run: function run(fn${lead(args)}) { ${runBody(args)} },
  start: function start(${args.join(', ')}) { ${startBody(args)} },
  runValues: function runValues(fn, values) { ${runBody(values)} },
  startValues: function startValues(values) { ${startBody(values)} },
};`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- count-only code generation, see above
  const factory = new Function('NAME', 'storage', 'getStore', 'newTraceId', 'newActivityId', 'ZERO_ID',
    'writeStart', 'writeStop', 'failStop', 'finishRun', 'newSpan', source)
  return factory(name, contextStorage, currentContext, newTraceId, newActivityId, ZERO_ID,
    writeStart, writeStop, failStop, finishRun, newSpan) as KindFunctions
}

export class SpanKind {
  /** Fixed-arity entry points for this kind's attribute count; see makeKindFunctions. */
  readonly fast: KindFunctions

  constructor(
    readonly name: string,
    attributeCount: number,
    writeStart: Writer,
    writeStop: Writer,
  ) {
    this.fast = makeKindFunctions(name, attributeCount, writeStart, writeStop)
  }

  /** Starts a span, a child of the current span if any. */
  start(attributes: readonly unknown[]): Span {
    return this.fast.startValues(attributes)
  }

  /** Runs `fn` inside a new span; sync or async, its result or error passes through unchanged. */
  run<R>(fn: () => R, attributes: readonly unknown[]): R {
    return this.fast.runValues(fn, attributes) as R
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
   * Runs `fn` with this span as the current one: children started inside, across await, attach
   * to it. The span itself ends only by end() or fail().
   */
  run<R>(fn: () => R): R {
    return runInContext(this.context, fn)
  }

  traceparent(): string {
    return formatTraceparent(this.context)
  }

  /** Ids to hand to a worker (postMessage) or another process; see withSpanContext(). */
  exportContext(): SerializedSpanContext {
    return serializeContext(this.context)
  }
}
