// Chunks framed back to back in memory, as the live stream hands them to the export worker: the
// bytes of a trace file, cut at chunk boundaries. Each buffer holds whole chunks; its file
// offsets continue where the previous buffer's ended.

import { CHUNK_HEADER_BYTES } from '../format/file-layout.js'
import { alignUp } from '../format/layout.js'
import { chunkSize, frameAt, truncatedChunk, type RawChunk } from './chunk-framing.js'

/**
 * The chunks of `bytes`, the first at file offset `firstOffset`, framing and CRC checked as a
 * file's are. Throws TraceDamage (ChunkDecoder#fileError makes it a TraceFileError) at bytes
 * that are not a chunk, TRUNCATED at a chunk that `bytes` ends inside. The chunks share the
 * memory of `bytes` unless it is not 8-aligned: then they share one aligned copy.
 */
export function* chunksIn(bytes: Uint8Array, firstOffset: number): Generator<RawChunk, void, undefined> {
  const buffer = aligned(bytes)
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  let at = 0
  while (at < buffer.length) {
    const chunk = frameAt(buffer, view, at, buffer.length, firstOffset + at)
    if (chunk === undefined) {
      const have = buffer.length - at
      const need = have < CHUNK_HEADER_BYTES ? CHUNK_HEADER_BYTES : chunkSize(view, at, firstOffset + at)
      throw truncatedChunk(firstOffset + at, have, need)
    }
    yield chunk
    at = chunk.start + alignUp(chunk.length, 8)
  }
}

/**
 * `bytes` as a Buffer whose chunks start 8-aligned in memory, as RawChunk promises. The decoders
 * of today read through DataView and copy array values out, so only a buffer carved from Node's
 * pool at an odd offset pays the copy that keeps the promise.
 */
function aligned(bytes: Uint8Array): Buffer {
  if (bytes.byteOffset % 8 === 0) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const copy = Buffer.allocUnsafeSlow(bytes.length)
  copy.set(bytes)
  return copy
}
