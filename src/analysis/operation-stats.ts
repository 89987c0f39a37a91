// Per-operation statistics (an operation is a span name). Percentiles are exact: every duration
// is kept and sorted, nearest-rank (the smallest duration with at least p% of the spans at or
// below it). Spans without a Stop have no duration: they are counted, not measured.

import { SpanStatus } from '../format/span-records.js'
import type { SpanNode } from './span-node.js'

export interface OperationStats {
  readonly name: string
  /** Every span of this name, stopped or not. */
  readonly count: number
  /** Spans without a Stop; left out of every figure below but `count`. */
  readonly unterminated: number
  /** Stopped spans with status 2 (error). */
  readonly errors: number
  /** errors / stopped spans; 0 when none stopped. */
  readonly errorRate: number
  /** Error count per `errorType`. */
  readonly errorTypes: Readonly<Record<string, number>>
  /** Sum of durations, ns. */
  readonly totalNs: number
  /** Sum of self times, ns. */
  readonly selfNs: number
  readonly meanNs: number
  readonly minNs: number
  readonly p50Ns: number
  readonly p95Ns: number
  readonly p99Ns: number
  readonly maxNs: number
}

class OperationAccumulator {
  readonly durations: number[] = []
  unterminated = 0
  errors = 0
  selfNs = 0
  errorTypes: Record<string, number> = {}

  constructor(readonly name: string) {}

  add(span: SpanNode): void {
    if (!span.terminated) {
      this.unterminated++
      return
    }
    this.durations.push(span.durationNs)
    this.selfNs += span.selfNs
    if (span.status === SpanStatus.Error) {
      this.errors++
      this.errorTypes[span.errorType] = (this.errorTypes[span.errorType] ?? 0) + 1
    }
  }

  result(): OperationStats {
    const sorted = Float64Array.from(this.durations).sort()
    const n = sorted.length
    let total = 0
    for (let i = 0; i < n; i++) total += sorted[i]
    return {
      name: this.name,
      count: n + this.unterminated,
      unterminated: this.unterminated,
      errors: this.errors,
      errorRate: n === 0 ? 0 : this.errors / n,
      errorTypes: this.errorTypes,
      totalNs: total,
      selfNs: this.selfNs,
      meanNs: n === 0 ? 0 : total / n,
      minNs: n === 0 ? 0 : sorted[0],
      p50Ns: nearestRank(sorted, 50),
      p95Ns: nearestRank(sorted, 95),
      p99Ns: nearestRank(sorted, 99),
      maxNs: n === 0 ? 0 : sorted[n - 1],
    }
  }
}

/**
 * The nearest-rank `percent` percentile of sorted values (0 for none). An integer percent keeps
 * percent * n exact, so the rank cannot be pushed past an exact boundary by rounding.
 */
export function nearestRank(sorted: Float64Array, percent: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.max(0, Math.ceil((percent * sorted.length) / 100) - 1)]
}

/** One entry per span name, by total time, largest first. */
export function operationStats(spans: readonly SpanNode[]): OperationStats[] {
  const byName = new Map<string, OperationAccumulator>()
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]
    let acc = byName.get(span.name)
    if (acc === undefined) {
      acc = new OperationAccumulator(span.name)
      byName.set(span.name, acc)
    }
    acc.add(span)
  }
  const out: OperationStats[] = []
  for (const acc of byName.values()) out.push(acc.result())
  return out.sort((a, b) => b.totalNs - a.totalNs || (a.name < b.name ? -1 : 1))
}
