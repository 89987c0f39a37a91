// GUIDs are stored as Windows lays out a GUID struct (Data1 u32, Data2 u16, Data3 u16 in
// little-endian, then 8 bytes as they are) and shown in the registry form, lowercase.
//
// The text is written into a reused byte buffer and sliced out as one flat latin1 string: a
// template literal of 20 pieces leaves V8 a rope of ~370 bytes per GUID (measured: 4x slower,
// and most of the memory of a 1 M span analysis, whose spans carry four GUIDs each).
//
// A span's GUIDs repeat within a few records: its parent id is the activity id of a span that
// started shortly before, its trace id that of its root, its Stop's activity id its Start's. A
// small direct-mapped cache of recent GUIDs returns the string made the first time, so a span
// costs about one new string instead of four, equal ids are the same string (Map lookups on
// them compare pointers), and a decoded trace holds a third of the GUID memory.

import { wordAt } from '../format/words.js'

const HEX_CODES = new TextEncoder().encode('0123456789abcdef')
const text = Buffer.alloc(36)
// Byte order of the displayed digits: Data1..3 reversed (little-endian), the rest as stored.
const ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]

const SLOTS = 4096
/** The 16 bytes of each slot's GUID as little-endian words. */
const cachedWords = new Int32Array(SLOTS * 4)
/** The slot's text; '' while the slot is empty (no GUID's text is empty). */
const cachedText: string[] = new Array<string>(SLOTS).fill('')

function format(bytes: Uint8Array, at: number): string {
  let o = 0
  for (const i of ORDER) {
    if (i < 0) {
      text[o++] = 0x2d
      continue
    }
    const b = bytes[at + i]!
    text[o++] = HEX_CODES[b >> 4]!
    text[o++] = HEX_CODES[b & 15]!
  }
  return text.toString('latin1', 0, 36)
}

/** The 16 bytes at `at` as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
export function guidText(bytes: Uint8Array, at: number): string {
  const w0 = wordAt(bytes, at)
  const w1 = wordAt(bytes, at + 4)
  const w2 = wordAt(bytes, at + 8)
  const w3 = wordAt(bytes, at + 12)
  // Every word takes part: span activity ids share their last 8 bytes within a trace.
  const slot = Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f), 0x9e3779b1) >>> 20
  const k = slot * 4
  const cached = cachedText[slot]!
  if (cached !== '' && cachedWords[k] === w0 && cachedWords[k + 1] === w1 && cachedWords[k + 2] === w2 && cachedWords[k + 3] === w3) {
    return cached
  }
  const made = format(bytes, at)
  cachedWords[k] = w0
  cachedWords[k + 1] = w1
  cachedWords[k + 2] = w2
  cachedWords[k + 3] = w3
  cachedText[slot] = made
  return made
}
