// The producing side of a ring: the slow path the generated writers call when their fast check
// fails, publication of the write position, and drop accounting (docs/FORMAT.md sections 1-2).
//
// Design: the producing JS thread owns cursor, limit, seq, the drop counters and tailPos; the
// consumer owns readPos and coarseClock. The producer keeps its state in the control block with
// plain stores (it is the only writer), so whoever drains the ring after this thread stopped can
// read it. Only writePos and tailPos are published to the consumer.

import { MAX_EVENTS, CURSOR_OFFSET, DATA_OFFSET, INVALID_OFFSET, LAST_TIME_OFFSET, LIMIT_OFFSET,
  PENDING_FULL_OFFSET, PENDING_INVALID_OFFSET, PUBLISH_EVERY, READ_POS_OFFSET, RING_FULL_OFFSET,
  RNG_STATE_OFFSET, SINCE_PUBLISH_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../format/ring-layout.js'
import { LOST_ID, LOST_INVALID_OFFSET, LOST_MAX_PAIRS, LOST_PAIRS_COUNT_OFFSET, LOST_PAIRS_OFFSET,
  LOST_RING_FULL_OFFSET, MAX_RECORD_BYTES, PADDING_ID, recordWord0 } from '../format/record-layout.js'
import { createRingViews, type RingViews } from './ring-views.js'

const CURSOR = CURSOR_OFFSET >> 2
const LIMIT = LIMIT_OFFSET >> 2
const SINCE = SINCE_PUBLISH_OFFSET >> 2
const TAIL = TAIL_POS_OFFSET >> 2
const RNG = RNG_STATE_OFFSET >> 2
const RING_FULL = RING_FULL_OFFSET >> 3
const INVALID = INVALID_OFFSET >> 3
const PENDING_FULL = PENDING_FULL_OFFSET >> 3
const PENDING_INVALID = PENDING_INVALID_OFFSET >> 3
const LAST_TIME = LAST_TIME_OFFSET >> 3

export class RingProducer {
  readonly views: RingViews
  readonly capacity: number
  readonly mask: number
  readonly overwrite: boolean
  /** Records above this size are dropped as invalid: min(64 KiB, capacity / 2). */
  readonly maxRecordBytes: number
  /** True while a microtask that publishes writePos is queued (one per burst of records). */
  scheduled = false
  readonly publishTask = (): void => {
    this.scheduled = false
    this.publish()
  }

  /** The consumer's readPos as last loaded; refreshed only when the ring looks full. */
  private readCache = 0
  private readonly pendingById = new Uint32Array(MAX_EVENTS)
  private readonly pendingIds: number[] = []

  constructor(buffer: ArrayBuffer, capacity: number, overwrite: boolean) {
    this.views = createRingViews(buffer)
    this.capacity = capacity
    this.mask = capacity - 1
    this.overwrite = overwrite
    this.maxRecordBytes = Math.min(MAX_RECORD_BYTES, capacity / 2)
    const { u32 } = this.views
    // limit == cursor: the first write takes the slow path, which computes the real limit.
    u32[LIMIT] = u32[CURSOR]!
    u32[RNG] = (Math.random() * 0xfffffffe + 1) >>> 0
  }

  /** Makes every record written so far visible to the consumer. */
  publish(): void {
    const { u32, i32 } = this.views
    // Release: Atomics.store is sequentially consistent, so every record byte stored before it
    // is visible to the consumer once its acquire load of writePos sees this value.
    Atomics.store(i32, WRITE_POS_OFFSET >> 2, u32[CURSOR]! | 0)
    u32[SINCE] = 0
  }

  /** Called by writers after each record: publish every PUBLISH_EVERY records or at turn end. */
  afterRecord(): void {
    const u32 = this.views.u32
    const n = u32[SINCE]! + 1
    if (n >= PUBLISH_EVERY) {
      this.publish()
      return
    }
    u32[SINCE] = n
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.publishTask)
    }
  }

  /** Sampling decision for a gate value (0 < gate < 2^32): xorshift32, a few ns, no allocation. */
  sample(gate: number): boolean {
    const u32 = this.views.u32
    let x = u32[RNG]!
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    u32[RNG] = x
    return x >>> 0 < gate
  }

  /**
   * The slow path: room for a record of `size` bytes at the cursor, after any padding record and
   * any pending LOST record. Returns the position to write at, or -1 when the event was dropped
   * (and counted).
   */
  reserve(size: number, eventId: number): number {
    if (size > this.maxRecordBytes) {
      this.dropInvalid(eventId)
      return -1
    }
    if (!this.writePendingLost()) {
      this.dropFull(eventId)
      return -1
    }
    const at = this.makeRoom(size)
    if (at < 0) this.dropFull(eventId)
    return at
  }

  /** Writes the LOST record for drops not yet reported, if any. False when it does not fit. */
  writePendingLost(): boolean {
    const { u32, f64 } = this.views
    const full = f64[PENDING_FULL]!
    const invalid = f64[PENDING_INVALID]!
    if (full + invalid === 0) return true
    const pairs = Math.min(this.pendingIds.length, LOST_MAX_PAIRS)
    const size = LOST_PAIRS_OFFSET + 8 * pairs
    const at = this.makeRoom(size)
    if (at < 0) return false
    const o = DATA_OFFSET + (at & this.mask)
    u32[o >> 2] = recordWord0(size, LOST_ID)
    u32[(o >> 2) + 1] = 0
    f64[(o >> 3) + 1] = f64[LAST_TIME]!
    f64[(o + LOST_RING_FULL_OFFSET) >> 3] = full
    f64[(o + LOST_INVALID_OFFSET) >> 3] = invalid
    u32[(o + LOST_PAIRS_COUNT_OFFSET) >> 2] = pairs
    u32[(o + LOST_PAIRS_COUNT_OFFSET + 4) >> 2] = 0
    for (let i = 0; i < pairs; i++) {
      const id = this.pendingIds[i]!
      u32[(o + LOST_PAIRS_OFFSET + 8 * i) >> 2] = id
      u32[(o + LOST_PAIRS_OFFSET + 8 * i + 4) >> 2] = this.pendingById[id]!
    }
    for (const id of this.pendingIds) this.pendingById[id] = 0
    this.pendingIds.length = 0
    f64[PENDING_FULL] = 0
    f64[PENDING_INVALID] = 0
    u32[CURSOR] = at + size
    return true
  }

  dropFull(eventId: number): void {
    const f64 = this.views.f64
    f64[RING_FULL] = f64[RING_FULL]! + 1
    f64[PENDING_FULL] = f64[PENDING_FULL]! + 1
    this.notePending(eventId)
  }

  dropInvalid(eventId: number): void {
    const f64 = this.views.f64
    f64[INVALID] = f64[INVALID]! + 1
    f64[PENDING_INVALID] = f64[PENDING_INVALID]! + 1
    this.notePending(eventId)
  }

  private notePending(eventId: number): void {
    if (this.pendingById[eventId]!++ === 0) this.pendingIds.push(eventId)
    // limit == cursor sends the next write through the slow path, which reports the loss first.
    const u32 = this.views.u32
    u32[LIMIT] = u32[CURSOR]!
  }

  /**
   * Room for `size` contiguous bytes at the cursor: pads the tail of the data area when the
   * record would straddle its end, and (overwrite mode) gives up the oldest records. Returns the
   * position, or -1 in discard mode when the consumer has not freed enough.
   */
  private makeRoom(size: number): number {
    const { u32, i32 } = this.views
    const cap = this.capacity
    let p = u32[CURSOR]!
    const toEnd = cap - (p & this.mask)
    const need = size <= toEnd ? size : toEnd + size
    if (this.overwrite) {
      this.advanceTail(p, need)
    } else if (((p - this.readCache) >>> 0) + need > cap) {
      // Acquire: pairs with the consumer's release store of readPos after it copied the bytes,
      // so the space it frees is no longer being read.
      this.readCache = Atomics.load(i32, READ_POS_OFFSET >> 2) >>> 0
      if (((p - this.readCache) >>> 0) + need > cap) return -1
    }
    if (size > toEnd) {
      const o = DATA_OFFSET + (p & this.mask)
      u32[o >> 2] = recordWord0(toEnd, PADDING_ID)
      u32[(o >> 2) + 1] = 0
      p = (p + toEnd) >>> 0
      u32[CURSOR] = p
    }
    const base = this.overwrite ? u32[TAIL]! : this.readCache
    const room = Math.min(cap - (p & this.mask), cap - ((p - base) >>> 0))
    u32[LIMIT] = p + room
    return p
  }

  /** Overwrite mode: moves tailPos past whole records until `need` bytes fit, plus cap/16. */
  private advanceTail(p: number, need: number): void {
    const { u32, i32 } = this.views
    const cap = this.capacity
    let tail = u32[TAIL]!
    if (((p - tail) >>> 0) + need <= cap) return
    const goal = cap - (cap >>> 4)
    while (tail !== p && ((p - tail) >>> 0) + need > goal) {
      const size = (u32[(DATA_OFFSET + (tail & this.mask)) >> 2]! & 0xffff) << 3
      tail = (tail + size) >>> 0
    }
    // Release: published before any byte below the new tail is overwritten, so a consumer that
    // loads tailPos (acquire) after copying knows which of its bytes may have changed. A release
    // store alone does not keep the *later* plain stores behind it on ARM64; the Atomics.load
    // right after it does (a load-acquire is not reordered with a preceding store-release, and
    // later stores cannot pass it). x64 keeps store order anyway.
    Atomics.store(i32, TAIL, tail | 0)
    Atomics.load(i32, TAIL)
  }
}
