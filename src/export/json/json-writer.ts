// A JSON encoder for request bodies, writing UTF-8 straight into one growing buffer. Building the
// text by concatenation and encoding it once was measured at a third of the speed (OTLP spans,
// bench/otlp-encode.bench.ts): V8 kept a rope of thousands of pieces per batch, and 60% of the
// time went to the garbage collector and to flattening and encoding it. The caller writes the
// structure (keys, commas, brackets) with raw(); values come through the typed methods, which
// quote and escape.

import { GrowingBytes } from '../growing-bytes.js'
import { utf8Length, writeUtf8 } from '../../ring/utf8.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef')
const utf8 = new TextEncoder()
/**
 * Strings up to this length are checked and written by a loop: TextEncoder.encodeInto needs a
 * subarray (an allocation) and a call into C++, which cost more than an attribute key or a name.
 */
const SHORT_STRING = 64

export class JsonWriter extends GrowingBytes {
  constructor(initialBytes = 64 * 1024) {
    super(initialBytes)
  }

  /** ASCII text as it is: the structure the caller spells out (`{"key":`, `,`, `]}`). */
  raw(text: string): void {
    const n = text.length
    this.reserve(n)
    const bytes = this.bytes
    const at = this.at
    for (let i = 0; i < n; i++) bytes[at + i] = text.charCodeAt(i)
    this.at = at + n
  }

  /** A JSON string, spelled as JSON.stringify spells it. */
  string(value: string): void {
    if (value.length <= SHORT_STRING && isPlain(value)) {
      // Plain: one byte per unit below 0x80, at most 3 above; never cut.
      const length = utf8Length(value, SHORT_STRING * 3)
      this.reserve(length + 2)
      const bytes = this.bytes
      bytes[this.at] = QUOTE
      writeUtf8(bytes, this.at + 1, value, length)
      bytes[this.at + 1 + length] = QUOTE
      this.at += length + 2
      return
    }
    const quoted = JSON.stringify(value)
    this.reserve(quoted.length * 3)
    this.at += utf8.encodeInto(quoted, this.bytes.subarray(this.at)).written
  }

  /** A finite number, as JSON.stringify writes it (callers spell NaN and the infinities). */
  number(value: number): void {
    // Enums and small counts: one digit, no string made.
    if (value >= 0 && value < 10 && Number.isInteger(value)) {
      this.reserve(1)
      this.bytes[this.at++] = 0x30 + value
    } else {
      this.raw(String(value))
    }
  }

  /** An integer as a quoted decimal (the JSON mapping of 64-bit integers). */
  quotedInteger(value: number | bigint): void {
    const digits = String(value)
    const n = digits.length
    this.reserve(n + 2)
    const bytes = this.bytes
    let at = this.at
    bytes[at++] = QUOTE
    for (let i = 0; i < n; i++) bytes[at++] = digits.charCodeAt(i)
    bytes[at++] = QUOTE
    this.at = at
  }

  /** The first `n` of `bytes` (all by default) as a quoted lowercase hex string. */
  quotedHex(bytes: Uint8Array, n = bytes.length): void {
    this.reserve(2 + n * 2)
    const out = this.bytes
    let at = this.at
    out[at++] = QUOTE
    for (let i = 0; i < n; i++) {
      const b = bytes[i]!
      out[at++] = HEX_DIGITS[b >> 4]!
      out[at++] = HEX_DIGITS[b & 15]!
    }
    out[at++] = QUOTE
    this.at = at
  }

  /** `bytes` as a quoted base64 string. */
  quotedBase64(bytes: Uint8Array): void {
    this.raw(`"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"`)
  }
}

/**
 * Whether JSON.stringify would write `value` between quotes as it is: no quote, backslash or
 * control character to escape, and no surrogate (it escapes a lone one; writeUtf8 would not).
 */
function isPlain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === QUOTE || c === BACKSLASH || (c >= 0xd800 && c <= 0xdfff)) return false
  }
  return true
}
