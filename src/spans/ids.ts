// Trace and span ids (docs/FORMAT.md section 4). Random bytes come from a pool refilled by the
// CSPRNG 4 KiB at a time: a crypto call per span would cost more than the rest of the span.
// Bytes are copied in plain loops or unrolled stores: subarray() + set() on 8 or 16 bytes cost ~100 ns here
// (an allocation and a runtime call), the loop a few ns.

import { randomFillSync } from 'node:crypto'

const pool = new Uint8Array(4096)
// The pool read as 32-bit words: ids take 4 or 2 words and store them with unrolled byte stores
// (alloc + 16-byte loop copy ~51 ns, alloc + unrolled words ~35 ns; alloc alone ~27 ns).
const words = new Uint32Array(pool.buffer)
/** Next unused word. */
let wordAt = words.length

function refill(count: number): void {
  if (wordAt + count > words.length) {
    randomFillSync(pool)
    wordAt = 0
  }
}

function put32(out: Uint8Array, at: number, word: number): void {
  out[at] = word
  out[at + 1] = word >>> 8
  out[at + 2] = word >>> 16
  out[at + 3] = word >>> 24
}

function copyBytes(to: Uint8Array, at: number, from: Uint8Array, start: number, count: number): void {
  for (let i = 0; i < count; i++) to[at + i] = from[start + i]!
}

export const ID_BYTES = 16
export const SPAN_ID_BYTES = 8
export const ZERO_ID: Uint8Array = new Uint8Array(ID_BYTES)

/** A random 16-byte trace id, never all zero (W3C). */
export function newTraceId(): Uint8Array {
  let a: number, b: number, c: number, d: number
  do {
    refill(4)
    a = words[wordAt]!
    b = words[wordAt + 1]!
    c = words[wordAt + 2]!
    d = words[wordAt + 3]!
    wordAt += 4
  } while ((a | b | c | d) === 0)
  const id = new Uint8Array(ID_BYTES)
  put32(id, 0, a)
  put32(id, 4, b)
  put32(id, 8, c)
  put32(id, 12, d)
  return id
}

/**
 * An activity id: a random span id (bytes 0..7, never all zero) followed by the first 8 bytes of
 * the trace id, so that a parent known only by its W3C span id and trace id maps to the same 16
 * bytes as when it was recorded here.
 */
export function newActivityId(traceId: Uint8Array): Uint8Array {
  let a: number, b: number
  do {
    refill(2)
    a = words[wordAt]!
    b = words[wordAt + 1]!
    wordAt += 2
  } while ((a | b) === 0)
  const id = new Uint8Array(ID_BYTES)
  put32(id, 0, a)
  put32(id, 4, b)
  id[8] = traceId[0]!
  id[9] = traceId[1]!
  id[10] = traceId[2]!
  id[11] = traceId[3]!
  id[12] = traceId[4]!
  id[13] = traceId[5]!
  id[14] = traceId[6]!
  id[15] = traceId[7]!
  return id
}

/** The activity id of a span known by its W3C span id (8 bytes) within a trace. */
export function activityIdOf(spanId: Uint8Array, traceId: Uint8Array): Uint8Array {
  const id = new Uint8Array(ID_BYTES)
  id.set(spanId.subarray(0, SPAN_ID_BYTES), 0)
  copyBytes(id, SPAN_ID_BYTES, traceId, 0, SPAN_ID_BYTES)
  return id
}

export function toHex(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let out = ''
  for (let i = from; i < to; i++) out += bytes[i]!.toString(16).padStart(2, '0')
  return out
}

/** Bytes of a lowercase or uppercase hex string of the given length, or undefined. */
export function fromHex(hex: string, bytes: number): Uint8Array | undefined {
  if (hex.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
