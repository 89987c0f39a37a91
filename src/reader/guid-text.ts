// GUIDs are stored as Windows lays out a GUID struct (Data1 u32, Data2 u16, Data3 u16 in
// little-endian, then 8 bytes as they are) and shown in the registry form, lowercase.
//
// The text is written into a reused byte buffer and sliced out as one flat latin1 string: a
// template literal of 20 pieces leaves V8 a rope of ~370 bytes per GUID (measured: 4x slower,
// and most of the memory of a 1 M span analysis, whose spans carry four GUIDs each).

const HEX_CODES = new TextEncoder().encode('0123456789abcdef')
const text = Buffer.alloc(36)
// Byte order of the displayed digits: Data1..3 reversed (little-endian), the rest as stored.
const ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]

/** The 16 bytes at `at` as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
export function guidText(bytes: Uint8Array, at: number): string {
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
