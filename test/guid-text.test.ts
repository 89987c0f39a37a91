import { describe, expect, it } from 'vitest'
import { guidText } from '../src/reader/guid-text.js'
import { seededBytes } from './helpers/seeded-random.js'

/** Registry form, built independently: Data1..3 byte-reversed, the rest as stored. */
function reference(bytes: Uint8Array, at: number): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(bytes.subarray(at + from, at + to), (b) => b.toString(16).padStart(2, '0'))
    return (reverse ? part.reverse() : part).join('')
  }
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`
}

describe('guidText', () => {
  it('formats every GUID right through its cache of recent ones: repeats, slot collisions, zero', () => {
    // 50,000 GUIDs over a 4096-slot cache: many share a slot; each also recurs later, and some
    // differ from another in one byte only (same words but one).
    const distinct = 50_000
    const seed = 20_261_202
    const pool = seededBytes(seed, distinct * 16)
    for (let i = 0; i < 1000; i++) {
      pool.copyWithin((i * 2 + 1) * 16, i * 2 * 16, i * 2 * 16 + 16)
      pool[(i * 2 + 1) * 16 + (i % 16)]! ^= 1
    }
    pool.fill(0, 0, 16)
    const wrong: string[] = []
    for (const order of [0, 1, 2]) {
      for (let n = 0; n < distinct; n++) {
        const i = order === 2 ? (n * 7919) % distinct : order === 1 ? distinct - 1 - n : n
        const got = guidText(pool, i * 16)
        if (got !== reference(pool, i * 16)) wrong.push(`${i}: ${got}`)
      }
    }
    expect(wrong, `seed ${seed}`).toEqual([])
    expect(guidText(pool, 0)).toBe('00000000-0000-0000-0000-000000000000')
  })

})
