// Trace and span ids (docs/FORMAT.md section 4). Random bytes come from a pool refilled by the
// CSPRNG 4 KiB at a time: a crypto call per span would cost more than the rest of the span.
// Bytes are copied in plain loops: subarray() + set() on 8 or 16 bytes cost ~100 ns here
// (an allocation and a runtime call), the loop a few ns.

import { randomFillSync } from 'node:crypto'

const pool = new Uint8Array(4096)
let poolAt = pool.length

function takeRandom(out: Uint8Array, at: number, count: number): void {
  if (poolAt + count > pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  for (let i = 0; i < count; i++) out[at + i] = pool[poolAt + i]!
  poolAt += count
}

function copyBytes(to: Uint8Array, at: number, from: Uint8Array, start: number, count: number): void {
  for (let i = 0; i < count; i++) to[at + i] = from[start + i]!
}

export const ID_BYTES = 16
export const SPAN_ID_BYTES = 8
export const ZERO_ID: Uint8Array = new Uint8Array(ID_BYTES)

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false
  return true
}

/** A random 16-byte trace id, never all zero (W3C). */
export function newTraceId(): Uint8Array {
  const id = new Uint8Array(ID_BYTES)
  do takeRandom(id, 0, ID_BYTES)
  while (isZero(id, 0, ID_BYTES))
  return id
}

/**
 * An activity id: a random span id (bytes 0..7, never all zero) followed by the first 8 bytes of
 * the trace id, so that a parent known only by its W3C span id and trace id maps to the same 16
 * bytes as when it was recorded here.
 */
export function newActivityId(traceId: Uint8Array): Uint8Array {
  const id = new Uint8Array(ID_BYTES)
  do takeRandom(id, 0, SPAN_ID_BYTES)
  while (isZero(id, 0, SPAN_ID_BYTES))
  copyBytes(id, SPAN_ID_BYTES, traceId, 0, SPAN_ID_BYTES)
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
