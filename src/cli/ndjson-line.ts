// One trace item as a line of JSON: bigints as decimal strings, typed arrays as arrays, binary as
// base64, NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (JSON has no such
// numbers), times as `timestampNs` (decimal) and `time` (ISO 8601).
//
// Event lines are assembled as text from pieces cached per schema (the parts that do not change
// between events of one type and thread): building and stringifying an object per event took
// 7.8 s for 2 M events, this 3.6 s. Text also copes with a field named __proto__.

import type { EventSchema } from '../reader/event-schema.js'
import type { TraceEvent, TraceItem } from '../reader/trace-items.js'
import { typedFieldJson } from '../exporters/field-json.js'

/** Consecutive events usually share their millisecond; toISOString costs about 0.7 µs. */
let lastMs = NaN
let lastIso = ''

/** `ms` since the epoch in ISO 8601, to the millisecond. */
export function isoTime(ms: number): string {
  const whole = Math.floor(ms)
  if (whole !== lastMs) {
    lastMs = whole
    lastIso = new Date(whole).toISOString()
  }
  return lastIso
}

interface EventPieces {
  /** `{"kind":"event","name":…,"timestampNs":"` */
  readonly start: string
  /** `","stream":…,"eventId":…,"seq":` (after the time) */
  readonly middle: string
  /** `"name":` per field, in schema order */
  readonly keys: readonly string[]
  readonly names: readonly string[]
  readonly binary: readonly boolean[]
}

const piecesBySchema = new WeakMap<EventSchema, EventPieces>()

function piecesOf(event: TraceEvent, schema: EventSchema): EventPieces {
  let pieces = piecesBySchema.get(schema)
  if (pieces === undefined) {
    pieces = {
      start: `{"kind":"event","name":${JSON.stringify(event.name)},"timestampNs":"`,
      middle: `","stream":${event.stream},"thread":${JSON.stringify(event.thread)},"level":${event.level},` +
        `"keyword":"${event.keyword}","opcode":${event.opcode},"eventId":${event.eventId},"seq":`,
      keys: schema.fields.map((f) => `${JSON.stringify(f.name)}:`),
      names: schema.fields.map((f) => f.name),
      binary: schema.fields.map((f) => f.type === 'binary'),
    }
    piecesBySchema.set(schema, pieces)
  }
  return pieces
}

/** `{"name":value,...}` of the fields decoded, in schema order. */
function fieldsObject(p: EventPieces, fields: TraceEvent['fields']): string {
  let text = '{'
  let first = true
  for (let i = 0; i < p.names.length; i++) {
    // Absent when the reader skipped field decoding.
    if (!Object.hasOwn(fields, p.names[i])) continue
    text += `${first ? '' : ','}${p.keys[i]}${typedFieldJson(fields[p.names[i]], p.binary[i])}`
    first = false
  }
  return `${text}}`
}

function eventLine(event: TraceEvent, schema: EventSchema): string {
  const p = piecesOf(event, schema)
  let text = `${p.start}${event.timestampNs}","time":"${isoTime(event.time)}${p.middle}${event.seq}`
  if (event.truncated !== undefined) text += `,"truncated":${JSON.stringify(event.truncated)}`
  // Hex digits only: nothing to escape.
  if (event.traceId !== undefined) text += `,"traceId":"${event.traceId}","spanId":"${event.spanId}"`
  return `${text},"fields":${fieldsObject(p, event.fields)}}\n`
}

/** The "fields" object of the event's NDJSON line. */
export function fieldsJsonOf(event: TraceEvent, schema: EventSchema): string {
  return fieldsObject(piecesOf(event, schema), event.fields)
}

/** `schema`: the event's schema (TraceReader#schemaOf); unused for loss reports. */
export function ndjsonLine(item: TraceItem, schema: EventSchema | undefined): string {
  if (item.kind === 'event' && schema !== undefined) return eventLine(item, schema)
  if (item.kind === 'event') throw new RangeError(`no schema for event ${item.name}`)
  return `${JSON.stringify({
    kind: 'lost',
    stream: item.stream,
    thread: item.thread,
    count: item.count,
    ringFull: item.ringFull,
    invalid: item.invalid,
    overwritten: item.overwritten,
    unwritten: item.unwritten,
    byEvent: item.byEvent,
    timestampNs: item.timestampNs === undefined ? undefined : String(item.timestampNs),
    time: item.time === undefined ? undefined : isoTime(item.time),
  })}\n`
}
