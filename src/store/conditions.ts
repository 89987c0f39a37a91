// A query's WHERE clause, built from checked pieces: every value is a bound parameter, every
// column a name from this file, never text from the caller. Field names reach SQL only as the
// JSON path parameter of json_extract.

import { TracerError, describeValue } from '../errors.js'
import type { SqlValue } from './sqlite.js'

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains'
const OPS: readonly CompareOp[] = ['=', '!=', '>', '>=', '<', '<=', 'contains']

export type TimeRange = { since: string | number } | { from?: Date | number | bigint; to?: Date | number | bigint }

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** The error of a query argument that is not what the method takes. */
export function invalid(key: string, expected: string, value: unknown): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: ${key} must be ${expected}, got ${describeValue(value)}`)
}

/** '90s', '15m', '1h', '2d' (or a number of ms) as ms. */
export function durationMs(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim()) : null
  if (match === null) throw invalid(key, "a duration such as '500ms', '30s', '15m', '1h' or '2d' (or ms as a number)", value)
  return Number(match[1]) * UNITS[match[2]!]!
}

/** A point in time as ns since the epoch: a Date, ms since the epoch (number) or ns (bigint). */
function timeNs(value: unknown, key: string): bigint {
  if (value instanceof Date && Number.isFinite(value.getTime())) return BigInt(value.getTime()) * 1_000_000n
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value * 1e6))
  if (typeof value === 'bigint') return value
  throw invalid(key, 'a Date, ms since the epoch (number) or ns since the epoch (bigint)', value)
}

/** The JSON path of a field for json_extract: `$."name"`. */
export function fieldPath(name: unknown, key: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('"')) throw invalid(key, 'a field name (without ")', name)
  return `$."${name}"`
}

export function checkOp(op: unknown, key: string): CompareOp {
  if (!OPS.includes(op as CompareOp)) throw invalid(key, `one of ${OPS.map((o) => `'${o}'`).join(', ')}`, op)
  return op as CompareOp
}

export class Conditions {
  readonly clauses: string[] = []
  readonly params: SqlValue[] = []

  add(clause: string, ...params: SqlValue[]): void {
    this.clauses.push(clause)
    this.params.push(...params)
  }

  /** `column` among `values` (one or more). */
  among(column: string, values: readonly unknown[], key: string): void {
    if (values.length === 0 || !values.every((v) => typeof v === 'string' && v !== '')) throw invalid(key, 'one or more names', values)
    this.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...(values as string[]))
  }

  time(column: string, range: unknown, key: string): void {
    if (typeof range !== 'object' || range === null) throw invalid(key, "{ since: '1h' } or { from, to }", range)
    if ('since' in range) {
      this.add(`${column} >= ?`, BigInt(Math.round((Date.now() - durationMs((range as { since: unknown }).since, `${key}.since`)) * 1e6)))
      return
    }
    const { from, to } = range as { from?: unknown; to?: unknown }
    if (from === undefined && to === undefined) throw invalid(key, "{ since: '1h' } or { from, to }", range)
    if (from !== undefined) this.add(`${column} >= ?`, timeNs(from, `${key}.from`))
    if (to !== undefined) this.add(`${column} <= ?`, timeNs(to, `${key}.to`))
  }

  /** A JSON field of `column` compared with `value`: numbers as numbers (a 64-bit field's digits too). */
  field(column: string, name: unknown, op: unknown, value: unknown, key: string): void {
    const path = fieldPath(name, `${key} field`)
    const checked = checkOp(op, `${key} operator`)
    if (checked === 'contains') {
      if (typeof value !== 'string') throw invalid(`${key} value`, "a string ('contains' looks for text)", value)
      this.add(`instr(json_extract(${column}, ?), ?) > 0`, path, value)
      return
    }
    const sqlOp = checked === '!=' ? '<>' : checked
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (typeof value === 'number' && !Number.isFinite(value)) throw invalid(`${key} value`, 'a finite number', value)
      this.add(`CAST(json_extract(${column}, ?) AS NUMERIC) ${sqlOp} ?`, path, value)
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      if (checked !== '=' && checked !== '!=') throw invalid(`${key} value`, `a number (${checked} compares numbers)`, value)
      this.add(`json_extract(${column}, ?) ${sqlOp} ?`, path, typeof value === 'boolean' ? (value ? 1 : 0) : value)
    } else {
      throw invalid(`${key} value`, 'a string, number, bigint or boolean', value)
    }
  }

  get sql(): string {
    return this.clauses.length === 0 ? '' : ` WHERE ${this.clauses.join(' AND ')}`
  }
}
