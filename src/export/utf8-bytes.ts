// UTF-8 for the short strings of a request body (attribute keys, names, ids' text), written by a
// loop: TextEncoder.encodeInto needs a subarray (an allocation) and a call into C++, which cost
// more than encoding a few dozen characters. Longer strings go to encodeInto.

/** Strings up to this length are encoded by writeUtf8(); longer ones by TextEncoder. */
export const SHORT_STRING = 64

/**
 * Writes `value` as UTF-8 at `at` as TextEncoder does (a lone surrogate becomes U+FFFD); returns
 * the byte count. The caller has made room for 3 bytes per UTF-16 unit.
 */
export function writeUtf8(bytes: Uint8Array, at: number, value: string): number {
  let o = at
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i)
    if (c < 0x80) {
      bytes[o++] = c
      continue
    }
    if (c < 0x800) {
      bytes[o++] = 0xc0 | (c >> 6)
      bytes[o++] = 0x80 | (c & 0x3f)
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = value.charCodeAt(i + 1)
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
        bytes[o++] = 0xf0 | (point >> 18)
        bytes[o++] = 0x80 | ((point >> 12) & 0x3f)
        bytes[o++] = 0x80 | ((point >> 6) & 0x3f)
        bytes[o++] = 0x80 | (point & 0x3f)
        i++
        continue
      }
      c = 0xfffd
    }
    bytes[o++] = 0xe0 | (c >> 12)
    bytes[o++] = 0x80 | ((c >> 6) & 0x3f)
    bytes[o++] = 0x80 | (c & 0x3f)
  }
  return o - at
}
