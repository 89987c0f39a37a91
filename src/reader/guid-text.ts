// GUIDs are stored as Windows lays out a GUID struct (Data1 u32, Data2 u16, Data3 u16 in
// little-endian, then 8 bytes as they are) and shown in the registry form, lowercase.

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** The 16 bytes at `at` as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
export function guidText(bytes: Uint8Array, at: number): string {
  const h = (i: number): string => HEX[bytes[at + i]]
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-` +
    `${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
}
