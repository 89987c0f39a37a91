// Seeded pseudo-random inputs, so that a failing test reproduces: a test states its seed and
// names it in its failure messages.

/** Numbers in [0, 1) from xorshift32; the same seed gives the same sequence (seed 0 acts as 1). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

/** `length` bytes drawn from `prng(seed)`. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const random = prng(seed)
  return Uint8Array.from({ length }, () => Math.floor(random() * 256))
}
