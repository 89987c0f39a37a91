// A protocol buffers encoder for the messages ringtrace sends (OTLP, Loki push): the wire
// format's varints, fixed-width numbers and length-delimited fields, written into one growing
// buffer. Only encoding, only what those messages use; field numbers come from the callers.
//
// A nested message or string is written in place behind a one-byte length, then moved right
// when its length needs more bytes. Most strings and attribute messages are under 128 bytes
// and never move; an outer message moves once per nesting level, a memmove of its bytes, which
// costs less than computing every size up front in a separate pass.

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH = 2
const WIRE_FIXED32 = 5

const utf8 = new TextEncoder()
const TWO_32 = 2 ** 32

export class ProtoWriter {
  private bytes: Uint8Array
  private view: DataView
  private at = 0

  constructor(initialBytes = 64 * 1024) {
    this.bytes = new Uint8Array(initialBytes)
    this.view = new DataView(this.bytes.buffer)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.at
  }

  /** Starts a new message in the same buffer. */
  reset(): void {
    this.at = 0
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.at)
  }

  /** A varint field from a non-negative integer below 2^53 (uint32, uint64, enums, lengths). */
  uint(field: number, value: number): void {
    this.tag(field, WIRE_VARINT)
    this.varint(value)
  }

  /** An int64 field (two's complement, 10 bytes when negative). */
  int64(field: number, value: bigint): void {
    this.tag(field, WIRE_VARINT)
    let v = BigInt.asUintN(64, value)
    this.reserve(10)
    while (v >= 0x80n) {
      this.bytes[this.at++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.bytes[this.at++] = Number(v)
  }

  bool(field: number, value: boolean): void {
    this.tag(field, WIRE_VARINT)
    this.reserve(1)
    this.bytes[this.at++] = value ? 1 : 0
  }

  /** A fixed64 field (timestamps in ns) from a value in 0 .. 2^64 - 1. */
  fixed64(field: number, value: bigint): void {
    this.tag(field, WIRE_FIXED64)
    this.reserve(8)
    this.view.setBigUint64(this.at, BigInt.asUintN(64, value), true)
    this.at += 8
  }

  fixed32(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32)
    this.reserve(4)
    this.view.setUint32(this.at, value >>> 0, true)
    this.at += 4
  }

  double(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64)
    this.reserve(8)
    this.view.setFloat64(this.at, value, true)
    this.at += 8
  }

  string(field: number, value: string): void {
    this.tag(field, WIRE_LENGTH)
    // UTF-8 takes at most 3 bytes per UTF-16 unit; written after a one-byte length, moved if longer.
    this.reserve(1 + value.length * 3)
    const start = this.at + 1
    const { written } = utf8.encodeInto(value, this.bytes.subarray(start))
    this.at = start
    this.placeLength(start, written)
  }

  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH)
    this.varint(value.length)
    this.reserve(value.length)
    this.bytes.set(value, this.at)
    this.at += value.length
  }

  /** Starts an embedded message (or packed field); returns the mark end() takes. */
  begin(field: number): number {
    this.tag(field, WIRE_LENGTH)
    this.reserve(1)
    return ++this.at
  }

  /** Ends the embedded message begin() started: writes its length before it. */
  end(mark: number): void {
    const length = this.at - mark
    this.at = mark
    this.placeLength(mark, length)
  }

  /** With `length` bytes at `start` (one byte past the length slot): writes the length, moving them if it needs more than that byte. */
  private placeLength(start: number, length: number): void {
    const extra = varintBytes(length) - 1
    if (extra > 0) {
      this.reserve(length + extra)
      this.bytes.copyWithin(start + extra, start, start + length)
    }
    this.at = start - 1
    this.varint(length)
    this.at += length
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire)
  }

  private varint(value: number): void {
    this.reserve(8)
    const bytes = this.bytes
    let at = this.at
    let v = value
    // Above 2^31 the bit operators would truncate: divide instead.
    while (v >= 0x80) {
      bytes[at++] = (v % 128) | 0x80
      v = v >= TWO_32 ? Math.floor(v / 128) : v >>> 7
    }
    bytes[at++] = v
    this.at = at
  }

  /** Makes room for `n` more bytes after the write position. */
  private reserve(n: number): void {
    const needed = this.at + n
    if (needed <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < needed) size *= 2
    const grown = new Uint8Array(size)
    // Whole: placeLength() reserves with the write position moved back before a body.
    grown.set(this.bytes)
    this.bytes = grown
    this.view = new DataView(grown.buffer)
  }
}

function varintBytes(value: number): number {
  let n = 1
  let v = value
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}
