// One kind of span (a name and its attribute fields): the Start and Stop writers, and the Span
// objects that use them. Records follow docs/FORMAT.md section 4.

import { SPAN_START_OPCODE, SPAN_STOP_OPCODE, SpanStatus, START_ID_FIELDS, STOP_FIELDS } from '../format/span-records.js'
import type { ValidEvent } from '../schema/validate.js'
import { compileFunction } from '../compile-function.js'
import { contextStorage, currentContext, formatTraceparent, runInContext, serializeContext, type SerializedSpanContext } from './span-context.js'
import { childContext, rootContext, spanIdHex, traceIdHex, ZERO_CONTEXT, type SpanContext } from './ids.js'

type Writer = (...args: unknown[]) => void

/**
 * A span kind's record writers, ids passed as words (WriterSpec.guidWords, START_ID_WORDS and
 * STOP_ID_WORDS), attributes as values: the Start (ungated:
 * call it only after startEnabled()), the Stop, and the Stop with empty error strings
 * (WriterSpec.emptyVariable), which measures no string.
 */
export interface SpanWriters {
  writeStart: Writer
  writeStop: Writer
  writeStopEmpty: Writer
  /** Whether the Start records now (level, keyword, ETW sessions, tracer open). */
  startEnabled: () => boolean
}

/**
 * The fields of a Start and of a Stop whose span ids the writers take as four words each: the
 * ids alone, never a guid attribute, which is passed as any guid value.
 */
export const START_ID_WORDS: readonly number[] = START_ID_FIELDS.map((_, i) => i)
export const STOP_ID_WORDS: readonly number[] = [STOP_FIELDS.findIndex((f) => f.name === 'activityId')]

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

function failStop(writers: SpanWriters, c: SpanContext, error: unknown): void {
  const [type, message] = describeError(error)
  writers.writeStop(c.s0, c.s1, c.t0, c.t1, SpanStatus.Error, type, message)
}

/**
 * Ends a span run by SpanKind.run when the promise (thenable) `fn` returned settles. Once only,
 * whatever the thenable does: a hand-made `then` may call both callbacks, or throw.
 */
function settle(writers: SpanWriters, c: SpanContext, result: PromiseLike<unknown>): unknown {
  let ended = false
  try {
    return result.then(
      (value) => {
        if (!ended) writers.writeStopEmpty(c.s0, c.s1, c.t0, c.t1, SpanStatus.Ok)
        ended = true
        return value
      },
      (error: unknown) => {
        if (!ended) failStop(writers, c, error)
        ended = true
        throw error
      },
    )
  } catch (error) {
    if (!ended) failStop(writers, c, error)
    ended = true
    throw error
  }
}

/**
 * Ends a span run by SpanKind.run whose `fn` returned an object: at once, or when it settles if
 * it is a thenable. Out of the generated code, which stays small enough to inline its writers.
 */
function endWithObject(writers: SpanWriters, c: SpanContext, result: object): unknown {
  let thenable: boolean
  try {
    thenable = typeof (result as { then?: unknown }).then === 'function'
  } catch (error) {
    failStop(writers, c, error)
    throw error
  }
  if (thenable) return settle(writers, c, result as PromiseLike<unknown>)
  writers.writeStopEmpty(c.s0, c.s1, c.t0, c.t1, SpanStatus.Ok)
  return result
}

function newSpan(name: string, context: SpanContext, writers: SpanWriters): Span {
  return new Span(name, context, writers, context)
}

/**
 * A span that is not recorded (its Start is disabled): it carries its parent's ids, or new ones
 * for a root, and its run() keeps the parent as the current span.
 */
function idleSpan(name: string, writers: SpanWriters): Span {
  const parent = currentContext()
  return new Span(name, parent ?? rootContext(), writers, parent, false)
}

/**
 * Generated per kind from the attribute *count* only (no name, no user string reaches the
 * source): fixed-arity functions, so no rest array and no spread call on the hot path. A new
 * Function per kind, not one factory shared by all kinds, gives each kind its own type feedback
 * (closures from one factory share it, and the writer calls would turn polymorphic). The span
 * writers take each id as four words (WriterSpec.guidWords): activity id s0 s1 t0 t1, parent id
 * likewise (all zero for a root), trace id t0..t3.
 */
