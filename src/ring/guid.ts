// GUID values: a canonical string (8-4-4-4-12 hex, braces allowed) written in Windows memory
// order (the first three groups little-endian, as ETW expects).

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  const lower = code | 0x20
  if (lower >= 97 && lower <= 102) return lower - 87
  throw new TypeError('Expected a GUID string of hex digits')
}

function hexByte(s: string, at: number): number {
  return (hexNibble(s.charCodeAt(at)) << 4) | hexNibble(s.charCodeAt(at + 1))
}

// Source position of each output byte inside "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
const STRING_POSITIONS = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34]

/**
 * Writes a GUID string; throws a TypeError when it is malformed, which the writer turns into a
 * counted drop. Bytes are copied by the writer itself (src/ring/plain-values.ts checks them).
 */
export function writeGuid(u8: Uint8Array, at: number, value: string): void {
  const s = value.length === 38 && value[0] === '{' && value[37] === '}' ? value.slice(1, 37) : value
  if (s.length !== 36 || s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') {
    throw new TypeError('Expected a GUID string like 01234567-89ab-cdef-0123-456789abcdef')
  }
  for (let i = 0; i < 16; i++) u8[at + i] = hexByte(s, STRING_POSITIONS[i]!)
}
