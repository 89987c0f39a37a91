// guid fields as their 16 stored bytes, for a decoder that sends ids on as bytes (ChunkDecoderOptions.guids).

/**
 * The 16 bytes at `at`, copied (a decoded value outlives the chunk it came from). A loop into a
 * new array: an array this small lives on V8's heap, and the copy costs less than a subarray.
 */
export function guidBytes(bytes: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(16)
  for (let i = 0; i < 16; i++) out[i] = bytes[at + i]!
  return out
}
