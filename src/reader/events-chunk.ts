// Decodes the ring records of one EVENTS chunk (docs/FORMAT.md section 2). This is the hot loop
// of the reader: one DataView over the reader's buffer, the schema's prebuilt decoder per record,
// and no allocation beyond the items it yields.

import {
  HEADER_BYTES, LOST_ID, LOST_INVALID_OFFSET, LOST_MAX_PAIRS, LOST_PAIRS_COUNT_OFFSET, LOST_PAIRS_OFFSET,
  LOST_RING_FULL_OFFSET, PADDING_ID, RECORD_SEQ_OFFSET, RECORD_TIMESTAMP_OFFSET,
} from '../format/record-layout.js'
import { computeLayout } from '../format/layout.js'
import { SPAN_CONTEXT, SPAN_CONTEXT_FIELDS } from '../format/span-records.js'
import type { RawChunk } from './chunk-source.js'
import { MAX_TIME_MS } from './file-metadata.js'
import type { RecordCursor } from './record-cursor.js'
import type { StreamState } from './stream-state.js'
import { shown, TraceDamage } from './trace-file-error.js'
import type { TraceEvent, TraceItem, TraceLost } from './trace-items.js'

/** EVENTS payload: u32 stream, u32 0, then records. */
const RECORDS_OFFSET = 8

/** Where a correlated record's trace id and span id sit: the layout of its first fields, as the writer's. */
const [TRACE_ID_SLOT, SPAN_ID_SLOT] = computeLayout(SPAN_CONTEXT_FIELDS.map((f) => f.type)).fixed
const TRACE_ID_AT = TRACE_ID_SLOT!.offset
const SPAN_ID_AT = SPAN_ID_SLOT!.offset

/** Where the records of an EVENTS chunk begin in the reader's buffer. */
export function firstRecord(chunk: RawChunk): number {
  return chunk.start + RECORDS_OFFSET
}

/**
 * Decodes records from `from` until the chunk ends or `out` holds `limit` items; returns where it
 * stopped.
 */
export function decodeEvents(
  chunk: RawChunk, state: StreamState, cursor: RecordCursor, from: number, out: TraceItem[], limit: number,
): number {
  const { bytes, view } = chunk
  const end = chunk.start + chunk.length
  const fileOffset = (at: number): number => chunk.offset + 16 + (at - chunk.start)
  const damaged = (code: 'BAD_RECORD' | 'UNKNOWN_EVENT' | 'SEQUENCE_GAP', at: number, what: string): TraceDamage =>
    new TraceDamage(code, chunk.offset, `stream ${state.stream}, record at offset ${fileOffset(at)}: ${what}`)

  let at = from
  while (at < end && out.length < limit) {
    if (end - at < 8) throw damaged('BAD_RECORD', at, `${end - at} stray bytes at the end of the chunk`)
    const word0 = view.getUint32(at, true)
    const size = (word0 & 0xffff) * 8
    const eventId = word0 >>> 16
    if (size === 0 || at + size > end) throw damaged('BAD_RECORD', at, `size ${size} does not fit in the chunk`)
    if (eventId === PADDING_ID) {
      at += size
      continue
    }
    if (size < HEADER_BYTES) throw damaged('BAD_RECORD', at, `size ${size} is shorter than a record header`)
    const timestamp = view.getFloat64(at + RECORD_TIMESTAMP_OFFSET, true)
    // Also refuses NaN. Inside the range, `timestamp * 1e6` is finite and the item's time a Date.
    if (!(Math.abs(state.originMs + timestamp) <= MAX_TIME_MS)) {
      throw damaged('BAD_RECORD', at, `timestamp ${timestamp} ms puts the record outside the dates a reader can show`)
    }
    if (eventId === LOST_ID) {
      out.push(lostRecord(chunk, state, at, size, timestamp, damaged))
      at += size
      continue
    }

    const schema = state.schemas[eventId]
    if (schema === undefined) throw damaged('UNKNOWN_EVENT', at, `no schema for event id ${eventId}`)
    const seq = view.getUint32(at + RECORD_SEQ_OFFSET, true)
    if (seq !== state.nextSeq) {
      // Overwrite mode: the collector announces the events it found overwritten in a LOSS chunk
      // before the records that follow them.
      const gap = (seq - state.nextSeq) >>> 0
      if (gap <= state.unmatchedOverwritten) {
        state.unmatchedOverwritten -= gap
      } else if (state.acceptsGaps) {
        state.skipped += gap - state.unmatchedOverwritten
        state.unmatchedOverwritten = 0
      } else {
        throw damaged('SEQUENCE_GAP', at,
          `expected seq ${state.nextSeq}, found ${seq}; ${state.unmatchedOverwritten} overwritten events were reported`)
      }
    }
    if (size < schema.fixedEnd) throw damaged('BAD_RECORD', at, `size ${size} is shorter than event ${shown(schema.name)}`)
    cursor.at(bytes, view, at, at + size)
    const fields = schema.decode(cursor)
    if (fields === undefined) throw damaged('BAD_RECORD', at, `a field of event ${shown(schema.name)} runs past the record`)
    state.nextSeq = (seq + 1) >>> 0
    state.delivered++
    const event: TraceEvent = {
      kind: 'event',
      name: schema.name,
      timestampNs: state.originNs + BigInt(Math.round(timestamp * 1e6)),
      time: state.originMs + timestamp,
      stream: state.stream,
      thread: state.thread,
      level: schema.level,
      keyword: schema.keyword,
      opcode: schema.opcode,
      eventId,
      seq,
      fields,
    }
    if (cursor.truncated !== undefined) event.truncated = cursor.truncated
    if (schema.context === SPAN_CONTEXT) setSpanIds(event, bytes, view, at)
    out.push(event)
    at += size
  }
  return at
}

