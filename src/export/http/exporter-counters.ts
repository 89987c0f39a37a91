// What one exporter did with the items handed to it: handedOver = exported + failed + dropped +
// pending, exactly, at every moment, on the writing thread and (unless the writer stalls inside an
// update, see STUCK_WRITER_MS) on any thread reading the shared slots.
//
// Design: one writer (the export worker's thread) and any number of readers (the tracer's thread
// reading stats without a message). Every update writes two slots (an outcome and pending), so a
// reader could see one without the other; the slots are therefore a seqlock: the writer makes the
// sequence (slot 0) odd, writes, makes it even again; a reader keeps a read only if the sequence was even
// and unchanged around it. Every access goes through Atomics (each Float64 slot as two Int32
// halves) because plain accesses are unordered against the sequence on weakly ordered CPUs.
//
// The writer keeps its own copy of the counts and publishes them. Between hold() and release()
// it publishes nothing, then everything in one update: the export worker holds its counters
// while it routes a decoded batch, so a thousand spans handed over cost one update, not a
// thousand (each update is a dozen atomic operations; they were 4% of the worker's time).

import { TracerError } from '../../errors.js'

/** Float64 slots, so the worker can keep them in a SharedArrayBuffer the tracer's thread reads without a message. */
export const EXPORTER_COUNTER_SLOTS = 7

const SEQUENCE = 0
const HANDED_OVER = 1
const EXPORTED = 2
const FAILED = 3
const DROPPED = 4
const RETRIED = 5
const PENDING = 6

/**
 * A reader that finds the writer inside the same update for this long takes its read as it is
 * (at most one update out of balance): the writer's thread was terminated mid-update (or is
 * starved of CPU), and a stats call must not spin on it for ever. While the sequence moves, the
 * writer is alive and the reader keeps trying.
 */
export const STUCK_WRITER_MS = 100

export interface ExporterError {
  /** The HTTP status, when the receiver answered. */
  status?: number
  message: string
  /** ms since epoch */
  at: number
}

export interface ExporterStats {
  handedOver: number
  exported: number
  failed: number
  dropped: number
  retried: number
  pending: number
  lastError: ExporterError | null
}

const scratch = new Float64Array(1)
const scratchHalves = new Int32Array(scratch.buffer)

function wordsOf(slots: Float64Array): Int32Array {
  if (slots.length < EXPORTER_COUNTER_SLOTS) {
    throw new TracerError('INVALID_OPTION', `ringtrace: exporter counters need ${EXPORTER_COUNTER_SLOTS} Float64 slots, got ${slots.length}`)
  }
  return new Int32Array(slots.buffer, slots.byteOffset, EXPORTER_COUNTER_SLOTS * 2)
}

function load(words: Int32Array, slot: number): number {
  scratchHalves[0] = Atomics.load(words, slot * 2)
  scratchHalves[1] = Atomics.load(words, slot * 2 + 1)
  return scratch[0]!
}

function store(words: Int32Array, slot: number, value: number): void {
  scratch[0] = value
  Atomics.store(words, slot * 2, scratchHalves[0]!)
  Atomics.store(words, slot * 2 + 1, scratchHalves[1]!)
}

export class ExporterCounters {
  private readonly words: Int32Array
  /** The counts as this (the writing) thread knows them; the slots get them at publish(). */
  private readonly counts = new Float64Array(EXPORTER_COUNTER_SLOTS)
  /** hold() calls not yet released. */
  private holds = 0
  private unpublished = false
  private error: ExporterError | null = null

  /** Counts into `slots` (at least EXPORTER_COUNTER_SLOTS, zeroed), or into its own when none are given. */
  constructor(slots: Float64Array = new Float64Array(EXPORTER_COUNTER_SLOTS)) {
    this.words = wordsOf(slots)
  }

  /** Publishes nothing until the matching release(): readers see the counts as they were. */
  hold(): void {
    this.holds++
  }

  /** Ends a hold(); the last one publishes every change made during the holds, at once. */
  release(): void {
    if (--this.holds === 0 && this.unpublished) this.publish()
  }

  /** The batcher took `items`: handedOver += items, pending += items. */
  handOver(items: number): void {
    this.change(HANDED_OVER, items, items)
  }

  /** The receiver accepted `items`. */
  exported(items: number): void {
    this.change(EXPORTED, items, -items)
  }

  /** The receiver refused `items` for good (or they were retried past the limit). */
  failed(items: number, error: ExporterError): void {
    this.error = error
    this.change(FAILED, items, -items)
  }

  /** `items` were never delivered: the budget was full, the exporter closed, or they were still unsent at the close deadline. */
  dropped(items: number, error?: ExporterError): void {
    if (error !== undefined) this.error = error
    this.change(DROPPED, items, -items)
  }

  /** One retry attempt was scheduled after `error`, which lastError shows while the endpoint is failing. */
  retried(error?: ExporterError): void {
    if (error !== undefined) this.error = error
    this.change(RETRIED, 1, 0)
  }

  /** The latest failure or drop with a reason; null until there is one. */
  get lastError(): ExporterError | null {
    return this.error
  }

  /** All counters, consistent with each other, as this thread knows them (held changes included). */
  snapshot(): ExporterStats {
    const { counts } = this
    return {
      handedOver: counts[HANDED_OVER]!,
      exported: counts[EXPORTED]!,
      failed: counts[FAILED]!,
      dropped: counts[DROPPED]!,
      retried: counts[RETRIED]!,
      pending: counts[PENDING]!,
      lastError: this.error,
    }
  }

  /** All counters from `slots` another thread writes, consistent with each other (see the design note). */
  static read(slots: Float64Array, lastError: ExporterError | null): ExporterStats {
    const words = wordsOf(slots)
    let stuckSince = -1
    for (;;) {
      const before = Atomics.load(words, SEQUENCE)
      const stats = {
        handedOver: load(words, HANDED_OVER),
        exported: load(words, EXPORTED),
        failed: load(words, FAILED),
        dropped: load(words, DROPPED),
        retried: load(words, RETRIED),
        pending: load(words, PENDING),
        lastError,
      }
      const after = Atomics.load(words, SEQUENCE)
      if (after !== before) stuckSince = -1
      else if ((before & 1) === 0) return stats
      else if (stuckSince < 0) stuckSince = performance.now()
      else if (performance.now() - stuckSince > STUCK_WRITER_MS) return stats
    }
  }

  private change(slot: number, delta: number, pendingDelta: number): void {
    this.counts[slot]! += delta
    this.counts[PENDING]! += pendingDelta
    if (this.holds > 0) this.unpublished = true
    else this.publish()
  }

  /**
   * Seqlock write: the sequence goes odd, every count is stored, it goes even. Atomics.add is
   * sequentially consistent, ordering the stores after the first and before the second add;
   * paired with read()'s loads of the sequence around its loads of the counts.
   */
  private publish(): void {
    const { words, counts } = this
    Atomics.add(words, SEQUENCE, 1)
    for (let slot = 1; slot < EXPORTER_COUNTER_SLOTS; slot++) store(words, slot, counts[slot]!)
    Atomics.add(words, SEQUENCE, 1)
    this.unpublished = false
  }
}
