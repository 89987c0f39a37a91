// Links spans to their parents, then walks each tree once (iteratively: a chain of spans can be
// deeper than the JS stack) to sort children, set depths, compute self time and check that
// children lie within their parent.

import { ZERO_ID } from './span-events.js'
import type { SpanProblems } from './span-forest.js'
import type { SpanIndex } from './span-index.js'
import type { SpanNode } from './span-node.js'

const UNVISITED = -1

export function byStart(a: SpanNode, b: SpanNode): number {
  return a.startNs - b.startNs || a.endNs - b.endNs
}

/** How far past a span its parent is looked for before the index is asked. */
const NEARBY = 16

/**
 * The position of `parentId` among the few spans completed right after the span at `at`, or -1.
 * Spans are held in the order they completed, and a parent usually completes shortly after its
 * children: a few string compares in cache beat the index's random access (a cache miss each,
 * ~0.3 s over a million spans).
 */
function nearby(spans: readonly SpanNode[], at: number, parentId: string): number {
  const end = Math.min(spans.length, at + 1 + NEARBY)
  for (let i = at + 1; i < end; i++) if (spans[i]!.id === parentId) return i
  return -1
}

/** Links the spans of `index` and returns the roots, sorted by start. */
export function linkSpans(index: SpanIndex, problems: SpanProblems): SpanNode[] {
  const spans = index.spans
  const count = spans.length
  const parentAt = new Int32Array(count)
  const childCount = new Int32Array(count)
  const roots: SpanNode[] = []
  for (let i = 0; i < count; i++) {
    const span = spans[i]!
    span.depth = UNVISITED
    let parent = -1
    if (span.parentId !== ZERO_ID && span.parentId !== '') {
      parent = nearby(spans, i, span.parentId)
      if (parent === -1) parent = index.positionOf(span.parentId)
      if (parent === -1) problems.missingParent.push(span)
    }
    parentAt[i] = parent
    if (parent === -1) roots.push(span)
    else childCount[parent]!++
  }
  // Children arrays of exactly their length, filled from the end (walkTree sorts them): arrays
  // grown by push keep room for 16 more, ~60 MB over a million spans in trees of ten.
  for (let i = 0; i < count; i++) {
    if (childCount[i] !== 0) spans[i]!.children = new Array<SpanNode>(childCount[i]!)
  }
  for (let i = 0; i < count; i++) {
    const at = parentAt[i]!
    if (at === -1) continue
    const parent = spans[at]!
    spans[i]!.parent = parent
    ;(parent.children as SpanNode[])[--childCount[at]!] = spans[i]!
  }
  roots.sort(byStart)
  let visited = 0
  for (const root of roots) visited += walkTree(root, problems)
  if (visited < count) {
    for (const root of breakCycles(spans, problems)) roots.push(root)
    roots.sort(byStart)
  }
  return roots
}

/** Sets depth and self time below `root`; returns how many spans it reached. */
function walkTree(root: SpanNode, problems: SpanProblems): number {
  const stack: SpanNode[] = [root]
  root.depth = 0
  let count = 0
  while (stack.length > 0) {
    const span = stack.pop()!
    count++
    const children = span.children
    if (children.length > 1) (children as SpanNode[]).sort(byStart)
    span.selfNs = span.durationNs - coveredByChildren(span)
    for (let i = 0; i < children.length; i++) {
      const child = children[i]
      child.depth = span.depth + 1
      if (child.startNs < span.startNs || child.endNs > span.endNs) problems.outsideParent.push(child)
      stack.push(child)
    }
  }
  return count
}

/** Time within `span` covered by at least one child (children sorted by start). */
function coveredByChildren(span: SpanNode): number {
  let covered = 0
  let runStart = 0
  let runEnd = -Infinity
  for (const child of span.children) {
    const start = Math.max(child.startNs, span.startNs)
    const end = Math.min(child.endNs, span.endNs)
    if (end <= start) continue
    if (start > runEnd) {
      if (runEnd > runStart) covered += runEnd - runStart
      runStart = start
      runEnd = end
    } else if (end > runEnd) {
      runEnd = end
    }
  }
  if (runEnd > runStart) covered += runEnd - runStart
  return covered
}

/**
 * Spans no root reaches hang below a cycle of parent links (bad ids). From each, follows parents
 * until a span repeats: that span is on the cycle; cutting its parent link makes it a root.
 * Returns those roots, their trees walked.
 */
function breakCycles(spans: readonly SpanNode[], problems: SpanProblems): SpanNode[] {
  const cut: SpanNode[] = []
  const seenOnWalk = new Map<SpanNode, number>()
  let walk = 0
  for (const span of spans) {
    if (span.depth !== UNVISITED) continue
    walk++
    let at = span
    while (at.parent !== null && at.depth === UNVISITED && seenOnWalk.get(at) !== walk) {
      seenOnWalk.set(at, walk)
      at = at.parent
    }
    if (at.depth !== UNVISITED) continue
    at.parent!.removeChild(at)
    at.parent = null
    problems.parentCycles.push(at)
    cut.push(at)
    // Marks the cycle's spans reached so later walks stop at them.
    walkTree(at, problems)
  }
  return cut
}
