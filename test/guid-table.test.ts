// GuidTable, the export worker's table of open spans by 16-byte activity id: checked against a
// Map keyed by the ids' text through random operations on a small set of ids, so that inserts
// after deletes, probe runs that wrap around the end and backward shifts all happen many times.

import { describe, expect, it } from 'vitest'
import { GuidTable } from '../src/export/worker/guid-table.js'
import { guidText } from '../src/reader/guid-text.js'

/** A deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

function ids(count: number, next: () => number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const id = Uint8Array.from({ length: 16 }, () => Math.floor(next() * 256))
    // Some ids differ from another in one byte only, as a trace's activity ids share their last 8.
    if (i % 3 === 1) id.set(Uint8Array.of(i & 255), 15)
    return id
  })
}

describe('GuidTable', () => {
  it('agrees with a Map by id text through 200k random sets, gets and deletes', () => {
    const next = random(7)
    const pool = ids(3000, next)
    const table = new GuidTable<number>()
    const model = new Map<string, number>()
    for (let op = 0; op < 200_000; op++) {
      // A copy: keys compare by content, never by identity.
      const id = pool[Math.floor(next() * pool.length)]!.slice()
      const key = guidText(id, 0)
      const choice = next()
      if (choice < 0.45) {
        table.set(id, op)
        model.set(key, op)
      } else if (choice < 0.9) {
        expect(table.delete(id)).toBe(model.delete(key))
      } else {
        expect(table.get(id)).toBe(model.get(key))
        expect(table.has(id)).toBe(model.has(key))
      }
      expect(table.size).toBe(model.size)
    }
    for (const id of pool) expect(table.get(id)).toBe(model.get(guidText(id, 0)))
    expect([...table.values()].sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b))
  })

  it('grows past its first capacity, keeps every entry, and starts empty again after clear()', () => {
    const pool = ids(10_000, random(11))
    const table = new GuidTable<number>()
    pool.forEach((id, i) => table.set(id, i))
    expect(table.size).toBe(pool.length)
    pool.forEach((id, i) => expect(table.get(id)).toBe(i))
    table.clear()
    expect(table.size).toBe(0)
    expect(table.get(pool[0]!)).toBeUndefined()
    expect([...table.values()]).toEqual([])
  })
})
