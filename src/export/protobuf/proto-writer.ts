// A protocol buffers encoder for the messages ringtrace sends (OTLP, Loki push): the wire
// format's varints, fixed-width numbers and length-delimited fields, written into one growing
// buffer. Only encoding, only what those messages use; field numbers come from the callers.
//
// A nested message or long string is written in place behind a one-byte length, then moved
// right when its length needs more bytes. Most attribute messages are under 128 bytes and never
// move; an outer message moves once per nesting level, a memmove of its bytes, which costs less
// than computing every size up front in a separate pass. A short string is measured first.

import { GrowingBytes } from '../growing-bytes.js'
import { utf8Length, writeUtf8 } from '../../ring/utf8.js'
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './wire-types.js'

const utf8 = new TextEncoder()
const TWO_32 = 2 ** 32
/**
 * Strings up to this length are measured and written by a loop, their length first, as the ring
 * writer does: TextEncoder.encodeInto needs a subarray (an allocation) and a call into C++, which
 * cost more than an attribute key or a name. Longer ones go to encodeInto behind a length slot.
 */
const SHORT_STRING = 64
/** Byte fields up to this length are copied by a loop: TypedArray#set costs more for an id. */
const SHORT_BYTES = 64

export class ProtoWriter extends GrowingBytes {
  private view: DataView

  constructor(initialBytes = 64 * 1024) {
    super(initialBytes)
    this.view = new DataView(this.bytes.buffer)
  }

  /** A varint field from a non-negative integer below 2^53 (uint32, uint64, enums, lengths). */
  uint(field: number, value: number): void {
    this.tag(field, WIRE_VARINT)
    this.varint(value)
  }

  /** An int64 field from a safe integer (two's complement, 10 bytes when negative). */
  int(field: number, value: number): void {
    this.tag(field, WIRE_VARINT)
    if (value >= 0) this.varint(value)
    else this.negativeVarint(value)
  }

  /** An int64 field (two's complement, 10 bytes when negative). */
  int64(field: number, value: bigint): void {
    // BigInt arithmetic costs several times the number path, and most 64-bit values are small.
    // Number() of a bigint beyond the safe range rounds to a double that is not a safe integer.
    const small = Number(value)
    if (Number.isSafeInteger(small)) {
      this.int(field, small)
      return
    }
    this.tag(field, WIRE_VARINT)
    let v = BigInt.asUintN(64, value)
    this.reserve(10)
    while (v >= 0x80n) {
      this.bytes[this.at++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.bytes[this.at++] = Number(v)
  }

  /** A uint64 field from a bigint in 0 .. 2^64 - 1 (epoch ns, beyond the safe integers). */
  uint64(field: number, value: bigint): void {
    this.tag(field, WIRE_VARINT)
    // As two 32-bit halves: two BigInt operations instead of two per 7 bits in int64()'s loop.
    let hi = Number(value >> 32n)
    let lo = Number(value & 0xffffffffn)
    this.reserve(10)
    const bytes = this.bytes
    let at = this.at
    while (hi !== 0 || lo >= 0x80) {
      bytes[at++] = (lo & 0x7f) | 0x80
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi >>>= 7
    }
    bytes[at++] = lo
    this.at = at
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
    // setBigUint64 takes the value modulo 2^64 itself.
    this.view.setBigUint64(this.at, value, true)
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
    if (value.length <= SHORT_STRING) {
      // At most 3 bytes per UTF-16 unit: never cut.
      const length = utf8Length(value, SHORT_STRING * 3)
      this.varint(length)
      this.reserve(length)
      writeUtf8(this.bytes, this.at, value, length)
      this.at += length
      return
    }
    // Written after a one-byte length, moved if longer.
    this.reserve(1 + value.length * 3)
    const start = this.at + 1
    const { written } = utf8.encodeInto(value, this.bytes.subarray(start))
    this.at = start
    this.placeLength(start, written)
  }

  /** A bytes field of the first `length` bytes of `value` (all of them by default). */
  bytesField(field: number, value: Uint8Array, length = value.length): void {
    this.tag(field, WIRE_LENGTH)
    this.varint(length)
    this.reserve(length)
    if (length <= SHORT_BYTES) {
      const bytes = this.bytes
      const at = this.at
      for (let i = 0; i < length; i++) bytes[at + i] = value[i]!
    } else {
      this.bytes.set(length === value.length ? value : value.subarray(0, length), this.at)
    }
    this.at += length
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
    if (length < 0x80) {
      this.bytes[start - 1] = length
      this.at = start + length
      return
    }
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

  /** A negative safe integer as the 10-byte varint of its 64-bit two's complement, from 32-bit halves. */
  private negativeVarint(value: number): void {
    this.reserve(10)
    const bytes = this.bytes
    let at = this.at
    // `>>> 0` is ToUint32, exact modulo 2^32 for a safe integer; the division by 2^32 is exact.
    let lo = value >>> 0
    let hi = Math.floor(value / TWO_32) >>> 0
    for (let i = 0; i < 4; i++) {
      bytes[at++] = (lo & 0x7f) | 0x80
      lo >>>= 7
    }
    bytes[at++] = lo | ((hi & 0x07) << 4) | 0x80
    hi >>>= 3
    for (let i = 0; i < 4; i++) {
      bytes[at++] = (hi & 0x7f) | 0x80
      hi >>>= 7
    }
    bytes[at++] = hi
    this.at = at
  }

  protected override grow(needed: number): void {
    super.grow(needed)
    this.view = new DataView(this.bytes.buffer)
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
