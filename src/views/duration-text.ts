// Durations for people: three significant digits in the largest unit that keeps the number >= 1.

const UNITS: readonly [number, string][] = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs']]

export function durationText(ns: number): string {
  for (const [scale, unit] of UNITS) {
    if (Math.abs(ns) >= scale) return `${(ns / scale).toPrecision(3)} ${unit}`
  }
  return `${Math.round(ns)} ns`
}

export function percentText(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`
}
