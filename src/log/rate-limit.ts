// Rate limits of log lines: a token bucket per line shape (a call site, near enough: a level and
// its fields), refilled at `perSecond` up to `burst`, on the tracer's coarse clock (a typed-array
// load, no syscall). A line the bucket holds back is not written; it is counted, and the count
// goes into the trace in-band as a `ringtrace.rateLimited` record (its `eventId` the held-back
// shape's event, `dropped` how many) before the next line of that shape that passes, or at close.

import type { Tracer } from '../tracer.js'
import { registerEvent, writerOf } from '../internal-symbols.js'
import { validateEvent } from '../schema/validate.js'

class TokenBucket {
  private tokens: number
  private last: number
  /** Lines held back since the last report. */
  held = 0

  constructor(private readonly perMs: number, private readonly burst: number, now: number) {
    this.tokens = burst
    this.last = now
  }

  /** Whether a line may be written at `now` (ms); if not, it is counted in `held`. */
  take(now: number): boolean {
    const tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs)
    this.last = now
    if (tokens < 1) {
      this.tokens = tokens
      this.held++
      return false
    }
    this.tokens = tokens - 1
    return true
  }
}

type ReportWriter = (eventId: number, dropped: number) => void

/** Per tracer: the writer of its rateLimited records, and the buckets with counts not yet written. */
const reporters = new WeakMap<Tracer, { write: ReportWriter; pending: Set<{ bucket: TokenBucket; eventId: number }> }>()

function reporterOf(tracer: Tracer) {
  let reporter = reporters.get(tracer)
  if (reporter === undefined) {
    // A name no tracer.event() can take (not an identifier), so it never collides with the app's.
    const valid = validateEvent('ringtrace.rateLimited', [['eventId', 'u16'], ['dropped', 'f64']], { level: 3 }, 'text')
    const write = tracer[writerOf](tracer[registerEvent](valid)) as ReportWriter
    const pending = new Set<{ bucket: TokenBucket; eventId: number }>()
    reporter = { write, pending }
    reporters.set(tracer, reporter)
  }
  return reporter
}

/** A line shape's limiter: take() before writing, which reports what it held back first. */
export class LineRateLimit {
  private readonly bucket: TokenBucket
  private readonly entry: { bucket: TokenBucket; eventId: number }

  constructor(private readonly tracer: Tracer, eventId: number, perSecond: number, burst: number, now: number) {
    this.bucket = new TokenBucket(perSecond / 1000, burst, now)
    this.entry = { bucket: this.bucket, eventId }
  }

  take(now: number): boolean {
    const { bucket } = this
    const held = bucket.held
    if (!bucket.take(now)) {
      if (held === 0) reporterOf(this.tracer).pending.add(this.entry)
      return false
    }
    if (held > 0) {
      const reporter = reporterOf(this.tracer)
      reporter.write(this.entry.eventId, held)
      reporter.pending.delete(this.entry)
      bucket.held = 0
    }
    return true
  }
}

/** Writes the counts not yet reported (the tracer is closing). */
export function reportHeld(tracer: Tracer): void {
  const reporter = reporters.get(tracer)
  if (reporter === undefined) return
  for (const entry of reporter.pending) reporter.write(entry.eventId, entry.bucket.held)
  for (const entry of reporter.pending) entry.bucket.held = 0
  reporter.pending.clear()
}
