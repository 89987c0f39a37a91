// Reads a trace file chunk by chunk through one growing buffer, checking each chunk's framing
// (chunk-framing.ts) before handing it on. A chunk's bytes stay valid only until the next call
// to `next()`: decoders copy what they keep.

import { open, type FileHandle } from 'node:fs/promises'
import { CHUNK_HEADER_BYTES } from '../format/file-layout.js'
import { chunkSize, frameAt, MAX_CHUNK_BYTES, truncatedChunk, type RawChunk } from './chunk-framing.js'

export type { RawChunk } from './chunk-framing.js'

/** Where the file ends inside a chunk: `have` of the `need` bytes it takes (16 while its header is short). */
export interface PartialChunk {
  readonly have: number
  readonly need: number
}

export const DEFAULT_READ_BYTES = 1 << 20

export class ChunkSource {
  private bytes: Buffer
  private view: DataView
  /** Unconsumed bytes are `bytes[start, end)`; `bytes[start]` is at file offset `offset`. */
  private start = 0
  private end = 0
  private offset = 0

  /** Reads through `handle`, which it closes on close(). */
  constructor(private readonly handle: FileHandle, readBytes = DEFAULT_READ_BYTES) {
    // Not from Node's shared pool: the buffer starts its own ArrayBuffer, so 8-aligned file
    // offsets stay 8-aligned in memory.
    this.bytes = Buffer.allocUnsafeSlow(readBytes)
    this.view = new DataView(this.bytes.buffer)
  }

  static async open(path: string, readBytes = DEFAULT_READ_BYTES): Promise<ChunkSource> {
    return new ChunkSource(await open(path, 'r'), readBytes)
  }

  /** File offset of the next chunk: the end of the last whole chunk handed out. */
  get nextOffset(): number {
    return this.offset
  }

  close(): Promise<void> {
    return this.handle.close()
  }

  /** The next chunk, or undefined at a clean end of file (after a whole chunk). */
  async next(): Promise<RawChunk | undefined> {
    const chunk = await this.nextOrPartial()
    if (!isPartial(chunk)) return chunk
    if (chunk.have === 0) return undefined
    throw truncatedChunk(this.offset, chunk.have, chunk.need)
  }

  /** The next chunk, or what the file holds of it when it ends first (`have` 0 at a clean end). */
  async nextOrPartial(): Promise<RawChunk | PartialChunk> {
    const header = await this.fill(CHUNK_HEADER_BYTES)
    if (header < CHUNK_HEADER_BYTES) return { have: header, need: CHUNK_HEADER_BYTES }
    const total = chunkSize(this.view, this.start, this.offset)
    const have = await this.fill(total)
    if (have < total) return { have, need: total }
    // fill() may have moved the bytes, so the chunk is framed only now.
    const chunk = frameAt(this.bytes, this.view, this.start, this.end, this.offset)!
    this.start += total
    this.offset += total
    return chunk
  }

  /**
   * Forgets the bytes read past the last whole chunk, so that the next call reads them from the
   * file again: a writer may cut a torn chunk off and write it anew.
   */
  dropPartial(): void {
    this.end = this.start
  }

  /** Bytes of the current chunk available: `n` or more, or fewer when the file ends first. */
  private async fill(n: number): Promise<number> {
    if (this.end - this.start >= n) return this.end - this.start
    if (this.bytes.length - this.start < n) {
      const short = await this.makeRoom(n)
      if (short !== undefined) return short
    }
    while (this.end - this.start < n) {
      const { bytesRead } = await this.handle.read(
        this.bytes, this.end, this.bytes.length - this.end, this.offset + (this.end - this.start),
      )
      if (bytesRead === 0) break
      this.end += bytesRead
    }
    return this.end - this.start
  }

  /** Makes room for `n` bytes; or, when the file is too short to need them, says what it holds. */
  private async makeRoom(n: number): Promise<number | undefined> {
    const pending = this.end - this.start
    if (n > this.bytes.length) {
      // A damaged length could ask for gigabytes: only grow for bytes the file really has.
      const { size } = await this.handle.stat()
      if (this.offset + n > size) return size - this.offset
      const grown = Buffer.allocUnsafeSlow(Math.max(n, Math.min(this.bytes.length * 2, MAX_CHUNK_BYTES)))
      this.bytes.copy(grown, 0, this.start, this.end)
      this.bytes = grown
      this.view = new DataView(grown.buffer)
    } else {
      this.bytes.copy(this.bytes, 0, this.start, this.end)
    }
    this.start = 0
    this.end = pending
    return undefined
  }
}

/** What nextOrPartial() found is not a whole chunk. */
export function isPartial(chunk: RawChunk | PartialChunk): chunk is PartialChunk {
  return 'need' in chunk
}
