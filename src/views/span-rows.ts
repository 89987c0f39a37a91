// Which spans a view shows, in display order. A trace can hold a million spans; a view shows
// the longest root trees (in start order), down to a depth, up to a number of rows, and says
// what it left out.

import type { TraceAnalysis } from '../analysis/analyze-spans.js'
import type { SpanNode } from '../analysis/span-node.js'

export interface SpanRowOptions {
  /** Root trees shown: the longest ones (default 10). */
  roots?: number
  /** Deepest level shown, roots being 0 (default: all). */
  depth?: number
  /** Most rows in all (default 1000). */
  rows?: number
}

export interface SpanRow {
  readonly span: SpanNode
  /** The root whose tree this row belongs to: bars are scaled to it. */
  readonly root: SpanNode
  /** For each ancestor level, whether that ancestor has siblings below (tree guides). */
  readonly guides: readonly boolean[]
  readonly last: boolean
  /** Children not shown (below the depth limit). */
  readonly hiddenChildren: number
}

export interface SpanRowSelection {
  readonly rows: readonly SpanRow[]
  readonly rootsShown: number
  readonly spansLeftOut: number
}

export function selectSpanRows(analysis: TraceAnalysis, options: SpanRowOptions = {}): SpanRowSelection {
  const rootLimit = options.roots ?? 10
  const depthLimit = options.depth ?? Infinity
  const rowLimit = options.rows ?? 1000
  const roots = analysis.roots.slice().sort((a, b) => b.durationNs - a.durationNs).slice(0, rootLimit)
    .sort((a, b) => a.startNs - b.startNs)
  const rows: SpanRow[] = []
  let rootsShown = 0
  for (const root of roots) {
    if (rows.length >= rowLimit) break
    rootsShown++
    // Iterative pre-order walk: children pushed in reverse so they pop in start order.
    const stack: SpanRow[] = [row(root, root, [], true, depthLimit)]
    while (stack.length > 0 && rows.length < rowLimit) {
      const current = stack.pop()!
      rows.push(current)
      const span = current.span
      if (span.depth >= depthLimit) continue
      const guides = span === root ? [] : [...current.guides, !current.last]
      for (let i = span.children.length - 1; i >= 0; i--) {
        stack.push(row(span.children[i], root, guides, i === span.children.length - 1, depthLimit))
      }
    }
  }
  return { rows, rootsShown, spansLeftOut: analysis.spans.length - rows.length }
}

function row(span: SpanNode, root: SpanNode, guides: readonly boolean[], last: boolean, depthLimit: number): SpanRow {
  return { span, root, guides, last, hiddenChildren: span.depth >= depthLimit ? span.children.length : 0 }
}
