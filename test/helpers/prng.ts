// A seeded xorshift32 generator for tests: a failure reproduces from the seed it prints.

/** Numbers in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}
