// UTF-8 for the hot path, by hand: TextEncoder.encodeInto needs a subarray per call (an
// allocation), and the writer must know the byte length before it reserves ring space.
// Lone surrogates become U+FFFD, as TextEncoder does.

/** utf8Length adds this when it had to cut the string (cap <= 65535, so it never collides). */
export const UTF8_TRUNCATED = 0x10000

/**
 * Bytes of `s` in UTF-8, cut at `cap` (<= 65535) on a code point boundary, plus UTF8_TRUNCATED
 * when cut: one number, so the hot path allocates nothing.
 */
export function utf8Length(s: string, cap: number): number {
  let bytes = 0
  const n = s.length
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    let w: number
    if (c < 0x80) w = 1
    else if (c < 0x800) w = 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (bytes + 4 > cap) return bytes + UTF8_TRUNCATED
        bytes += 4
        i++
        continue
      }
      w = 3
    } else w = 3
    if (bytes + w > cap) return bytes + UTF8_TRUNCATED
    bytes += w
  }
  return bytes
}

/** Writes the first `limit` bytes of `s` (a length utf8Length returned) at `at`. */
export function writeUtf8(u8: Uint8Array, at: number, s: string, limit: number): void {
  const end = at + limit
  let o = at
  for (let i = 0; o < end; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      u8[o++] = c
    } else if (c < 0x800) {
      u8[o++] = 0xc0 | (c >> 6)
      u8[o++] = 0x80 | (c & 0x3f)
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
          u8[o++] = 0xf0 | (cp >> 18)
          u8[o++] = 0x80 | ((cp >> 12) & 0x3f)
          u8[o++] = 0x80 | ((cp >> 6) & 0x3f)
          u8[o++] = 0x80 | (cp & 0x3f)
          i++
          continue
        }
        c = 0xfffd
      }
      u8[o++] = 0xe0 | (c >> 12)
      u8[o++] = 0x80 | ((c >> 6) & 0x3f)
      u8[o++] = 0x80 | (c & 0x3f)
    }
  }
}
