// The critical path of a span tree: the chain of work that decides when the root ends. Walking
// back from the root's end, the path enters the child that ends last (its end clipped to the
// time still to explain), explains that child the same way, then resumes before the child's
// start; time no child covers is the span's own. The segments tile the root's duration, so
// their sum per span is that span's share of the latency.

import type { SpanNode } from './span-node.js'

/** A stretch of the critical path spent in `span` itself (in none of its children on the path). */
export interface CriticalSegment {
  readonly span: SpanNode
  readonly startNs: number
  readonly endNs: number
}

export interface CriticalPath {
  readonly root: SpanNode
  /** In time order, end to end from the root's start to its end. */
  readonly segments: readonly CriticalSegment[]
}

function byEndDescending(a: SpanNode, b: SpanNode): number {
  return b.endNs - a.endNs || b.startNs - a.startNs
}

/** A span being explained: `lower`..`cursor` is what remains, `order` its children by end. */
class PathFrame {
  next = 0
  readonly order: readonly SpanNode[]

  constructor(readonly span: SpanNode, readonly lower: number, public cursor: number) {
    this.order = span.children.length < 2 ? span.children : span.children.slice().sort(byEndDescending)
  }
}

/** Marks the path's spans `onCriticalPath`. Iterative: trees can be deeper than the JS stack. */
export function criticalPath(root: SpanNode): CriticalPath {
  const reversed: CriticalSegment[] = []
  const stack = [new PathFrame(root, root.startNs, root.endNs)]
  root.onCriticalPath = true
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    const span = frame.span
    let child: SpanNode | undefined
    let start = 0
    let end = 0
    while (frame.next < frame.order.length) {
      const candidate = frame.order[frame.next++]
      start = Math.max(candidate.startNs, frame.lower)
      end = Math.min(candidate.endNs, frame.cursor)
      if (end > start) {
        child = candidate
        break
      }
    }
    if (child === undefined) {
      if (frame.lower < frame.cursor) reversed.push({ span, startNs: frame.lower, endNs: frame.cursor })
      stack.pop()
      continue
    }
    if (end < frame.cursor) reversed.push({ span, startNs: end, endNs: frame.cursor })
    frame.cursor = start
    child.onCriticalPath = true
    stack.push(new PathFrame(child, start, end))
  }
  return { root, segments: reversed.reverse() }
}

export function criticalPaths(roots: readonly SpanNode[]): CriticalPath[] {
  return roots.map(criticalPath)
}
