// GUID values: a canonical string (8-4-4-4-12 hex, braces allowed) written in Windows memory
// order (the first three groups little-endian, as ETW expects).

/** Value of each hex digit by character code, -1 for anything else: one load per digit, no branches. */
const HEX_VALUE = new Int8Array(256).fill(-1)
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i
}

function hexByte(s: string, at: number): number {
  // A code above 255 is masked into the table's range to be looked up, and refused by the check.
  const hi = s.charCodeAt(at)
  const lo = s.charCodeAt(at + 1)
  const value = (HEX_VALUE[hi & 0xff]! << 4) | HEX_VALUE[lo & 0xff]!
  if (value < 0 || ((hi | lo) & ~0xff) !== 0) throw new TypeError('Expected a GUID string of hex digits')
  return value
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
