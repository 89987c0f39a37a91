// Trace events as pino's NDJSON lines, so pino-pretty and other pino tooling read a trace's logs
// as they read pino's: {"level":30,"time":<ms>,"pid":…,"hostname":…,<fields>,"trace_id":…,
// "span_id":…,"msg":…}, in pino's key order (msg last).
//
// A logger's line keeps its logger level (SCHEMA `log`), its bindings and fields by name, and
// its JSON fields (objects, arrays, Errors) as the JSON they hold, unless the tracer cut them
// (they are strings then). A plain event becomes a line too: the ETW level mapped onto pino's
// numbers (Critical 60, Error 50, Warning 40, Informational and LogAlways 30, Verbose 20), its
// name as msg. Span records are not lines. Integers within 2^53 are numbers, larger ones their
// digits (JSON numbers of any size, as pino cannot write them); binary is base64.

import { OutType } from '../dynamic/out-type.js'
import { MESSAGE_FIELD } from '../format/log-lines.js'
import type { EventSchema } from '../reader/event-schema.js'
import type { FieldValue, TraceEvent } from '../reader/trace-items.js'
import { base64Text } from './field-json.js'

/** pino's level of an event traced at an ETW level (index 0..5). */
const PINO_OF_ETW: readonly number[] = [30, 60, 50, 40, 30, 20]

/** pino's level of an event: a line's logger level, a plain event's ETW level mapped. */
export function pinoLevelOf(schema: EventSchema): number {
  return schema.log ?? PINO_OF_ETW[schema.level] ?? 10
}

/** The process the trace came from, as every pino line names it. */
export interface PinoOrigin {
  readonly pid: number
  readonly hostname: string
}

interface LinePieces {
  /** `{"level":N,"time":` */
  readonly head: string
  /** `,"pid":…,"hostname":…` */
  readonly origin: string
  /** Per schema field: `,"name":`, or '' for the message and fields left out. */
  readonly keys: readonly string[]
  readonly kinds: readonly FieldKind[]
  readonly message: boolean
}

const enum FieldKind { Plain, Binary, Json, Skip }

const pieces = new WeakMap<EventSchema, LinePieces>()

function piecesOf(schema: EventSchema, origin: PinoOrigin): LinePieces {
  let p = pieces.get(schema)
  if (p === undefined) {
    const line = schema.log !== undefined
    p = {
      head: `{"level":${pinoLevelOf(schema)},"time":`,
      origin: `,"pid":${origin.pid},"hostname":${JSON.stringify(origin.hostname)}`,
      keys: schema.fields.map((f) => `,${JSON.stringify(f.name)}:`),
      kinds: schema.fields.map((f) => line && f.name === MESSAGE_FIELD ? FieldKind.Skip
        : f.type === 'binary' ? FieldKind.Binary : f.outType === OutType.Json && f.type === 'str' ? FieldKind.Json : FieldKind.Plain),
      message: line,
    }
    pieces.set(schema, p)
  }
  return p
}

function valueJson(value: FieldValue, kind: FieldKind, cut: boolean): string {
  switch (typeof value) {
    case 'string': return kind === FieldKind.Json && !cut ? value : JSON.stringify(value)
    case 'number': return Number.isFinite(value) ? String(value) : `"${value}"`
    case 'bigint': return String(value)
    case 'boolean': return value ? 'true' : 'false'
  }
  if (kind === FieldKind.Binary) return `"${base64Text(value)}"`
  let text = '['
  for (let i = 0; i < value.length; i++) {
    const item = value[i]!
    text += `${i === 0 ? '' : ','}${typeof item === 'number' && !Number.isFinite(item) ? `"${item}"` : String(item)}`
  }
  return `${text}]`
}

/** The pino line of `event` (ending in a newline), or undefined for a span record. */
export function pinoLine(event: TraceEvent, schema: EventSchema, origin: PinoOrigin): string | undefined {
  if (schema.fields[0]?.name === 'activityId' && schema.fields[0].type === 'guid' && (schema.opcode === 1 || schema.opcode === 2)) return undefined
  const p = piecesOf(schema, origin)
  let text = `${p.head}${Math.floor(event.time)}${p.origin}`
  const { fields, truncated } = event
  for (let i = 0; i < p.keys.length; i++) {
    const kind = p.kinds[i]!
    if (kind === FieldKind.Skip) continue
    const name = schema.fields[i]!.name
    const value = fields[name]
    if (value === undefined) continue
    text += `${p.keys[i]}${valueJson(value, kind, truncated?.includes(name) === true)}`
  }
  if (event.traceId !== undefined) text += `,"trace_id":"${event.traceId}","span_id":"${event.spanId}"`
  const message = p.message ? fields[MESSAGE_FIELD] : event.name
  if (typeof message === 'string' && message !== '') text += `,"msg":${JSON.stringify(message)}`
  return `${text}}\n`
}
