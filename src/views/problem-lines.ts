// One sentence per kind of span problem found, for the terminal and the HTML report.

import type { TraceAnalysis } from '../analysis/analyze-spans.js'

const SENTENCES: readonly [keyof TraceAnalysis['problems'], string][] = [
  ['unterminated', 'spans without a Stop (shown ending at the end of the trace)'],
  ['orphanStops', 'Stops without a Start (left out)'],
  ['duplicateStops', 'second Stops of a span (left out)'],
  ['duplicateStarts', 'Starts reusing an activity id (left out)'],
  ['stopBeforeStart', 'spans whose Stop precedes their Start (duration taken as 0)'],
  ['outsideParent', 'spans starting before or ending after their parent'],
  ['missingParent', 'spans whose parent is not in the trace (shown as roots)'],
  ['parentCycles', 'cycles of parent ids (cut; shown as roots)'],
]

export function problemLines(analysis: TraceAnalysis): string[] {
  const lines: string[] = []
  for (const [key, sentence] of SENTENCES) {
    const count = analysis.problems[key].length
    if (count > 0) lines.push(`${count} ${sentence}`)
  }
  if (analysis.lostEvents > 0) lines.push(`${analysis.lostEvents} events lost by the tracer: some of the above may come from them`)
  return lines
}
