// Trace and span ids (docs/FORMAT.md section 4). A span's ids are held as 32-bit words, not
// byte arrays: allocating one Uint8Array cost ~22 ns here, more than all the other id work of a
// span, while an object of six small integers is one bump allocation. Random words come from a
// pool refilled by the CSPRNG 64 KiB at a time: each call costs ~3 µs before the first byte, so
// a 4 KiB pool cost ~21 ns per root span and a 64 KiB one ~5 ns (13 µs per refill, one refill
// per ~2,700 root spans).

import { randomFillSync } from 'node:crypto'
import { wordAt } from '../format/words.js'

export const ID_BYTES = 16
export const SPAN_ID_BYTES = 8

/**
 * The ids of one span: its trace id (t0..t3) and span id (s0, s1) as signed 32-bit words whose
 * little-endian bytes are the ids' bytes (int32 values stay small integers in V8, never boxed).
 * The activity id is s0, s1, t0, t1: the span id followed by the first 8 bytes of the trace id,
 * so a parent known only by its W3C span id and trace id maps to the same 16 bytes as when it
 * was recorded here.
 */
export class SpanContext {
  constructor(
    readonly t0: number,
    readonly t1: number,
    readonly t2: number,
    readonly t3: number,
    readonly s0: number,
    readonly s1: number,
  ) {}
}

/** All-zero ids: the parent of a root span, and what a correlated event records outside any span. */
export const ZERO_CONTEXT = new SpanContext(0, 0, 0, 0, 0, 0)

const words = new Int32Array(16384)
/** Next unused word of the pool. */
let next = words.length

function refill(count: number): void {
  if (next + count > words.length) {
    randomFillSync(words)
    next = 0
  }
}

/** A new trace: random trace id and span id, neither all zero (W3C). */
export function rootContext(): SpanContext {
  let t0: number, t1: number, t2: number, t3: number, s0: number, s1: number
  do {
    refill(6)
    t0 = words[next]!
    t1 = words[next + 1]!
    t2 = words[next + 2]!
    t3 = words[next + 3]!
    s0 = words[next + 4]!
    s1 = words[next + 5]!
    next += 6
  } while ((t0 | t1 | t2 | t3) === 0 || (s0 | s1) === 0)
  return new SpanContext(t0, t1, t2, t3, s0, s1)
}

/** A child span in the parent's trace, with a random span id (never all zero). */
export function childContext(parent: SpanContext): SpanContext {
  let s0: number, s1: number
  do {
    refill(2)
    s0 = words[next]!
    s1 = words[next + 1]!
    next += 2
  } while ((s0 | s1) === 0)
  return new SpanContext(parent.t0, parent.t1, parent.t2, parent.t3, s0, s1)
}

/** The context of a span known by its 16-byte trace id and 8-byte span id. */
export function contextOf(traceId: Uint8Array, spanId: Uint8Array): SpanContext {
  return new SpanContext(wordAt(traceId, 0), wordAt(traceId, 4), wordAt(traceId, 8), wordAt(traceId, 12),
    wordAt(spanId, 0), wordAt(spanId, 4))
}

function wordHex(word: number): string {
  let out = ''
  for (let shift = 0; shift < 32; shift += 8) out += ((word >>> shift) & 0xff).toString(16).padStart(2, '0')
  return out
}

export function traceIdHex(context: SpanContext): string {
  return wordHex(context.t0) + wordHex(context.t1) + wordHex(context.t2) + wordHex(context.t3)
}

/** The W3C / OpenTelemetry span id: the first 8 bytes of the activity id. */
export function spanIdHex(context: SpanContext): string {
  return wordHex(context.s0) + wordHex(context.s1)
}

export function activityIdHex(context: SpanContext): string {
  return spanIdHex(context) + wordHex(context.t0) + wordHex(context.t1)
}

/** Bytes of a lowercase or uppercase hex string of the given length, or undefined. */
export function fromHex(hex: string, bytes: number): Uint8Array | undefined {
  if (hex.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
