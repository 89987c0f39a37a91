// A hash table keyed by 16-byte ids compared by content: the export worker pairs span Starts
// with their Stops by activity id, which it decodes as bytes. A Map would need a string per id
// (the text the decoder no longer makes); this keeps each key as four int32 words in one typed
// array, open addressing with linear probing, and deletes by shifting later entries back, so no
// tombstones pile up in a table that sees a delete per span.

import { wordAt } from '../../format/words.js'
import type { PairingTable } from '../../analysis/span-pairing.js'

const MIN_CAPACITY = 64

/** Mixes all four words: a span id (the first 8 bytes) is random, but tests and replays need not be. */
function hashOf(w0: number, w1: number, w2: number, w3: number): number {
  return Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f), 0x9e3779b1)
}

export class GuidTable<V> implements PairingTable<Uint8Array, V> {
  private capacity = MIN_CAPACITY
  /** Slot i's key in words 4i .. 4i+3. */
  private keys = new Int32Array(MIN_CAPACITY * 4)
  /** Slot i's value; undefined marks an empty slot (values are never undefined). */
  private slotValues: (V | undefined)[] = new Array<V | undefined>(MIN_CAPACITY).fill(undefined)
  private count = 0

  get size(): number {
    return this.count
  }

  get(id: Uint8Array): V | undefined {
    const slot = this.find(id)
    return slot < 0 ? undefined : this.slotValues[slot]
  }

  has(id: Uint8Array): boolean {
    return this.find(id) >= 0
  }

  /** Adds or replaces the value of `id` (16 bytes). */
  set(id: Uint8Array, value: V): void {
    const found = this.find(id)
    if (found >= 0) {
      this.slotValues[found] = value
      return
    }
    // At most half full: probe runs stay short.
    if ((this.count + 1) * 2 > this.capacity) this.resize(this.capacity * 2)
    this.place(wordAt(id, 0), wordAt(id, 4), wordAt(id, 8), wordAt(id, 12), value)
    this.count++
  }

  delete(id: Uint8Array): boolean {
    let hole = this.find(id)
    if (hole < 0) return false
    const { keys, slotValues: values } = this
    const mask = this.capacity - 1
    values[hole] = undefined
    this.count--
    // Backward shift: an entry after the hole moves into it unless its own probe run starts
    // after the hole (moving it would put it before where a lookup starts).
    for (let j = (hole + 1) & mask; values[j] !== undefined; j = (j + 1) & mask) {
      const k = j * 4
      const home = hashOf(keys[k]!, keys[k + 1]!, keys[k + 2]!, keys[k + 3]!) & mask
      if (((j - home) & mask) < ((j - hole) & mask)) continue
      const h = hole * 4
      keys[h] = keys[k]!
      keys[h + 1] = keys[k + 1]!
      keys[h + 2] = keys[k + 2]!
      keys[h + 3] = keys[k + 3]!
      values[hole] = values[j]
      values[j] = undefined
      hole = j
    }
    return true
  }

  /** The values, in slot order (not insertion order). */
  *values(): IterableIterator<V> {
    for (const value of this.slotValues) if (value !== undefined) yield value
  }

  clear(): void {
    this.capacity = MIN_CAPACITY
    this.keys = new Int32Array(MIN_CAPACITY * 4)
    this.slotValues = new Array<V | undefined>(MIN_CAPACITY).fill(undefined)
    this.count = 0
  }

  /** The slot holding `id`, or -1. */
  private find(id: Uint8Array): number {
    const w0 = wordAt(id, 0)
    const w1 = wordAt(id, 4)
    const w2 = wordAt(id, 8)
    const w3 = wordAt(id, 12)
    const { keys, slotValues: values } = this
    const mask = this.capacity - 1
    for (let slot = hashOf(w0, w1, w2, w3) & mask; values[slot] !== undefined; slot = (slot + 1) & mask) {
      const k = slot * 4
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) return slot
    }
    return -1
  }

  /** Puts a key known to be absent into the first free slot of its probe run. */
  private place(w0: number, w1: number, w2: number, w3: number, value: V): void {
    const mask = this.capacity - 1
    let slot = hashOf(w0, w1, w2, w3) & mask
    while (this.slotValues[slot] !== undefined) slot = (slot + 1) & mask
    const k = slot * 4
    this.keys[k] = w0
    this.keys[k + 1] = w1
    this.keys[k + 2] = w2
    this.keys[k + 3] = w3
    this.slotValues[slot] = value
  }

  private resize(capacity: number): void {
    const { keys, slotValues: values } = this
    this.capacity = capacity
    this.keys = new Int32Array(capacity * 4)
    this.slotValues = new Array<V | undefined>(capacity).fill(undefined)
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot]
      if (value === undefined) continue
      const k = slot * 4
      this.place(keys[k]!, keys[k + 1]!, keys[k + 2]!, keys[k + 3]!, value)
    }
  }
}
