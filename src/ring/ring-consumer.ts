// The consuming side of a ring, in TypeScript: the TS backend's counterpart of
// native/ring/ring_consumer.h, producing the same chunks. It runs on the producer's own thread
// (a timer, flush and close), so the producer never runs while it copies.

import { CHUNK_HEADER_BYTES, ChunkType, LOSS_REASON_OVERWRITTEN, MAX_EVENTS_PAYLOAD } from '../format/file-layout.js'
import { encodeChunk, frameChunk } from '../format/chunk.js'
import { alignUp } from '../format/layout.js'
import { COARSE_CLOCK_OFFSET, CURSOR_OFFSET, DATA_OFFSET, INVALID_OFFSET, LAST_TIME_OFFSET, READ_POS_OFFSET,
  RING_FULL_OFFSET, SEQ_STATE_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../format/ring-layout.js'
import { LOST_ID, LOST_INVALID_OFFSET, LOST_PAIRS_OFFSET, LOST_RING_FULL_OFFSET, PADDING_ID,
  RECORD_TIMESTAMP_OFFSET, recordWord0 } from '../format/record-layout.js'
import type { NativeRingStats } from '../../binding.js'
import { createRingViews, type RingViews } from './ring-views.js'

export type ChunkWriter = (chunk: Uint8Array) => void

export class RingConsumer {
  readonly stats: NativeRingStats = { delivered: 0, lostRingFull: 0, lostInvalid: 0, lostOverwritten: 0, bytes: 0, etwDropped: 0, etwWriteErrors: 0 }
  private readonly views: RingViews
  private readonly mask: number
  /** Full (unwrapped) read position and next expected sequence number. */
  private read = 0
  private seqNext = 0
  /** Reused for every EVENTS chunk, so a drain allocates nothing. */
  private scratch = new Uint8Array(0)

  constructor(
    buffer: ArrayBuffer,
    private readonly capacity: number,
    private readonly overwrite: boolean,
    private readonly stream: number,
    private readonly write: ChunkWriter | null,
  ) {
    this.views = createRingViews(buffer)
    this.mask = capacity - 1
  }

  /**
   * Takes every published record (or, once the producer has stopped, everything up to its
   * cursor) and hands it to the sink.
   */
  drain(toCursor = false): void {
    const { u32, i32, f64 } = this.views
    f64[COARSE_CLOCK_OFFSET >> 3] = performance.now()
    const end32 = toCursor ? u32[CURSOR_OFFSET >> 2]! : Atomics.load(i32, WRITE_POS_OFFSET >> 2) >>> 0
    let start = this.read
    const available = (end32 - start) >>> 0
    if (this.overwrite) {
      const skip = (Atomics.load(i32, TAIL_POS_OFFSET >> 2) - start) >>> 0
      if (skip <= available) start += skip
    }
    const length = (end32 - start) >>> 0
    if (length > 0) this.deliver(start, length)
    this.read = start + length
    // Release: the bytes up to here have been copied; pairs with the producer's acquire load.
    Atomics.store(i32, READ_POS_OFFSET >> 2, this.read | 0)
  }

  /**
   * The chunks that close a stream once its producer has stopped and the ring is drained: a LOST
   * record for drops no delivered LOST record reported (after the last one, or overwritten),
   * so in-band sums match END, then END with the producer's totals.
   */
  closingChunks(): Uint8Array[] {
    const { f64 } = this.views
    const ringFull = f64[RING_FULL_OFFSET >> 3]! - this.stats.lostRingFull
    const invalid = f64[INVALID_OFFSET >> 3]! - this.stats.lostInvalid
    const chunks: Uint8Array[] = []
    if (ringFull > 0 || invalid > 0) {
      // An EVENTS payload: (u32 stream, u32 0), then one LOST record without (id, count) pairs.
      const payload = new Uint8Array(8 + LOST_PAIRS_OFFSET)
      const view = new DataView(payload.buffer)
      view.setUint32(0, this.stream, true)
      view.setUint32(8, recordWord0(LOST_PAIRS_OFFSET, LOST_ID), true)
      view.setFloat64(8 + RECORD_TIMESTAMP_OFFSET, f64[LAST_TIME_OFFSET >> 3]!, true)
      view.setFloat64(8 + LOST_RING_FULL_OFFSET, ringFull, true)
      view.setFloat64(8 + LOST_INVALID_OFFSET, invalid, true)
      this.stats.lostRingFull += ringFull
      this.stats.lostInvalid += invalid
      chunks.push(encodeChunk(ChunkType.Events, payload))
    }
    chunks.push(this.endChunk())
    return chunks
  }

  /** The END chunk: the producer's totals, once it has stopped and the ring is drained. */
  private endChunk(): Uint8Array {
    const { u32, f64 } = this.views
    const seq = this.seqNext + ((u32[SEQ_STATE_OFFSET >> 2]! - this.seqNext) >>> 0)
    const payload = new Uint8Array(32)
    const view = new DataView(payload.buffer)
    view.setUint32(0, this.stream, true)
    view.setFloat64(8, seq + f64[RING_FULL_OFFSET >> 3]! + f64[INVALID_OFFSET >> 3]!, true)
    view.setFloat64(16, f64[RING_FULL_OFFSET >> 3]!, true)
    view.setFloat64(24, f64[INVALID_OFFSET >> 3]!, true)
    return encodeChunk(ChunkType.End, payload)
  }

  /**
   * Parses [start, start + length) in place (records never straddle the end of the data area)
   * and writes it out as EVENTS chunks, with a LOSS chunk where the sequence has a gap.
   */
  private deliver(start: number, length: number): void {
    const { u32, f64 } = this.views
    const end = start + length
    let chunkFrom = start
    for (let at = start; at < end;) {
      const o = DATA_OFFSET + (at & this.mask)
      const word0 = u32[o >> 2]!
      const size = (word0 & 0xffff) << 3
      const id = word0 >>> 16
      if (size === 0) break // cannot happen with this package's producer; never loop forever
      if (id === LOST_ID) {
        this.stats.lostRingFull += f64[(o + LOST_RING_FULL_OFFSET) >> 3]!
        this.stats.lostInvalid += f64[(o + LOST_INVALID_OFFSET) >> 3]!
      } else if (id !== PADDING_ID) {
        const gap = (u32[(o >> 2) + 1]! - this.seqNext) >>> 0
        if (gap !== 0) {
          this.emitEvents(chunkFrom, at)
          chunkFrom = at
          this.emitLoss(gap)
        }
        this.seqNext += gap + 1
        this.stats.delivered++
        this.stats.bytes += size
      }
      at += size
      if (at - chunkFrom >= MAX_EVENTS_PAYLOAD) {
        this.emitEvents(chunkFrom, at)
        chunkFrom = at
      }
    }
    this.emitEvents(chunkFrom, end)
  }

  private emitLoss(count: number): void {
    this.stats.lostOverwritten += count
    if (this.write === null) return
    const payload = new Uint8Array(16)
    const view = new DataView(payload.buffer)
    view.setUint32(0, this.stream, true)
    view.setUint32(4, LOSS_REASON_OVERWRITTEN, true)
    view.setFloat64(8, count, true)
    this.write(encodeChunk(ChunkType.Loss, payload))
  }

  /** Copies the ring bytes of positions [from, to) into the reused chunk buffer and writes it. */
  private emitEvents(from: number, to: number): void {
    if (to <= from || this.write === null) return
    const length = to - from
    const total = CHUNK_HEADER_BYTES + alignUp(8 + length, 8)
    if (this.scratch.length < total) this.scratch = new Uint8Array(Math.max(total, this.scratch.length * 2))
    const chunk = this.scratch
    const u8 = this.views.u8
    const offset = from & this.mask
    const first = Math.min(length, this.capacity - offset)
    const payload = CHUNK_HEADER_BYTES + 8
    new DataView(chunk.buffer).setUint32(CHUNK_HEADER_BYTES, this.stream, true)
    new DataView(chunk.buffer).setUint32(CHUNK_HEADER_BYTES + 4, 0, true)
    chunk.set(u8.subarray(DATA_OFFSET + offset, DATA_OFFSET + offset + first), payload)
    if (first < length) chunk.set(u8.subarray(DATA_OFFSET, DATA_OFFSET + length - first), payload + first)
    this.write(chunk.subarray(0, frameChunk(chunk, ChunkType.Events, 8 + length)))
  }
}

