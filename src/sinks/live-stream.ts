// The TS backend's live stream (binding.d.ts, openLiveStream): a bounded queue of the chunks the
// consumers of the rings attached to it make, taken on this thread. EVENTS and LOSS chunks count
// against the byte budget and are dropped whole when they do not fit; FILE, STREAM, SCHEMA and
// END chunks are always queued (a decoder cannot do without them, and there are few: one FILE,
// per ring one STREAM, at most 4095 SCHEMA and one END). Chunks are copied in, since consumers
// reuse their chunk buffer.

import type { NativeLiveStreamStats } from '../../binding.js'
import { alignUp } from '../format/layout.js'

interface Queued {
  bytes: Uint8Array
  /** EVENTS or LOSS: counts against the budget. */
  budgeted: boolean
}

export class LiveStream {
  private readonly queue: Queued[] = []
  /** Queued EVENTS and LOSS bytes. */
  private budgeted = 0
  private readonly counters: NativeLiveStreamStats = { queuedBytes: 0, takenBytes: 0, droppedChunks: 0, droppedBytes: 0, droppedEvents: 0 }
  private closed = false

  /** `fileChunk` (a complete FILE chunk) is queued first. */
  constructor(fileChunk: Uint8Array, private readonly budgetBytes: number) {
    this.pushKept(fileChunk)
  }

  /**
   * Queues a copy of an EVENTS or LOSS chunk if it fits the budget; false when it was dropped
   * (counted, with the `events` records it held). True once closed: nothing was dropped.
   */
  pushCounted(chunk: Uint8Array, events: number): boolean {
    if (this.closed) return true
    const size = alignUp(chunk.length, 8)
    if (size > this.budgetBytes - this.budgeted) {
      this.counters.droppedChunks++
      this.counters.droppedBytes += size
      this.counters.droppedEvents += events
      return false
    }
    this.budgeted += size
    this.enqueue(chunk, size, true)
    return true
  }

  /** Queues a copy of a chunk a decoder cannot do without, padded to 8 as the file sink pads it. */
  pushKept(chunk: Uint8Array): void {
    if (!this.closed) this.enqueue(chunk, alignUp(chunk.length, 8), false)
  }

  /**
   * Whole chunks, oldest first, back to back in a fresh buffer of at most `maxBytes` (the first
   * chunk however large); null when nothing is queued.
   */
  take(maxBytes: number): Uint8Array | null {
    if (this.queue.length === 0) return null
    let count = 0
    let total = 0
    for (const { bytes } of this.queue) {
      if (count > 0 && total + bytes.length > maxBytes) break
      count++
      total += bytes.length
      if (total >= maxBytes) break
    }
    const out = new Uint8Array(total)
    let at = 0
    for (const { bytes, budgeted } of this.queue.splice(0, count)) {
      out.set(bytes, at)
      at += bytes.length
      if (budgeted) this.budgeted -= bytes.length
    }
    this.counters.queuedBytes -= total
    this.counters.takenBytes += total
    return out
  }

  stats(): NativeLiveStreamStats {
    return { ...this.counters }
  }

  /** Frees what is queued; later pushes do nothing. */
  close(): void {
    this.closed = true
    this.queue.length = 0
    this.budgeted = 0
    this.counters.queuedBytes = 0
  }

  private enqueue(chunk: Uint8Array, size: number, budgeted: boolean): void {
    const bytes = new Uint8Array(size)
    bytes.set(chunk)
    this.queue.push({ bytes, budgeted })
    this.counters.queuedBytes += size
  }
}
