// The coercions a record writer makes before it reads the ring's cursor. A value's own code
// (valueOf, toString, Symbol.toPrimitive, getters, Proxy traps) may trace into the same ring, so
// it must run while the writer holds no position in it: afterwards the writer touches only
// primitives and arrays whose reads run no user code (docs/FORMAT.md, "Re-entrant values").
//
// The checks below use the engine's own %TypedArray%.prototype getters, called on the value, so
// an instance's overridden `length` or a Proxy that passes `instanceof` cannot answer for it.

import { createRingViews, type RingViews } from './ring-views.js'

const TYPED_ARRAY_PROTO = Object.getPrototypeOf(Uint8Array.prototype) as object

function intrinsicGetter(key: PropertyKey): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(TYPED_ARRAY_PROTO, key)!.get! as (this: unknown) => unknown
}

const tagOf = intrinsicGetter(Symbol.toStringTag)
const lengthOf = intrinsicGetter('length') as (this: unknown) => number
const bufferOf = intrinsicGetter('buffer') as (this: unknown) => ArrayBufferLike
const byteOffsetOf = intrinsicGetter('byteOffset') as (this: unknown) => number
const byteLengthOf = intrinsicGetter('byteLength') as (this: unknown) => number

/** The value itself when it is a genuine Uint8Array (or Buffer); undefined otherwise. */
function genuineBytes(value: unknown): Uint8Array | undefined {
  return tagOf.call(value) === 'Uint8Array' ? value as Uint8Array : undefined
}

/**
 * A guid given as bytes: a genuine Uint8Array of 16 bytes as it is, a look-alike (a Proxy, an
 * array-like passing `instanceof Uint8Array`) copied out here. Throws a TypeError otherwise,
 * which the writer counts as an invalid value.
 */
export function guidBytes(value: unknown): Uint8Array {
  const bytes = genuineBytes(value)
  if (bytes !== undefined) {
    if (lengthOf.call(bytes) !== 16) throw new TypeError('Expected 16 GUID bytes')
    return bytes
  }
  if (!(value instanceof Uint8Array)) throw new TypeError('Expected a GUID string or 16 bytes')
  if (value.length !== 16) throw new TypeError('Expected 16 GUID bytes')
  const copy = new Uint8Array(16)
  for (let i = 0; i < 16; i++) copy[i] = value[i]!
  return copy
}

/**
 * The bytes of a `binary` value as a genuine Uint8Array: the value itself when it is one (no
 * allocation), else a view made here (another ArrayBuffer view, an ArrayBuffer) or a copy (a
 * look-alike such as a Proxy, read here through whatever it runs).
 */
export function binaryBytes(value: unknown): Uint8Array {
  const bytes = genuineBytes(value)
  if (bytes !== undefined) return bytes
  if (tagOf.call(value) !== undefined) {
    return new Uint8Array(bufferOf.call(value), byteOffsetOf.call(value), byteLengthOf.call(value))
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) {
    const view = value as DataView
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  }
  if (value instanceof Uint8Array) return Uint8Array.from(value)
  throw new TypeError('Expected a Uint8Array, an ArrayBuffer view or an ArrayBuffer')
}

/** A genuine Uint8Array's length, which no property of the instance can change. */
export function byteLength(bytes: Uint8Array): number {
  return byteLengthOf.call(bytes)
}

/** The first `n` bytes of a genuine Uint8Array, as a view. */
export function cutBytes(bytes: Uint8Array, n: number): Uint8Array {
  return new Uint8Array(bufferOf.call(bytes), byteOffsetOf.call(bytes), n)
}

/**
 * The element count of an array field's value: its numeric `length`. A length that lies only
 * changes which elements are read (missing ones read as undefined): the writer copies at most
 * its cap of them into its scratch.
 */
export function arrayLength(value: unknown): number {
  const length = (value as { length?: unknown } | null | undefined)?.length
  if (typeof length !== 'number' || !(length >= 0)) throw new TypeError('Expected an array-like value')
  return Math.floor(length)
}

/**
 * Per array field of a writer: the memory its elements are coerced into before the cursor is
 * read, `bytes` rounded up to whole 8-byte words, with the ring's views over it.
 */
export function createArrayScratch(bytes: number): RingViews {
  return createRingViews(new ArrayBuffer(Math.max(8, (bytes + 7) & ~7)))
}
