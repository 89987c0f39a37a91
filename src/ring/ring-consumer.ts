// The consuming side of a ring, in TypeScript: the TS backend's counterpart of
// native/ring/ring_consumer.h and the collector's accounting, producing the same chunks. It runs
// on the producer's own thread (a timer, flush and close), so the producer never runs while it
// copies.
//
// Each chunk is built once and handed to the ring's file sink and its live stream, if it has
// them. A chunk the file could not write moves its events from delivered to lostUnwritten; the
// loss is written to the file alone (LOSS reason unwritten, a LOST record for the LOST sums it
// carried) before its next chunk once it takes chunks again: the live stream had the chunk. An
// EVENTS or LOSS chunk the live stream drops (its budget full) is counted in liveDropped and
// liveDroppedLost; the file still gets it. A ring the producer corrupted (a header whose size is
// 0, too big, or runs past writePos or the data area; a writePos more than the capacity ahead)
// never makes it loop: it resynchronises at writePos, counts the bytes (corruptBytes) and the
// events the next good record's seq gap reveals (lostCorrupt).

import { CHUNK_HEADER_BYTES, ChunkType, LOSS_REASON_OVERWRITTEN, LOSS_REASON_UNWRITTEN, MAX_EVENTS_PAYLOAD } from '../format/file-layout.js'
import { encodeChunk, frameChunk } from '../format/chunk.js'
import { alignUp } from '../format/layout.js'
import { COARSE_CLOCK_OFFSET, CURSOR_OFFSET, DATA_OFFSET, INVALID_OFFSET, LAST_TIME_OFFSET, READ_POS_OFFSET,
  RING_FULL_OFFSET, SEQ_STATE_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../format/ring-layout.js'
import { HEADER_BYTES, LOST_ID, LOST_INVALID_OFFSET, LOST_PAIRS_OFFSET, LOST_RING_FULL_OFFSET, MAX_RECORD_BYTES, PADDING_ID,
  RECORD_TIMESTAMP_OFFSET, recordWord0 } from '../format/record-layout.js'
import type { NativeRingStats } from '../../binding.js'
import type { LiveStream } from '../sinks/live-stream.js'
import { createRingViews, type RingViews } from './ring-views.js'

/** Where the consumer writes its ring's chunks to a file (FileSink). */
export interface ChunkFile {
  /** Writes one whole chunk; false when it could not (the consumer counts it lost). */
  write(chunk: Uint8Array): boolean
  /** A chunk the file cannot do without: written now, or kept and written before the next one. */
  writeKept(chunk: Uint8Array): void
}

/** Loss the file has not shown yet: its chunks could not be written. */
interface Unreported {
  overwritten: number
  unwritten: number
  ringFull: number
  invalid: number
}

export function emptyRingStats(): NativeRingStats {
  return { delivered: 0, lostRingFull: 0, lostInvalid: 0, lostOverwritten: 0, lostUnwritten: 0, lostCorrupt: 0, corruptBytes: 0, bytes: 0, etwDropped: 0, etwWriteErrors: 0, liveDropped: 0, liveDroppedLost: 0 }
}

export class RingConsumer {
  readonly stats: NativeRingStats = emptyRingStats()
  private readonly unreported: Unreported = { overwritten: 0, unwritten: 0, ringFull: 0, invalid: 0 }
  /** A resynchronisation left events unaccounted that no later record revealed yet. */
  private corruptGapPending = false
  private readonly views: RingViews
  private readonly mask: number
  /** Full (unwrapped) read position and next expected sequence number. */
  private read = 0
  private seqNext = 0
  /** Reused for every EVENTS chunk, so a drain allocates nothing. */
  private scratch = new Uint8Array(0)
  /** From attachLive() until close(). */
  private live: LiveStream | null = null

  constructor(
    buffer: ArrayBuffer,
    private readonly capacity: number,
    private readonly overwrite: boolean,
    private readonly stream: number,
    private readonly file: ChunkFile | null,
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
    // More than the capacity to read means the producer's cursor went wrong (a writePos that
    // moved backwards reads as ~4 GiB ahead): take writePos as it stands.
    if (length > this.capacity) {
      this.resync(start, end32)
    } else {
      if (length > 0) this.deliver(start, length)
      this.read = start + length
    }
    // Release: the bytes up to here have been copied; pairs with the producer's acquire load.
    Atomics.store(i32, READ_POS_OFFSET >> 2, this.read | 0)
  }

  /**
   * Starts the consumer at `position` (a record boundary) instead of the ring's beginning:
   * `ringtrace recover` reads a ring file from its oldest intact record (src/recorder). Events
   * before it show as a seq gap at the first record, as overwritten ones do.
   */
  startAt(position: number): void {
    this.read = position
  }

  /** Whether attachLive() was called (a ring gets one live stream, even if that one closed). */
  get hasLive(): boolean {
    return this.live !== null
  }

  /** Adds the live stream (before the ring's first SCHEMA chunk) and queues `streamChunk`. */
  attachLive(live: LiveStream, streamChunk: Uint8Array): void {
    this.live = live
    live.pushKept(streamChunk)
  }

  /** A chunk the file and the live stream cannot do without (SCHEMA): to both. */
  writeKept(chunk: Uint8Array): void {
    this.file?.writeKept(chunk)
    this.live?.pushKept(chunk)
  }

  /**
   * Closes the stream once its producer has stopped: drains to its cursor, then (after the loss
   * of its last events and what the file has not shown yet) a LOST record for drops no delivered
   * LOST record reported (after the last one, or overwritten), so in-band sums match END, then
   * END with the producer's totals. The live stream gets no more chunks afterwards.
   */
  close(): void {
    this.drain(true)
    const { f64 } = this.views
    // Events the producer wrote after the last record that survived: overwritten, or skipped
    // with corrupt bytes.
    const missing = this.producerSeq() - this.seqNext
    if (missing > 0) {
      this.seqNext += missing
      this.emitLoss(missing, this.corruptGapPending)
    }
    this.writeUnreported()
    // What lost chunks carried is reported by writeUnreported(), not here.
    const ringFull = f64[RING_FULL_OFFSET >> 3]! - this.stats.lostRingFull - this.unreported.ringFull
    const invalid = f64[INVALID_OFFSET >> 3]! - this.stats.lostInvalid - this.unreported.invalid
    if (ringFull > 0 || invalid > 0) {
      this.stats.lostRingFull += ringFull
      this.stats.lostInvalid += invalid
      const lost = this.lostChunk(ringFull, invalid)
      this.queueLive(lost, 0, ringFull + invalid)
      this.file?.writeKept(lost)
    }
    this.writeKept(this.endChunk())
    this.live = null
  }

  /** An EVENTS chunk of one LOST record without (id, count) pairs, for loss the consumer reports. */
  private lostChunk(ringFull: number, invalid: number): Uint8Array {
    const payload = new Uint8Array(8 + LOST_PAIRS_OFFSET)
    const view = new DataView(payload.buffer)
    view.setUint32(0, this.stream, true)
    view.setUint32(8, recordWord0(LOST_PAIRS_OFFSET, LOST_ID), true)
    view.setFloat64(8 + RECORD_TIMESTAMP_OFFSET, this.views.f64[LAST_TIME_OFFSET >> 3]!, true)
    view.setFloat64(8 + LOST_RING_FULL_OFFSET, ringFull, true)
    view.setFloat64(8 + LOST_INVALID_OFFSET, invalid, true)
    return encodeChunk(ChunkType.Events, payload)
  }

  /** The producer's seq count (64-bit extended), once it has stopped. */
  private producerSeq(): number {
    return this.seqNext + ((this.views.u32[SEQ_STATE_OFFSET >> 2]! - this.seqNext) >>> 0)
  }

  private resync(from: number, writePos32: number): void {
    const to = from + ((writePos32 - from) | 0)
    this.stats.corruptBytes += Math.abs(to - from)
    this.corruptGapPending = true
    this.read = to
  }

  /** The END chunk: the producer's totals, once it has stopped and the ring is drained. */
  private endChunk(): Uint8Array {
    const { f64 } = this.views
    const seq = this.producerSeq()
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
    const pending = { events: 0, ringFull: 0, invalid: 0 }
    for (let at = start; at < end;) {
      const offset = at & this.mask
      const o = DATA_OFFSET + offset
      const word0 = u32[o >> 2]!
      const size = (word0 & 0xffff) << 3
      const id = word0 >>> 16
      const minSize = id === PADDING_ID ? 8 : id === LOST_ID ? LOST_PAIRS_OFFSET : HEADER_BYTES
      if (size < minSize || size > MAX_RECORD_BYTES || offset + size > this.capacity || at + size > end) {
        // A producer bug: nothing after a bad header can be framed, so skip to `end`. The events
        // in it show up as a seq gap at the next good record.
        this.emitEvents(chunkFrom, at, pending)
        this.stats.corruptBytes += end - at
        this.corruptGapPending = true
        return
      }
      if (id === LOST_ID) {
        pending.ringFull += f64[(o + LOST_RING_FULL_OFFSET) >> 3]!
        pending.invalid += f64[(o + LOST_INVALID_OFFSET) >> 3]!
      } else if (id !== PADDING_ID) {
        const gap = (u32[(o >> 2) + 1]! - this.seqNext) >>> 0
        if (gap !== 0) {
          this.emitEvents(chunkFrom, at, pending)
          chunkFrom = at
          this.emitLoss(gap, this.corruptGapPending)
        }
        this.corruptGapPending = false
        this.seqNext += gap + 1
        pending.events++
        this.stats.bytes += size
      }
      at += size
      if (at - chunkFrom >= MAX_EVENTS_PAYLOAD) {
        this.emitEvents(chunkFrom, at, pending)
        chunkFrom = at
      }
    }
    this.emitEvents(chunkFrom, end, pending)
  }

  /** Counts a seq gap: overwritten events, or events skipped with corrupt bytes. */
  private emitLoss(count: number, corrupt: boolean): void {
    if (corrupt) this.stats.lostCorrupt += count
    else this.stats.lostOverwritten += count
    if (this.file === null && this.live === null) return
    if (!this.emit(this.lossChunk(corrupt ? LOSS_REASON_UNWRITTEN : LOSS_REASON_OVERWRITTEN, count), 0, count)) {
      if (corrupt) this.unreported.unwritten += count
      else this.unreported.overwritten += count
    }
  }

  /**
   * Hands an EVENTS or LOSS chunk to the live stream and (after the loss it has not shown yet)
   * the file. `events` and `lost` (LOST sums, LOSS count) are what it carries. False when the
   * file could not take it: the caller counts what it carried as the file's loss.
   */
  private emit(chunk: Uint8Array, events: number, lost: number): boolean {
    this.queueLive(chunk, events, lost)
    return this.file === null || (this.writeUnreported() && this.file.write(chunk))
  }

  private queueLive(chunk: Uint8Array, events: number, lost: number): void {
    if (this.live !== null && !this.live.pushCounted(chunk, events)) {
      this.stats.liveDropped += events
      this.stats.liveDroppedLost += lost
    }
  }

  /** Writes the loss the file has not shown yet; false when the file could not take all of it. */
  private writeUnreported(): boolean {
    const loss = this.unreported
    const file = this.file
    if (file === null) return true
    if (loss.overwritten !== 0) {
      if (!file.write(this.lossChunk(LOSS_REASON_OVERWRITTEN, loss.overwritten))) return false
      loss.overwritten = 0
    }
    if (loss.unwritten !== 0) {
      if (!file.write(this.lossChunk(LOSS_REASON_UNWRITTEN, loss.unwritten))) return false
      loss.unwritten = 0
    }
    if (loss.ringFull !== 0 || loss.invalid !== 0) {
      if (!file.write(this.lostChunk(loss.ringFull, loss.invalid))) return false
      this.stats.lostRingFull += loss.ringFull
      this.stats.lostInvalid += loss.invalid
      loss.ringFull = loss.invalid = 0
    }
    return true
  }

  private lossChunk(reason: number, count: number): Uint8Array {
    const payload = new Uint8Array(16)
    const view = new DataView(payload.buffer)
    view.setUint32(0, this.stream, true)
    view.setUint32(4, reason, true)
    view.setFloat64(8, count, true)
    return encodeChunk(ChunkType.Loss, payload)
  }

  /**
   * Copies the ring bytes of positions [from, to) into the reused chunk buffer and emits it;
   * `carried` (the events and LOST sums of those records) counts as delivered, or as lost when
   * the file could not write the chunk. Resets `carried`.
   */
  private emitEvents(from: number, to: number, carried: { events: number; ringFull: number; invalid: number }): void {
    if (to <= from) return
    const { events, ringFull, invalid } = carried
    carried.events = carried.ringFull = carried.invalid = 0
    if (this.file === null && this.live === null) {
      this.stats.delivered += events
      return
    }
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
    if (this.emit(chunk.subarray(0, frameChunk(chunk, ChunkType.Events, 8 + length)), events, ringFull + invalid)) {
      this.stats.delivered += events
      this.stats.lostRingFull += ringFull
      this.stats.lostInvalid += invalid
      return
    }
    this.stats.lostUnwritten += events
    this.unreported.unwritten += events
    this.unreported.ringFull += ringFull
    this.unreported.invalid += invalid
  }
}