function makeKindFunctions(name: string, count: number, writers: SpanWriters): KindFunctions {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('attribute count')
  const args = Array.from({ length: count }, (_, i) => `a${i}`)
  const values = Array.from({ length: count }, (_, i) => `values[${i}]`)
  const lead = (list: string[]) => (list.length === 0 ? '' : `, ${list.join(', ')}`)
  const start = (attrs: string[]) => `const parent = getStore();
    let c, p;
    if (parent === undefined) { c = rootContext(); p = ZERO_CONTEXT; }
    else { c = childContext(parent); p = parent; }
    writeStart(c.s0, c.s1, c.t0, c.t1, p.s0, p.s1, p.t0, p.t1, c.t0, c.t1, c.t2, c.t3${lead(attrs)});`
  // enterWith(c) ... enterWith(parent) is what storage.run(c, fn) does inside, without its second
  // getStore(), rest array and Reflect.apply: on Node 20/22 (async_hooks stores) and Node 24
  // (context frames, where each enterWith copies the frame) alike. The context is restored
  // before the span's Stop, on return and on throw.
  // A span whose Start would not be recorded (level, keyword, no ETW session, tracer closed) is
  // not made at all: fn runs in the current context, so spans inside it attach to the nearest
  // recorded ancestor instead of to a parent the trace never holds, and it costs one gate check.
  // The synchronous OK Stop is written here, not in a shared helper: a call site shared by every
  // kind sees every kind's writer and turns megamorphic, and the writer is no longer inlined.
  // No Span object is made for run(): the Stop needs the ids only.
  const runBody = (attrs: string[]) => `if (!startEnabled()) return fn();
    ${start(attrs)}
    let result;
    storage.enterWith(c);
    try { result = fn(); }
    catch (error) { storage.enterWith(parent); failStop(WRITERS, c, error); throw error; }
    storage.enterWith(parent);
    if (result !== null && typeof result === 'object') return endWithObject(WRITERS, c, result);
    writeStopEmpty(c.s0, c.s1, c.t0, c.t1, ${SpanStatus.Ok});
    return result;`
  const startBody = (attrs: string[]) => `if (!startEnabled()) return idleSpan(NAME, WRITERS);
    ${start(attrs)}
    return newSpan(NAME, c, WRITERS);`
  const source = `'use strict';
return {
  run: function run(fn${lead(args)}) { ${runBody(args)} },
  start: function start(${args.join(', ')}) { ${startBody(args)} },
  runValues: function runValues(fn, values) { ${runBody(values)} },
  startValues: function startValues(values) { ${startBody(values)} },
};`
  // Count-only code generation, see above.
  const factory = compileFunction(['NAME', 'storage', 'getStore', 'rootContext', 'childContext', 'ZERO_CONTEXT',
    'WRITERS', 'writeStart', 'writeStopEmpty', 'startEnabled', 'failStop', 'endWithObject', 'newSpan', 'idleSpan'], source)
  return factory(name, contextStorage, currentContext, rootContext, childContext, ZERO_CONTEXT,
    writers, writers.writeStart, writers.writeStopEmpty, writers.startEnabled, failStop, endWithObject, newSpan, idleSpan) as KindFunctions
}

export class SpanKind {
  /** Fixed-arity entry points for this kind's attribute count; see makeKindFunctions. */
  readonly fast: KindFunctions

  constructor(
    readonly name: string,
    attributeCount: number,
    writers: SpanWriters,
  ) {
    this.fast = makeKindFunctions(name, attributeCount, writers)
  }
}

export class Span {
  private ended = false

  constructor(
    readonly name: string,
    /** The ids this span propagates. @internal */
    readonly context: SpanContext,
    private readonly writers: SpanWriters,
    /** The context run() enters: this span's, or for a span not recorded, its parent's. */
    private readonly runContext: SpanContext | undefined,
    /**
     * False when the span's Start was disabled as it started (level, keyword, no ETW session,
     * tracer closed): it records nothing, and spans run inside it attach to its parent.
     */
    readonly isRecording = true,
  ) {}

  get traceId(): string {
    return traceIdHex(this.context)
  }

  /** The W3C / OpenTelemetry span id: the first 8 bytes of the activity id. */
  get spanId(): string {
    return spanIdHex(this.context)
  }

  get isEnded(): boolean {
    return this.ended
  }

  /** Ends the span (status ok unless given). Returns false, recording nothing, if it had ended. */
  end(status: SpanStatus = SpanStatus.Ok): boolean {
    if (this.ended) return false
    this.ended = true
    const c = this.context
    if (this.isRecording) this.writers.writeStopEmpty(c.s0, c.s1, c.t0, c.t1, status)
    return true
  }

  /** Ends the span with status error, recording the error's name and message. */
  fail(error: unknown): boolean {
    if (this.ended) return false
    this.ended = true
    if (this.isRecording) failStop(this.writers, this.context, error)
    return true
  }

  /**
   * Runs `fn` with this span as the current one: children started inside, across await, attach
   * to it. The span itself ends only by end() or fail().
   */
  run<R>(fn: () => R): R {
    return this.runContext === undefined ? fn() : runInContext(this.runContext, fn)
  }

  traceparent(): string {
    return formatTraceparent(this.context)
  }

  /** Ids to hand to a worker (postMessage) or another process; see withSpanContext(). */
  exportContext(): SerializedSpanContext {
    return serializeContext(this.context)
  }
}
