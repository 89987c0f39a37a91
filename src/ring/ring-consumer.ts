// The consuming side of a ring, in TypeScript: the TS backend's counterpart of
// native/ring/ring_consumer.h, producing the same chunks. It runs on the producer's own thread
// (a timer, flush and close), so the producer never runs while it copies.

import { ChunkType, LOSS_REASON_OVERWRITTEN, MAX_EVENTS_PAYLOAD } from '../format/file-layout.js'
import { encodeChunk } from '../format/chunk.js'
import { COARSE_CLOCK_OFFSET, CURSOR_OFFSET, DATA_OFFSET, INVALID_OFFSET, LAST_TIME_OFFSET, READ_POS_OFFSET,
  RING_FULL_OFFSET, SEQ_STATE_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../format/ring-layout.js'
import { LOST_ID, LOST_INVALID_OFFSET, LOST_PAIRS_OFFSET, LOST_RING_FULL_OFFSET, PADDING_ID, recordWord0 } from '../format/record-layout.js'
import type { NativeRingStats } from '../../binding.js'
import { createRingViews, type RingViews } from './ring-views.js'

export type ChunkWriter = (chunk: Uint8Array) => void

export class RingConsumer {
  readonly stats: NativeRingStats = { delivered: 0, lostRingFull: 0, lostInvalid: 0, lostOverwritten: 0, bytes: 0 }
  private readonly views: RingViews
  private readonly mask: number
  /** Full (unwrapped) read position and next expected sequence number. */
  private read = 0
  private seqNext = 0

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
    const { u32, i32, u8, f64 } = this.views
    f64[COARSE_CLOCK_OFFSET >> 3] = performance.now()
    const end32 = toCursor ? u32[CURSOR_OFFSET >> 2]! : Atomics.load(i32, WRITE_POS_OFFSET >> 2) >>> 0
    let start = this.read
    const available = (end32 - start) >>> 0
    if (this.overwrite) {
      const skip = (Atomics.load(i32, TAIL_POS_OFFSET >> 2) - start) >>> 0
      if (skip <= available) start += skip
    }
    const length = (end32 - start) >>> 0
    if (length > 0) this.deliver(u8, start, length)
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
      const record = new Uint8Array(LOST_PAIRS_OFFSET)
      const view = new DataView(record.buffer)
      view.setUint32(0, recordWord0(LOST_PAIRS_OFFSET, LOST_ID), true)
      view.setFloat64(8, f64[LAST_TIME_OFFSET >> 3]!, true)
      view.setFloat64(LOST_RING_FULL_OFFSET, ringFull, true)
      view.setFloat64(LOST_INVALID_OFFSET, invalid, true)
      this.stats.lostRingFull += ringFull
      this.stats.lostInvalid += invalid
      chunks.push(this.eventsChunk(record, 0, record.length))
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

  private deliver(u8: Uint8Array, start: number, length: number): void {
    const first = Math.min(length, this.capacity - (start & this.mask))
    const bytes = new Uint8Array(length)
    bytes.set(u8.subarray(DATA_OFFSET + (start & this.mask), DATA_OFFSET + (start & this.mask) + first))
    if (first < length) bytes.set(u8.subarray(DATA_OFFSET, DATA_OFFSET + length - first), first)
    const view = new DataView(bytes.buffer)
    let chunkStart = 0
    for (let at = 0; at < length;) {
      const word0 = view.getUint32(at, true)
      const size = (word0 & 0xffff) << 3
      const id = word0 >>> 16
      if (id === LOST_ID) {
        this.stats.lostRingFull += view.getFloat64(at + LOST_RING_FULL_OFFSET, true)
        this.stats.lostInvalid += view.getFloat64(at + LOST_INVALID_OFFSET, true)
      } else if (id !== PADDING_ID) {
        const gap = (view.getUint32(at + 4, true) - this.seqNext) >>> 0
        if (gap !== 0) {
          this.emitEvents(bytes, chunkStart, at)
          chunkStart = at
          this.emitLoss(gap)
        }
        this.seqNext += gap + 1
        this.stats.delivered++
        this.stats.bytes += size
      }
      at += size
      if (at - chunkStart >= MAX_EVENTS_PAYLOAD) {
        this.emitEvents(bytes, chunkStart, at)
        chunkStart = at
      }
    }
    this.emitEvents(bytes, chunkStart, length)
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

  private emitEvents(bytes: Uint8Array, from: number, to: number): void {
    if (to <= from || this.write === null) return
    this.write(this.eventsChunk(bytes, from, to))
  }

  private eventsChunk(bytes: Uint8Array, from: number, to: number): Uint8Array {
    const payload = new Uint8Array(8 + to - from)
    new DataView(payload.buffer).setUint32(0, this.stream, true)
    payload.set(bytes.subarray(from, to), 8)
    return encodeChunk(ChunkType.Events, payload)
  }
}
