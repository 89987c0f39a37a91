// store.spans(): spans (a Start and its Stop) by name, duration, trace, status and time; their
// attributes are JSON queried like event fields.

import { durationMs, fieldPath, type CompareOp, type TimeRange, invalid } from './conditions.js'
import { RowQuery, type RowTable } from './row-query.js'
import type { DatabaseSync, SqlValue } from './sqlite.js'
import { traceIdOf } from './trace-ids.js'

export interface StoredSpan {
  name: string
  /** W3C hex. */
  spanId: string
  parentSpanId: string | undefined
  traceId: string
  startNs: bigint
  /** Undefined for a span without a Stop. */
  endNs: bigint | undefined
  durationMs: number | undefined
  /** 0 unset, 1 ok, 2 error. */
  status: number
  errorType: string | undefined
  errorMessage: string | undefined
  thread: string
  attributes: Record<string, unknown>
  file: string
}

const SPANS: RowTable<StoredSpan> = {
  from: 'FROM spans s JOIN files f ON f.id = s.file_id',
  select: `s.name, s.span_id, s.parent_span_id, s.trace_id, s.start_ns, s.end_ns, s.duration_ns, s.status,
    s.error_type, s.error_message, s.thread, s.attributes, f.path`,
  id: 's.id',
  orderColumns: { start: 's.start_ns', duration: 's.duration_ns', name: 's.name' },
  groupColumns: {
    name: 's.name', thread: 's.thread', status: 's.status', file: 'f.path',
    minute: '(s.start_ns / 60000000000) * 60000', hour: '(s.start_ns / 3600000000000) * 3600000',
  },
  valueSql: (value) => value === 'duration' ? { sql: 's.duration_ns / 1e6', param: undefined }
    : { sql: 'CAST(json_extract(s.attributes, ?) AS REAL)', param: fieldPath(value, 'aggregate() attribute') },
  map: storedSpan,
}
const STATUS: Readonly<Record<string, number>> = { unset: 0, ok: 1, error: 2 }

export class SpanQuery extends RowQuery<StoredSpan, 'start' | 'duration' | 'name', 'name' | 'thread' | 'status' | 'file' | 'minute' | 'hour'> {
  /** @internal store.spans() makes queries. */
  constructor(db: DatabaseSync) {
    super(db, SPANS, 'start')
  }

  name(...names: string[]): this {
    this.conditions.among('s.name', names, 'name()')
    return this
  }

  /** Spans that lasted longer than `duration` ('200ms', '1.5s', or ms as a number). */
  slowerThan(duration: string | number): this {
    this.conditions.add('s.duration_ns > ?', BigInt(Math.round(durationMs(duration, 'slowerThan()') * 1e6)))
    return this
  }

  trace(traceId: string): this {
    this.conditions.add('s.trace_id = ?', traceIdOf(traceId, 'trace()'))
    return this
  }

  status(status: 'unset' | 'ok' | 'error'): this {
    const value = STATUS[status]
    if (value === undefined) throw invalid('status()', "'unset', 'ok' or 'error'", status)
    this.conditions.add('s.status = ?', value)
    return this
  }

  /** Spans without a Stop (the process ended, or the span was never ended). */
  unterminated(): this {
    this.conditions.add('s.end_ns IS NULL')
    return this
  }

  timeRange(range: TimeRange): this {
    this.conditions.time('s.start_ns', range, 'timeRange()')
    return this
  }

  /** An attribute compared with a value: `where('http.status_code', '>=', 500)`. */
  where(attribute: string, op: CompareOp, value: string | number | bigint | boolean): this {
    this.conditions.field('s.attributes', attribute, op, value, 'where()')
    return this
  }
}

function storedSpan(row: Record<string, SqlValue>): StoredSpan {
  const optional = (value: SqlValue): string | undefined => (value === null ? undefined : String(value))
  const end = row.end_ns === null ? undefined : row.end_ns as bigint
  return {
    name: row.name as string,
    spanId: row.span_id as string,
    parentSpanId: optional(row.parent_span_id),
    traceId: row.trace_id as string,
    startNs: row.start_ns as bigint,
    endNs: end,
    durationMs: row.duration_ns === null ? undefined : Number(row.duration_ns) / 1e6,
    status: Number(row.status),
    errorType: optional(row.error_type),
    errorMessage: optional(row.error_message),
    thread: row.thread as string,
    attributes: JSON.parse(row.attributes as string) as Record<string, unknown>,
    file: row.path as string,
  }
}
