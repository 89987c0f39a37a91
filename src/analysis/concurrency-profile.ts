// How many spans are open over time: a sweep over sorted starts and ends. At equal times ends go
// first, so a span starting as another ends does not overlap it; spans of zero duration are
// never open for any length of time and are left out.

import { AnalysisError } from './analysis-error.js'
import type { SpanNode } from './span-node.js'

export interface ConcurrencyBucket {
  /** From the analysis origin. */
  readonly startNs: number
  /** Most spans open at once within the bucket. */
  readonly maxOpen: number
  /** Spans open on average over the bucket (time-weighted). */
  readonly meanOpen: number
}

export interface ConcurrencyProfile {
  readonly maxOpen: number
  /** When `maxOpen` was first reached. */
  readonly maxAtNs: number
  readonly bucketNs: number
  /** From 0 to the end of the trace. */
  readonly buckets: readonly ConcurrencyBucket[]
  /** Index k: nanoseconds during which exactly k spans were open. */
  readonly histogram: readonly number[]
}

export const DEFAULT_BUCKETS = 100
/** A bound on the series' size for a bucket chosen too small. */
export const MAX_BUCKETS = 1_000_000

/** `endNs`: the end of the trace; `bucketNs` defaults to a hundredth of it. */
export function concurrencyProfile(spans: readonly SpanNode[], endNs: number, bucketNs?: number): ConcurrencyProfile {
  const width = bucketNs ?? Math.max(1, Math.ceil(endNs / DEFAULT_BUCKETS))
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new AnalysisError('INVALID_OPTION', `bucketNs must be a positive number of nanoseconds, got ${bucketNs}`)
  }
  const count = Math.max(1, Math.ceil(endNs / width))
  if (count > MAX_BUCKETS) {
    throw new AnalysisError('INVALID_OPTION', `bucketNs ${width} makes ${count} buckets over ${endNs} ns; at most ${MAX_BUCKETS}`)
  }
  const sweep = new ConcurrencySweep(width, count)
  sweep.run(spans, endNs)
  const buckets: ConcurrencyBucket[] = new Array(count)
  for (let b = 0; b < count; b++) {
    const length = Math.min(width, endNs - b * width)
    buckets[b] = { startNs: b * width, maxOpen: sweep.bucketMax[b], meanOpen: length > 0 ? sweep.bucketArea[b] / length : 0 }
  }
  return { maxOpen: sweep.maxOpen, maxAtNs: sweep.maxAtNs, bucketNs: width, buckets, histogram: sweep.histogram }
}

class ConcurrencySweep {
  readonly bucketMax: Int32Array
  readonly bucketArea: Float64Array
  readonly histogram: number[] = [0]
  maxOpen = 0
  maxAtNs = 0
  private open = 0
  private at = 0

  constructor(private readonly width: number, count: number) {
    this.bucketMax = new Int32Array(count)
    this.bucketArea = new Float64Array(count)
  }

  run(spans: readonly SpanNode[], endNs: number): void {
    let n = 0
    for (const span of spans) if (span.endNs > span.startNs) n++
    const starts = new Float64Array(n)
    const ends = new Float64Array(n)
    n = 0
    for (const span of spans) {
      if (span.endNs <= span.startNs) continue
      starts[n] = span.startNs
      ends[n++] = span.endNs
    }
    starts.sort()
    ends.sort()
    let i = 0
    let j = 0
    while (j < n) {
      if (i < n && starts[i] < ends[j]) {
        this.advance(starts[i++])
        this.open++
        if (this.open > this.maxOpen) {
          this.maxOpen = this.open
          this.maxAtNs = this.at
        }
        const b = Math.min(this.bucketMax.length - 1, Math.floor(this.at / this.width))
        if (this.open > this.bucketMax[b]) this.bucketMax[b] = this.open
      } else {
        this.advance(ends[j++])
        this.open--
      }
    }
    this.advance(endNs)
  }

  /** Accounts the current level from `at` to `to`. */
  private advance(to: number): void {
    const from = this.at
    if (to <= from) return
    this.at = to
    const open = this.open
    while (this.histogram.length <= open) this.histogram.push(0)
    this.histogram[open] += to - from
    if (open === 0) return
    const last = this.bucketMax.length - 1
    for (let b = Math.min(last, Math.floor(from / this.width)); b <= last; b++) {
      const lo = Math.max(from, b * this.width)
      const hi = b === last ? to : Math.min(to, (b + 1) * this.width)
      if (hi <= lo) break
      this.bucketArea[b] += (hi - lo) * open
      if (open > this.bucketMax[b]) this.bucketMax[b] = open
    }
  }
}
