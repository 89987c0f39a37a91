import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SpanIndex } from '../src/analysis/span-index.js'
import { SpanNode } from '../src/analysis/span-node.js'

const thread = { id: 0, name: 'main', isMainThread: true }
const node = (id: string) => new SpanNode(id, '', '', 'op', thread, thread, 0, 1, true, 1, '', '', {})

describe('SpanIndex', () => {
  it('finds every span it holds through growth, refuses a second span of an id, and misses unknown ids', () => {
    const index = new SpanIndex()
    const ids: string[] = Array.from({ length: 100_000 }, () => randomUUID())
    // Ids that differ in one character, and short or empty ones, share hash prefixes and slots.
    ids.push('', 'a', 'b', 'ab', 'ba', ...ids.slice(0, 100).map((id) => `${id.slice(0, -1)}x`))
    const spans = ids.map(node)
    expect(spans.every((span) => index.add(span))).toBe(true)
    expect(index.size).toBe(ids.length)
    const misplaced = spans.filter((span, i) => index.positionOf(span.id) !== i || index.spans[i] !== span)
    expect(misplaced).toEqual([])
    expect(spans.slice(0, 1000).some((span) => index.add(node(span.id)))).toBe(false)
    expect(index.size).toBe(ids.length)
    const unknown = Array.from({ length: 1000 }, () => randomUUID())
    expect(unknown.filter((id) => index.has(id) || index.positionOf(id) !== -1)).toEqual([])
  })
})
