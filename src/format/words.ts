// GUIDs and span ids handled as 32-bit words: the ring stores them in little-endian byte order
// (docs/FORMAT.md), so the word of 4 bytes is their little-endian int32.

/** The little-endian word of the 4 bytes at `at`, as an int32. */
export function wordAt(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)
}
