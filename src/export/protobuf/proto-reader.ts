// A protocol buffers decoder for what receivers send back (export responses, google.rpc.Status):
// a few small messages from a peer that may be broken or hostile. Every read is checked against
// the end of its message and throws ProtoReadError past it; a field's tag takes at least one byte,
// so a loop over fields ends. Only what those replies use: varints, skipping, length-delimited.

import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './wire-types.js'

/** Malformed input: a read past the end, an over-long varint, an unknown wire type. */
export class ProtoReadError extends Error {
  constructor(message: string) {
    super(`protobuf: ${message}`)
    this.name = 'ProtoReadError'
  }
}

const utf8 = new TextDecoder()
/** A varint takes at most 10 bytes (64 bits, 7 per byte). */
const MAX_VARINT_BYTES = 10

export class ProtoReader {
  private at: number

  constructor(private readonly bytes: Uint8Array, start = 0, private readonly end = bytes.length) {
    this.at = start
  }

  /** Whether the message has no more fields. */
  get done(): boolean {
    return this.at >= this.end
  }

  /** The next field's tag, split into its number and wire type. */
  tag(): { field: number; wire: number } {
    const tag = this.varint()
    const field = Math.floor(tag / 8)
    if (field === 0 || field > 0x1fffffff) throw new ProtoReadError(`invalid field number ${field}`)
    return { field, wire: tag % 8 }
  }

  /** An unsigned varint; exact below 2^53, the nearest double above (an int64 below 0 reads as ≥ 2^63). */
  varint(): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.at >= this.end) throw new ProtoReadError('varint past the end')
      const byte = this.bytes[this.at++]!
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 128
    }
    throw new ProtoReadError('varint longer than 10 bytes')
  }

  /** The body of a length-delimited field, as a reader of its own. */
  message(): ProtoReader {
    const start = this.lengthDelimited()
    return new ProtoReader(this.bytes, start, this.at)
  }

  /** A length-delimited field as UTF-8 (malformed sequences become U+FFFD). */
  string(): string {
    const start = this.lengthDelimited()
    return utf8.decode(this.bytes.subarray(start, this.at))
  }

  /** Skips a field's value of wire type `wire`. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); break
      case WIRE_FIXED64: this.advance(8); break
      case WIRE_LENGTH: this.lengthDelimited(); break
      case WIRE_FIXED32: this.advance(4); break
      // 3 and 4 are the deprecated groups, which no reply of these protocols holds; 6, 7 are unused.
      default: throw new ProtoReadError(`unsupported wire type ${wire}`)
    }
  }

  /** Moves past a length-delimited value; returns where it starts. */
  private lengthDelimited(): number {
    const length = this.varint()
    const start = this.at
    this.advance(length)
    return start
  }

  private advance(n: number): void {
    if (n > this.end - this.at) throw new ProtoReadError(`${n} bytes past the end`)
    this.at += n
  }
}