/**
 * The ids of the span a correlated record was traced in, as OTLP and W3C write them (lowercase
 * hex of the bytes); none when they are zero (it was traced outside any span).
 */
function setSpanIds(event: TraceEvent, bytes: Buffer, view: DataView, at: number): void {
  const t = at + TRACE_ID_AT
  const s = at + SPAN_ID_AT
  if ((view.getInt32(t, true) | view.getInt32(t + 4, true) | view.getInt32(t + 8, true) | view.getInt32(t + 12, true)) === 0) return
  if ((view.getInt32(s, true) | view.getInt32(s + 4, true)) === 0) return
  event.traceId = bytes.toString('hex', t, t + 16)
  event.spanId = bytes.toString('hex', s, s + 8)
}

function lostRecord(
  chunk: RawChunk, state: StreamState, at: number, size: number, timestamp: number,
  damaged: (code: 'BAD_RECORD', at: number, what: string) => TraceDamage,
): TraceLost {
  const view = chunk.view
  if (size < LOST_PAIRS_OFFSET) throw damaged('BAD_RECORD', at, `LOST record of ${size} bytes`)
  const ringFull = view.getFloat64(at + LOST_RING_FULL_OFFSET, true)
  const invalid = view.getFloat64(at + LOST_INVALID_OFFSET, true)
  const pairs = view.getUint32(at + LOST_PAIRS_COUNT_OFFSET, true)
  if (!isCount(ringFull) || !isCount(invalid)) throw damaged('BAD_RECORD', at, `LOST counts ${ringFull}, ${invalid}`)
  if (pairs > LOST_MAX_PAIRS || LOST_PAIRS_OFFSET + pairs * 8 > size) {
    throw damaged('BAD_RECORD', at, `LOST record of ${size} bytes cannot hold ${pairs} pairs`)
  }
  state.lostRingFull += ringFull
  state.lostInvalid += invalid
  const lost: TraceLost = {
    kind: 'lost',
    stream: state.stream,
    thread: state.thread,
    count: ringFull + invalid,
    ringFull,
    invalid,
    overwritten: 0,
    unwritten: 0,
    timestampNs: state.originNs + BigInt(Math.round(timestamp * 1e6)),
    time: state.originMs + timestamp,
  }
  if (pairs > 0) {
    const byEvent = new Map<string, number>()
    for (let i = 0; i < pairs; i++) {
      const pair = at + LOST_PAIRS_OFFSET + i * 8
      const id = view.getUint32(pair, true)
      // The counts stay meaningful even for an id whose schema never reached the file.
      const name = state.schemas[id]?.name ?? `event#${id}`
      byEvent.set(name, (byEvent.get(name) ?? 0) + view.getUint32(pair + 4, true))
    }
    // fromEntries defines keys, so an event named __proto__ is counted, not made a prototype.
    lost.byEvent = Object.fromEntries(byEvent)
  }
  return lost
}

/** A count from the file: exact in a double, so sums and the END check stay exact. */
export function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}
