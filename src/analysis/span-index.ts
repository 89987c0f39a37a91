// Spans by activity id, for a million of them. A Map of a million string keys cost ~0.7 s to
// fill here (its table is rehashed and reallocated as it grows, and every entry is a heap
// object the GC then marks) and ~0.3 s to query; this open-addressing table keeps span
// positions and hashes in one typed array, side by side so that a probe touches one cache line,
// and gives the GC nothing to trace.

import type { SpanNode } from './span-node.js'

/** FNV-1a over the UTF-16 code units: ids are 36-character GUID texts, but any string works. */
function hashOf(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  // As int32, as the table stores it (the empty string never went through Math.imul).
  return h | 0
}

export class SpanIndex {
  /** Every span added, in the order added; a span's position is its index here. */
  readonly spans: SpanNode[] = []
  /**
   * Two words per slot: 1 + the span's position in `spans` (0 when empty), then the hash of its
   * id, so that growing never hashes a string again.
   */
  private table = new Int32Array(2 * 1024)

  get size(): number {
    return this.spans.length
  }

  /** The position of the span of this id in `spans`, or -1. */
  positionOf(id: string): number {
    const table = this.table
    const mask = (table.length >> 1) - 1
    const h = hashOf(id)
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const entry = table[2 * at]!
      if (entry === 0) return -1
      if (table[2 * at + 1] === h && this.spans[entry - 1]!.id === id) return entry - 1
    }
  }

  has(id: string): boolean {
    return this.positionOf(id) !== -1
  }

  /** Adds `span` under its id; false, adding nothing, when a span of that id is there. */
  add(span: SpanNode): boolean {
    const table = this.table
    const mask = (table.length >> 1) - 1
    const h = hashOf(span.id)
    let at = h & mask
    for (; table[2 * at] !== 0; at = (at + 1) & mask) {
      if (table[2 * at + 1] === h && this.spans[table[2 * at]! - 1]!.id === span.id) return false
    }
    this.spans.push(span)
    table[2 * at] = this.spans.length
    table[2 * at + 1] = h
    // At most half full, so that probe runs stay short.
    if (this.spans.length * 4 > table.length) this.grow()
    return true
  }

  private grow(): void {
    const old = this.table
    const table = new Int32Array(old.length * 2)
    const mask = (table.length >> 1) - 1
    for (let i = 0; i < old.length; i += 2) {
      const entry = old[i]!
      if (entry === 0) continue
      const h = old[i + 1]!
      let at = h & mask
      while (table[2 * at] !== 0) at = (at + 1) & mask
      table[2 * at] = entry
      table[2 * at + 1] = h
    }
    this.table = table
  }
}
