// groupBy(...).aggregate({ p99: ['ms', 'p99'] }): the values of each group, reduced here
// (SQLite has no percentile). Percentiles are nearest-rank: the value at rank ceil(p/100 * n).

import { TracerError, describeValue } from '../errors.js'

export const AGGREGATES = ['count', 'sum', 'min', 'max', 'avg', 'p50', 'p90', 'p95', 'p99'] as const
export type AggregateFn = (typeof AGGREGATES)[number]
/** Per result column: the value it reduces (a field, or for spans 'duration') and how. */
export type AggregateSpec = Record<string, readonly [string, AggregateFn]>

export function checkAggregates(spec: unknown): [string, string, AggregateFn][] {
  if (typeof spec !== 'object' || spec === null || Object.keys(spec).length === 0) {
    throw new TracerError('INVALID_OPTION', `ringtrace: aggregate() takes { column: [value, fn] } such as { p99: ['ms', 'p99'] }, got ${describeValue(spec)}`)
  }
  return Object.entries(spec).map(([column, pair]) => {
    const [value, fn] = Array.isArray(pair) ? pair as unknown[] : []
    if (typeof value !== 'string' || value === '' || !AGGREGATES.includes(fn as AggregateFn)) {
      throw new TracerError('INVALID_OPTION', `ringtrace: aggregate() ${column} must be [value, fn] with fn one of ${AGGREGATES.join(', ')}, got ${describeValue(pair)}`)
    }
    return [column, value, fn as AggregateFn]
  })
}

export function reduce(values: number[], fn: AggregateFn): number | null {
  if (fn === 'count') return values.length
  if (values.length === 0) return null
  switch (fn) {
    case 'sum': return values.reduce((a, b) => a + b, 0)
    case 'min': return Math.min(...values)
    case 'max': return Math.max(...values)
    case 'avg': return values.reduce((a, b) => a + b, 0) / values.length
  }
  const sorted = [...values].sort((a, b) => a - b)
  const p = Number(fn.slice(1))
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
}
