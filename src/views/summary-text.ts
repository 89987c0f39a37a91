// The terminal view's tables: operations, bottlenecks, concurrency and what was wrong with the
// span records.

import type { TraceAnalysis } from '../analysis/analyze-spans.js'
import { textTable } from '../cli/text-table.js'
import { durationText, percentText } from './duration-text.js'
import { problemLines } from './problem-lines.js'

export function operationsText(analysis: TraceAnalysis): string {
  const rows = analysis.operations.map((op) => [
    op.name, op.count, durationText(op.totalNs), durationText(op.selfNs), durationText(op.meanNs),
    durationText(op.p50Ns), durationText(op.p95Ns), durationText(op.p99Ns), durationText(op.maxNs),
    op.errors, percentText(op.errorRate),
  ])
  return textTable(['operation', 'count', 'total', 'self', 'mean', 'p50', 'p95', 'p99', 'max', 'errors', 'error rate'], rows)
}

export function bottlenecksText(analysis: TraceAnalysis): string {
  if (analysis.bottlenecks.length === 0) return 'no operation holds a notable share of the self time\n'
  return textTable(['bottleneck', 'self time', 'share', 'on critical paths', 'count'],
    analysis.bottlenecks.map((b) => [b.name, durationText(b.selfNs), percentText(b.fraction), durationText(b.criticalNs), b.count]))
}

export function concurrencyText(analysis: TraceAnalysis): string {
  const c = analysis.concurrency
  return `at most ${c.maxOpen} spans open at once (first at +${durationText(c.maxAtNs)})\n`
}

export function summaryText(analysis: TraceAnalysis): string {
  const problems = problemLines(analysis)
  return [
    operationsText(analysis),
    bottlenecksText(analysis),
    concurrencyText(analysis),
    problems.length === 0 ? 'span records: no problems\n' : `span records:\n${problems.map((p) => `  ${p}`).join('\n')}\n`,
  ].join('\n')
}
