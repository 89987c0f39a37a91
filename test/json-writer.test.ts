import { describe, expect, it } from 'vitest'
import { JsonWriter } from '../src/export/json/json-writer.js'
import { prng } from './helpers/seeded-random.js'

const utf8 = new TextEncoder()
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8')

/** Random strings mixing ASCII, escapes, controls, BMP text, surrogate pairs and lone surrogates. */
function randomString(random: () => number): string {
  const pieces = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', 'é', '€', '日', '😀', '\ud800', '\udfff', '\u2028']
  const length = random() < 0.8 ? Math.floor(random() * 40) : Math.floor(random() * 400)
  let out = ''
  while (out.length < length) out += pieces[Math.floor(random() * pieces.length)]!
  return out
}

describe('JsonWriter', () => {
  it('writes strings as the UTF-8 of what JSON.stringify writes', () => {
    const seed = 0x15011
    const random = prng(seed)
    const strings = ['', 'plain', 'x'.repeat(64), 'x'.repeat(65), ...Array.from({ length: 2000 }, () => randomString(random))]
    const w = new JsonWriter(8)
    const mismatches: string[] = []
    for (const value of strings) {
      w.reset()
      w.string(value)
      const expected = utf8.encode(JSON.stringify(value))
      if (Buffer.compare(w.finish(), expected) !== 0) mismatches.push(JSON.stringify(value))
    }
    expect(mismatches, `seed ${seed}`).toEqual([])
  })

  it('writes numbers, quoted integers, hex and base64', () => {
    const w = new JsonWriter(4)
    w.raw('[')
    for (const n of [0, 7, 9, 10, -1, 0.5, 1e300, 5e-324, 2 ** 53]) {
      w.number(n)
      w.raw(',')
    }
    w.quotedInteger(-(2n ** 63n))
    w.raw(',')
    w.quotedInteger(4294967295)
    w.raw(',')
    w.quotedHex(Uint8Array.of(0, 15, 16, 171, 255))
    w.raw(',')
    w.quotedBase64(new Uint8Array([1, 2, 3, 250, 251]).subarray(1))
    w.raw(']')
    expect(JSON.parse(text(w.finish()))).toEqual([0, 7, 9, 10, -1, 0.5, 1e300, 5e-324, 2 ** 53,
      '-9223372036854775808', '4294967295', '000f10abff', Buffer.from([2, 3, 250, 251]).toString('base64')])
  })

  it('grows from an empty buffer and starts over after reset()', () => {
    const w = new JsonWriter(0)
    const long = 'é'.repeat(10_000)
    w.string(long)
    expect(JSON.parse(text(w.finish()))).toBe(long)
    w.reset()
    w.raw('{}')
    expect(text(w.finish())).toBe('{}')
  })
})
