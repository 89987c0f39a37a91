// The schemas of log lines. A line's shape is its logger level, then its fields in order: `msg`,
// the logger's bindings, the keys of the logged object, each with its value's kind. Shapes live
// in a trie per tracer and event name (shape-cache.ts, the one EventBuilder walks), with one head
// per level, so every logger with the same bindings' keys shares one schema per shape: a
// `child({ reqId })` per request registers nothing new after the first.
//
// Names are logged keys, so any text: a key the schema cannot take is changed, never refused (a
// log call must not throw): control characters become `_`, a key is cut at MAX_NAME_LENGTH, and
// the empty key is `_`. A name repeated in a line (a key its bindings have too) keeps its last
// value, as JSON.parse of pino's output would; `trace.id` and `span.id` are the span's.

import type { Tracer } from '../tracer.js'
import { coarseNow, registerEvent, writerOf } from '../internal-symbols.js'
import { LineRateLimit } from './rate-limit.js'
import type { FieldTypeName } from '../format/field-types.js'
import { SPAN_CONTEXT_FIELDS } from '../format/span-records.js'
import { OutType } from '../dynamic/out-type.js'
import { fieldCode, fieldOfCode, invokerFor, ShapeNode, TYPE_CODE, type Invoker, type RegisteredShape } from '../dynamic/shape-cache.js'
import { CONTROL, MAX_NAME_LENGTH, validateEvent } from '../schema/validate.js'
import type { Redaction } from '../schema/redaction.js'
import { etwLevelOf } from './log-levels.js'

/** Value kinds, as field codes (type and outType) of the shape trie. */
export const LineCode = {
  bool: fieldCode(TYPE_CODE.bool, 0, 0),
  /** A bigint within 64 bits. */
  bigint: fieldCode(TYPE_CODE.i64, 0, 0),
  /**
   * Every number, as span attributes take them: a reader gives back the number logged (42, not
   * 42n), a field never changes shape between 1 and 1.5, and no integer test is paid per value.
   */
  number: fieldCode(TYPE_CODE.f64, 0, 0),
  str: fieldCode(TYPE_CODE.str, 0, 0),
  /** JSON text of an object, array, Error or null (line-json.ts), outType Json. */
  json: fieldCode(TYPE_CODE.str, OutType.Json, 0),
} as const


const RESERVED: ReadonlySet<string> = new Set(SPAN_CONTEXT_FIELDS.map((f) => f.name))
const CONTROLS = new RegExp(CONTROL.source, 'g')

/** A logged key as a schema can hold it. */
export function fieldName(key: string): string {
  if (key === '') return '_'
  const name = CONTROL.test(key) ? key.replace(CONTROLS, '_') : key
  return name.length > MAX_NAME_LENGTH ? name.slice(0, MAX_NAME_LENGTH) : name
}

/** Heads by level (10, 20, ... 60), per tracer, event name and redaction (its object: loggers of one set of paths share it). */
const heads = new WeakMap<Tracer, Map<string, Map<Redaction | undefined, Map<number, ShapeNode>>>>()

/** `map`'s value of `key`, made by `make` the first time. */
function valueOf<K, V>(map: Map<K, V> | WeakMap<K & object, V>, key: K, make: () => V): V {
  let value = (map as Map<K, V>).get(key)
  if (value === undefined) {
    value = make()
    ;(map as Map<K, V>).set(key, value)
  }
  return value
}

/** The trie head of lines of `level` named `eventName` on `tracer`, redacted by `redaction`. */
export function lineHead(tracer: Tracer, eventName: string, redaction: Redaction | undefined, level: number): ShapeNode {
  const byName = valueOf(heads, tracer, () => new Map<string, Map<Redaction | undefined, Map<number, ShapeNode>>>())
  const byRedaction = valueOf(byName, eventName, () => new Map<Redaction | undefined, Map<number, ShapeNode>>())
  const byLevel = valueOf(byRedaction, redaction, () => new Map<number, ShapeNode>())
  return valueOf(byLevel, level, () => new ShapeNode(eventName, level, 0n))
}

/** A line shape's writer, and its rate limit (log.rateLimit) when there is one. */
export interface LineShape extends RegisteredShape {
  readonly limit: LineRateLimit | undefined
}

/** How a tracer's loggers register shapes: string cap, redaction, sampling and rate limit. */
export interface LineRules {
  readonly maxStringBytes: number
  readonly redaction: Redaction | undefined
  /** This level's sample rate (log.sample), decided by the line's event gate. */
  readonly sampleRate: number
  readonly rateLimit: { readonly perSecond: number; readonly burst: number } | undefined
}

/**
 * Registers the line shape of `names` and `codes` (0..count-1, the message first) below `head`
 * and returns its writer, by `rules`: string fields cut at maxStringBytes, the fields a path of
 * the redaction names storing its censor, the sample rate in the event's gate. Throws what
 * registration throws (TOO_MANY_EVENTS).
 */
export function registerLine(tracer: Tracer, head: ShapeNode, level: number, names: readonly string[],
  codes: readonly number[], count: number, rules: LineRules): LineShape {
  const { maxStringBytes, redaction, sampleRate, rateLimit } = rules
  // The last of each name, except the span context's: the indices of the values written.
  const kept: number[] = []
  const seen = new Set<string>(RESERVED)
  for (let i = count - 1; i >= 0; i--) {
    const name = fieldName(names[i]!)
    if (seen.has(name)) continue
    seen.add(name)
    kept.push(i)
  }
  kept.reverse()
  const fields = kept.map((i) => [fieldName(names[i]!), fieldOfCode(codes[i]!).type] as [string, FieldTypeName])
  const valid = validateEvent(head.name, fields, { level: etwLevelOf(level), clock: 'coarse', sampleRate }, 'text')
  // outType travels in the SCHEMA as an extra field key, as EventBuilder's do.
  kept.forEach((i, at) => {
    const { outType } = fieldOfCode(codes[i]!)
    if (outType !== 0) valid.fields[at] = { ...valid.fields[at]!, outType } as (typeof valid.fields)[number]
  })
  const entry = tracer[registerEvent](valid, { log: level, ...(redaction === undefined ? {} : { redaction }) })
  const shape: LineShape = {
    writer: tracer[writerOf](entry, { maxStringBytes }),
    invoke: kept.length === count ? invokerFor(count) : selectingInvoker(kept),
    start: 0,
    limit: rateLimit === undefined ? undefined : new LineRateLimit(tracer, entry.id, rateLimit.perSecond, rateLimit.burst, tracer[coarseNow]()),
  }
  let node = head
  for (let i = 1; i < count; i++) node = node.childOrAdd(names[i]!, codes[i]!)
  node.shapes[0] = shape
  return shape
}

/** For a shape whose repeated names were left out: calls the writer with the kept values only. */
function selectingInvoker(kept: readonly number[]): Invoker {
  const invoke = invokerFor(kept.length)
  const picked: unknown[] = new Array<unknown>(kept.length)
  return (writer, values, start) => {
    for (let i = 0; i < kept.length; i++) picked[i] = values[start + kept[i]!]
    invoke(writer, picked, 0)
  }
}
