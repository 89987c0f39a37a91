// Nanoseconds since the Unix epoch split as protobuf's Timestamp holds them, and as RFC 3339 text.

const NS_PER_SECOND = 1_000_000_000n

/** Whole seconds (floored, so that nanos is never negative) and nanoseconds 0..999 999 999. */
export function secondsAndNanos(ns: bigint): { seconds: bigint; nanos: number } {
  let seconds = ns / NS_PER_SECOND
  let nanos = ns - seconds * NS_PER_SECOND
  if (nanos < 0n) {
    seconds -= 1n
    nanos += NS_PER_SECOND
  }
  return { seconds, nanos: Number(nanos) }
}

/** RFC 3339 in UTC with all nine fraction digits: 2024-12-01T10:00:00.000000123Z. */
export function rfc3339Nano(ns: bigint): string {
  const { seconds, nanos } = secondsAndNanos(ns)
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`
}
