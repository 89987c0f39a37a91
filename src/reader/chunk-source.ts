// Reads a trace file chunk by chunk through one growing buffer, checking each chunk's framing
// (docs/FORMAT.md section 3) before handing it on. A chunk's bytes stay valid only until the
// next call to `next()`: decoders copy what they keep.

import { open, type FileHandle } from 'node:fs/promises'
import { chunkCrc } from '../format/chunk.js'
import { CHUNK_HEADER_BYTES, CHUNK_TAG, ChunkType } from '../format/file-layout.js'
import { alignUp } from '../format/layout.js'
import { TraceDamage } from './trace-file-error.js'

export interface RawChunk {
  /** File offset of the chunk header. */
  readonly offset: number
  readonly type: number
  /** The reader's buffer; the payload is `bytes[start, start + length)`. */
  readonly bytes: Buffer
  readonly view: DataView
  readonly start: number
  readonly length: number
}

/**
 * Larger than any chunk a writer produces (an EVENTS chunk holds at most one ring, 1 GiB), and
 * small enough that `alignUp`'s 32-bit arithmetic cannot overflow.
 */
const MAX_PAYLOAD_BYTES = 0x7fff_0000
const MAX_CHUNK_BYTES = CHUNK_HEADER_BYTES + MAX_PAYLOAD_BYTES

export const DEFAULT_READ_BYTES = 1 << 20

export class ChunkSource {
  private bytes: Buffer
  private view: DataView
  /** Unconsumed bytes are `bytes[start, end)`; `bytes[start]` is at file offset `offset`. */
  private start = 0
  private end = 0
  private offset = 0

  private constructor(private readonly handle: FileHandle, readBytes: number) {
    // Not from Node's shared pool: the buffer starts its own ArrayBuffer, so 8-aligned file
    // offsets stay 8-aligned in memory.
    this.bytes = Buffer.allocUnsafeSlow(readBytes)
    this.view = new DataView(this.bytes.buffer)
  }

  static async open(path: string, readBytes = DEFAULT_READ_BYTES): Promise<ChunkSource> {
    return new ChunkSource(await open(path, 'r'), readBytes)
  }

  close(): Promise<void> {
    return this.handle.close()
  }

  /** The next chunk, or undefined at a clean end of file (after a whole chunk). */
  async next(): Promise<RawChunk | undefined> {
    const offset = this.offset
    if (!(await this.fill(CHUNK_HEADER_BYTES))) {
      if (this.end === this.start) return undefined
      throw new TraceDamage('TRUNCATED', offset, `${this.end - this.start} bytes of a 16-byte chunk header`)
    }
    const at = this.start
    const view = this.view
    if (view.getUint32(at, true) !== CHUNK_TAG) {
      if (offset === 0) throw new TraceDamage('BAD_MAGIC', 0, 'no chunk tag at the start of the file')
      throw new TraceDamage('BAD_TAG', offset, 'bad chunk tag')
    }
    const type = view.getUint16(at + 4, true)
    if (offset === 0 && type !== ChunkType.File) {
      throw new TraceDamage('BAD_MAGIC', 0, `the first chunk has type ${type}, not FILE`)
    }
    const length = view.getUint32(at + 8, true)
    if (length > MAX_PAYLOAD_BYTES) throw new TraceDamage('BAD_LENGTH', offset, `impossible length ${length}`)
    const total = CHUNK_HEADER_BYTES + alignUp(length, 8)
    if (!(await this.fill(total))) {
      throw new TraceDamage('TRUNCATED', offset, `${this.end - this.start} of ${total} bytes`)
    }
    // fill() may have moved the bytes.
    const header = this.bytes.subarray(this.start, this.start + CHUNK_HEADER_BYTES)
    const payloadStart = this.start + CHUNK_HEADER_BYTES
    const payload = this.bytes.subarray(payloadStart, payloadStart + length)
    if (chunkCrc(header, payload) !== this.view.getUint32(this.start + 12, true)) {
      throw new TraceDamage('BAD_CRC', offset, 'CRC mismatch')
    }
    this.start += total
    this.offset += total
    return { offset, type, bytes: this.bytes, view: this.view, start: payloadStart, length }
  }

  /** Makes `n` unconsumed bytes available; false when the file ends first. */
  private async fill(n: number): Promise<boolean> {
    if (this.end - this.start >= n) return true
    if (this.bytes.length - this.start < n) await this.makeRoom(n)
    while (this.end - this.start < n) {
      const { bytesRead } = await this.handle.read(
        this.bytes, this.end, this.bytes.length - this.end, this.offset + (this.end - this.start),
      )
      if (bytesRead === 0) return false
      this.end += bytesRead
    }
    return true
  }

  private async makeRoom(n: number): Promise<void> {
    const pending = this.end - this.start
    if (n > this.bytes.length) {
      // A damaged length could ask for gigabytes: only grow for bytes the file really has.
      const { size } = await this.handle.stat()
      if (this.offset + n > size) {
        throw new TraceDamage('TRUNCATED', this.offset, `${size - this.offset} of ${n} bytes`)
      }
      const grown = Buffer.allocUnsafeSlow(Math.max(n, Math.min(this.bytes.length * 2, MAX_CHUNK_BYTES)))
      this.bytes.copy(grown, 0, this.start, this.end)
      this.bytes = grown
      this.view = new DataView(grown.buffer)
    } else {
      this.bytes.copy(this.bytes, 0, this.start, this.end)
    }
    this.start = 0
    this.end = pending
  }
}
