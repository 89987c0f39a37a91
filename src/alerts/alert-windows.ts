// The sliding windows alert rules are evaluated over, in event time (ms since the epoch), each of
// bounded memory whatever the event rate.
//
// CountWindow keeps the times of the last moreThan + 1 matches: the condition holds when the
// oldest of them is within withinMs of the newest. It then starts over, so the next hold needs
// moreThan + 1 new matches.
//
// PercentileWindow keeps a histogram per tenth of the window (10 slots; the window slides a
// slot at a time, so it spans 9 to 10 tenths of withinMs) with logarithmic buckets 2% wide: a
// percentile is reported as its bucket's upper edge, at most 2% above the true value. Values of
// 0 or less share one bucket, reported as 0.

const SLOTS = 10
const GAMMA = 1.02
const LN_GAMMA = Math.log(GAMMA)
/** The bucket of values ≤ 0. */
const NON_POSITIVE = -Infinity

export class CountWindow {
  private readonly times: Float64Array
  private next = 0
  private filled = 0

  constructor(moreThan: number, private readonly withinMs: number) {
    this.times = new Float64Array(moreThan + 1)
  }

  /** A match at `timeMs`; true when it makes more than moreThan within the window. */
  add(timeMs: number): boolean {
    const { times } = this
    times[this.next] = timeMs
    this.next = this.next + 1 === times.length ? 0 : this.next + 1
    if (this.filled < times.length) this.filled++
    // Full: the slot written next holds the oldest of the last moreThan + 1.
    if (this.filled < times.length || timeMs - times[this.next]! > this.withinMs) return false
    this.filled = 0
    return true
  }

  /** The matches a hold counts. */
  get size(): number {
    return this.times.length
  }
}

export class PercentileWindow {
  private readonly slotMs: number
  /** Bucket → count, per slot (slot of absolute index i at i % SLOTS). */
  private readonly slots: Map<number, number>[] = Array.from({ length: SLOTS }, () => new Map<number, number>())
  /** Absolute index of the newest slot. */
  private head = -Infinity

  constructor(withinMs: number) {
    this.slotMs = withinMs / SLOTS
  }

  add(timeMs: number, value: number): void {
    const at = Math.floor(timeMs / this.slotMs)
    this.advance(at)
    // Older than the window (another clock's event, or out of order): not counted.
    if (at <= this.head - SLOTS) return
    const bucket = value > 0 ? Math.ceil(Math.log(value) / LN_GAMMA) : NON_POSITIVE
    const slot = this.slots[((at % SLOTS) + SLOTS) % SLOTS]!
    slot.set(bucket, (slot.get(bucket) ?? 0) + 1)
  }

  /** The p-th percentile (0 < p ≤ 100) of the window ending at `timeMs`, with the samples it holds. */
  percentile(p: number, timeMs: number): { value: number; count: number } {
    this.advance(Math.floor(timeMs / this.slotMs))
    const merged = new Map<number, number>()
    let count = 0
    for (const slot of this.slots) {
      for (const [bucket, n] of slot) {
        merged.set(bucket, (merged.get(bucket) ?? 0) + n)
        count += n
      }
    }
    if (count === 0) return { value: 0, count: 0 }
    const rank = Math.max(1, Math.ceil((p / 100) * count))
    let seen = 0
    for (const bucket of [...merged.keys()].sort((a, b) => a - b)) {
      seen += merged.get(bucket)!
      if (seen >= rank) return { value: bucket === NON_POSITIVE ? 0 : GAMMA ** bucket, count }
    }
    return { value: 0, count }
  }

  /** Moves the newest slot to `at`, emptying the slots that leave the window. */
  private advance(at: number): void {
    if (at <= this.head) return
    const from = Math.max(this.head + 1, at - SLOTS + 1)
    for (let i = from; i <= at; i++) this.slots[((i % SLOTS) + SLOTS) % SLOTS]!.clear()
    this.head = at
  }
}
