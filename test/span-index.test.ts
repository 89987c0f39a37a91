import { describe, expect, it } from 'vitest'
import { SpanIndex } from '../src/analysis/span-index.js'
import { SpanNode } from '../src/analysis/span-node.js'
import { seededBytes } from './helpers/seeded-random.js'

const thread = { id: 0, name: 'main', isMainThread: true }
const node = (id: string) => new SpanNode(id, '', '', 'op', thread, thread, 0, 1, true, 1, '', '', {})

/** `count` ids in UUID form (8-4-4-4-12 hex digits), the same for the same seed. */
function seededIds(seed: number, count: number): string[] {
  const bytes = seededBytes(seed, count * 16)
  return Array.from({ length: count }, (_, i) => {
    const hex = Array.from(bytes.subarray(i * 16, i * 16 + 16), (b) => b.toString(16).padStart(2, '0')).join('')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  })
}

describe('SpanIndex', () => {
  it('finds every span it holds through growth, refuses a second span of an id, and misses unknown ids', () => {
    const index = new SpanIndex()
    const seed = 1_234_567
    const ids = seededIds(seed, 100_000)
    // Ids that differ in one character, and short or empty ones, share hash prefixes and slots.
    ids.push('', 'a', 'b', 'ab', 'ba', ...ids.slice(0, 100).map((id) => `${id.slice(0, -1)}x`))
    const spans = ids.map(node)
    expect(spans.filter((span) => !index.add(span)).map((span) => span.id), `seed ${seed}: ids refused`).toEqual([])
    expect(index.size).toBe(ids.length)
    const misplaced = spans.filter((span, i) => index.positionOf(span.id) !== i || index.spans[i] !== span)
    expect(misplaced.map((span) => span.id), `seed ${seed}: ids not found at their position`).toEqual([])
    const twice = spans.slice(0, 1000).filter((span) => index.add(node(span.id))).map((span) => span.id)
    expect(twice, `seed ${seed}: ids accepted a second time`).toEqual([])
    expect(index.size).toBe(ids.length)
    const unknown = seededIds(seed + 1, 1000)
    expect(unknown.filter((id) => index.has(id) || index.positionOf(id) !== -1), `seed ${seed + 1}: unknown ids found`).toEqual([])
  })
})
