// Rate limits of log lines: a token bucket per line shape (a call site, near enough: a level and
// its fields), refilled at `perSecond` up to `burst`, on the tracer's coarse clock (a typed-array
// load, no syscall). A line the bucket holds back is not written; it is counted, and the count
// goes into the trace in-band as a `ringtrace.rateLimited` record (its `eventId` the held-back
// shape's event, `dropped` how many) before the next line of that shape that passes, or at close.

import type { Tracer } from '../tracer.js'
import { compileFunction } from '../compile-function.js'
import { describeValue, TracerError } from '../errors.js'
import { coarseNow, registerEvent, writerOf } from '../internal-symbols.js'
import { checkKnownKeys } from '../option-keys.js'
import { validateEvent } from '../schema/validate.js'

/** A rate limit as given: lines (or events) per second, and the burst it allows (default perSecond). */
export interface RateLimit {
  perSecond: number
  burst?: number
}

export interface CheckedRateLimit {
  readonly perSecond: number
  readonly burst: number
}

const invalid = (key: string, expected: string, value: unknown): TracerError =>
  new TracerError('INVALID_OPTION', `ringtrace: ${key} must be ${expected}, got ${describeValue(value)}`)

/** `value` checked as a rate limit; errors name `key`. */
export function checkRateLimit(value: unknown, key: string): CheckedRateLimit {
  if (typeof value !== 'object' || value === null) throw invalid(key, 'an object { perSecond, burst? }', value)
  checkKnownKeys(value as Record<string, unknown>, ['perSecond', 'burst'], `${key}.`)
  const { perSecond, burst } = value as Record<string, unknown>
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) throw invalid(`${key}.perSecond`, 'a positive number', perSecond)
  if (burst === undefined) return { perSecond, burst: Math.max(1, perSecond) }
  if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) throw invalid(`${key}.burst`, 'a number of at least 1', burst)
  return { perSecond, burst }
}

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

const limiters: ((...args: unknown[]) => unknown)[] = []

/**
 * `write` (a trace function of `arity` arguments, event `eventId`) behind a rate limit: a call
 * the bucket holds back is counted in-band as a line's is. Generated per arity (from the number
 * alone) so that no call builds an argument array.
 */
export function rateLimitedWriter(tracer: Tracer, eventId: number, write: (...args: unknown[]) => void, arity: number, limit: CheckedRateLimit): (...args: unknown[]) => void {
  let make = limiters[arity]
  if (make === undefined) {
    const params = Array.from({ length: arity }, (_, i) => `a${i}`).join(', ')
    // Generated from a number only.
    make = compileFunction(['limit', 'now', 'write'], `'use strict'; return function trace(${params}) { if (limit.take(now())) write(${params}); };`)
    limiters[arity] = make
  }
  const limiter = new LineRateLimit(tracer, eventId, limit.perSecond, limit.burst, tracer[coarseNow]())
  return make(limiter, () => tracer[coarseNow](), write) as (...args: unknown[]) => void
}

/** Writes the counts not yet reported (the tracer is closing). */
export function reportHeld(tracer: Tracer): void {
  const reporter = reporters.get(tracer)
  if (reporter === undefined) return
  for (const entry of reporter.pending) reporter.write(entry.eventId, entry.bucket.held)
  for (const entry of reporter.pending) entry.bucket.held = 0
  reporter.pending.clear()
}
