// Operations that hold the time: ranked by self time (time spent in the span itself, not in its
// children), kept when their share of all self time reaches a threshold.

import { AnalysisError } from './analysis-error.js'
import type { CriticalPath } from './critical-path.js'
import type { OperationStats } from './operation-stats.js'

export interface Bottleneck {
  readonly name: string
  readonly count: number
  readonly selfNs: number
  /** selfNs over the self time of every operation. */
  readonly fraction: number
  /** Of this operation's time, how much lies on critical paths. */
  readonly criticalNs: number
}

export const DEFAULT_BOTTLENECK_THRESHOLD = 0.05

export function bottlenecks(operations: readonly OperationStats[], paths: readonly CriticalPath[],
  threshold = DEFAULT_BOTTLENECK_THRESHOLD): Bottleneck[] {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new AnalysisError('INVALID_OPTION', `bottleneckThreshold must be a fraction from 0 to 1, got ${threshold}`)
  }
  let allSelf = 0
  for (const op of operations) allSelf += op.selfNs
  const critical = new Map<string, number>()
  for (const path of paths) {
    for (const segment of path.segments) {
      const name = segment.span.name
      critical.set(name, (critical.get(name) ?? 0) + segment.endNs - segment.startNs)
    }
  }
  const out: Bottleneck[] = []
  for (const op of operations) {
    const fraction = allSelf === 0 ? 0 : op.selfNs / allSelf
    if (fraction < threshold || op.selfNs === 0) continue
    out.push({ name: op.name, count: op.count, selfNs: op.selfNs, fraction, criticalNs: critical.get(op.name) ?? 0 })
  }
  return out.sort((a, b) => b.selfNs - a.selfNs)
}
