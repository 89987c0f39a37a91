// The growing byte buffer the request encoders write a body into: kept across batches, so a
// steady exporter stops allocating once the buffer fits its largest batch.

export class GrowingBytes {
  protected bytes: Uint8Array
  protected at = 0

  constructor(initialBytes: number) {
    this.bytes = new Uint8Array(initialBytes)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.at
  }

  /** Starts a new body in the same buffer. */
  reset(): void {
    this.at = 0
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.at)
  }

  /** Makes room for `n` more bytes after the write position. */
  protected reserve(n: number): void {
    if (this.at + n > this.bytes.length) this.grow(this.at + n)
  }

  /** Replaces the buffer by one of at least `needed` bytes holding all of the old one. */
  protected grow(needed: number): void {
    // From a buffer of 0 bytes, doubling alone would never get there.
    let size = Math.max(this.bytes.length * 2, 64)
    while (size < needed) size *= 2
    const grown = new Uint8Array(size)
    // Whole, not up to the write position: ProtoWriter moves it back before a body it measures.
    grown.set(this.bytes)
    this.bytes = grown
  }
}
