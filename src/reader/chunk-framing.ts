// The framing check of one chunk (docs/FORMAT.md section 3), on bytes already in memory: the
// file reader and the reader of in-memory chunk streams both frame chunks through this, so both
// refuse the same bytes with the same error at the same offset.

import { chunkCrc } from '../format/chunk.js'
import { CHUNK_HEADER_BYTES, CHUNK_TAG, ChunkType } from '../format/file-layout.js'
import { alignUp } from '../format/layout.js'
import { TraceDamage } from './trace-file-error.js'

export interface RawChunk {
  /** File offset of the chunk header. */
  readonly offset: number
  readonly type: number
  /**
   * The buffer holding the chunk; the payload is `bytes[start, start + length)`, 8-aligned in
   * memory like the records in it.
   */
  readonly bytes: Buffer
  /** Over the same bytes as `bytes`, index for index. */
  readonly view: DataView
  readonly start: number
  readonly length: number
}

/**
 * Larger than any chunk a writer produces (an EVENTS chunk holds at most one ring, 1 GiB), and
 * small enough that `alignUp`'s 32-bit arithmetic cannot overflow.
 */
const MAX_PAYLOAD_BYTES = 0x7fff_0000
export const MAX_CHUNK_BYTES = CHUNK_HEADER_BYTES + MAX_PAYLOAD_BYTES

/**
 * Bytes of the chunk whose 16-byte header is at `view[at]` (header, payload and padding), once
 * its tag, its length and, at file offset 0, its FILE type are checked.
 */
export function chunkSize(view: DataView, at: number, fileOffset: number): number {
  if (view.getUint32(at, true) !== CHUNK_TAG) {
    if (fileOffset === 0) throw new TraceDamage('BAD_MAGIC', 0, 'no chunk tag at the start of the file')
    throw new TraceDamage('BAD_TAG', fileOffset, 'bad chunk tag')
  }
  const type = view.getUint16(at + 4, true)
  if (fileOffset === 0 && type !== ChunkType.File) {
    throw new TraceDamage('BAD_MAGIC', 0, `the first chunk has type ${type}, not FILE`)
  }
  const length = view.getUint32(at + 8, true)
  if (length > MAX_PAYLOAD_BYTES) throw new TraceDamage('BAD_LENGTH', fileOffset, `impossible length ${length}`)
  return CHUNK_HEADER_BYTES + alignUp(length, 8)
}

/**
 * The chunk at `bytes[at]`, which is at `fileOffset` in the file, when all of it lies before
 * `end`, its CRC checked; undefined when it does not (yet). Throws TraceDamage for bytes that
 * cannot be a chunk.
 */
export function frameAt(bytes: Buffer, view: DataView, at: number, end: number, fileOffset: number): RawChunk | undefined {
  if (end - at < CHUNK_HEADER_BYTES) return undefined
  if (end - at < chunkSize(view, at, fileOffset)) return undefined
  const start = at + CHUNK_HEADER_BYTES
  const length = view.getUint32(at + 8, true)
  if (chunkCrc(bytes.subarray(at, start), bytes.subarray(start, start + length)) !== view.getUint32(at + 12, true)) {
    throw new TraceDamage('BAD_CRC', fileOffset, 'CRC mismatch')
  }
  return { offset: fileOffset, type: view.getUint16(at + 4, true), bytes, view, start, length }
}

/** The damage of an input that ends `have` bytes into a chunk of `need` (16 while its header is short). */
export function truncatedChunk(fileOffset: number, have: number, need: number): TraceDamage {
  return new TraceDamage('TRUNCATED', fileOffset,
    need === CHUNK_HEADER_BYTES ? `${have} bytes of a 16-byte chunk header` : `${have} of ${need} bytes`)
}
