// store.query(): events and log lines, filtered by what the events table indexes, by fields
// (json_extract) and text; every value a bound parameter.

import { fieldPath, type CompareOp, type TimeRange, invalid } from './conditions.js'
import { RowQuery, type RowTable } from './row-query.js'
import type { DatabaseSync, SqlValue } from './sqlite.js'
import { spanIdOf, traceIdOf } from './trace-ids.js'

export interface StoredEvent {
  name: string
  timestampNs: bigint
  /** ms since the epoch */
  time: number
  level: number
  keyword: bigint
  opcode: number
  stream: number
  seq: number
  thread: string
  traceId: string | undefined
  spanId: string | undefined
  correlationId: string | undefined
  /** A logger line's message. */
  message: string | undefined
  /** As the ndjson export writes them: 64-bit integers as decimal strings. */
  fields: Record<string, unknown>
  /** The trace file it came from (its path when last ingested). */
  file: string
}

const EVENTS: RowTable<StoredEvent> = {
  from: 'FROM events e JOIN files f ON f.id = e.file_id',
  select: `e.name, e.time_ns, e.level, e.keyword, e.opcode, e.stream, e.seq, e.thread, e.trace_id, e.span_id,
    e.correlation_id, e.message, e.fields, f.path`,
  id: 'e.id',
  orderColumns: { time: 'e.time_ns', name: 'e.name', level: 'e.level' },
  groupColumns: {
    name: 'e.name', level: 'e.level', thread: 'e.thread', file: 'f.path',
    minute: '(e.time_ns / 60000000000) * 60000', hour: '(e.time_ns / 3600000000000) * 3600000',
  },
  valueSql: (field) => ({ sql: 'CAST(json_extract(e.fields, ?) AS REAL)', param: fieldPath(field, 'aggregate() field') }),
  map: storedEvent,
}

export class EventQuery extends RowQuery<StoredEvent, 'time' | 'name' | 'level', 'name' | 'level' | 'thread' | 'file' | 'minute' | 'hour'> {
  /** @internal store.query() makes queries. */
  constructor(db: DatabaseSync) {
    super(db, EVENTS, 'time')
  }
  /** Events (or logger names: a logger's lines are named by its `name` option, default 'log'). */
  event(...names: string[]): this {
    this.conditions.among('e.name', names, 'event()')
    return this
  }

  /**
   * By severity, not by number: ETW levels run from 1 Critical to 5 Verbose, so `level('>=',
   * Level.Warning)` is Warning, Error and Critical (levels 1 to 3). LogAlways (0) has no
   * severity: only `=` finds it.
   */
  level(op: CompareOp, level: number): this {
    if (!Number.isInteger(level) || level < 0 || level > 255) throw invalid('level()', 'an ETW level from 0 to 255', level)
    switch (op) {
      case '=': this.conditions.add('e.level = ?', level); break
      case '!=': this.conditions.add('e.level <> ?', level); break
      case '>=': this.conditions.add('e.level BETWEEN 1 AND ?', level); break
      case '>': this.conditions.add('e.level BETWEEN 1 AND ?', level - 1); break
      case '<=': this.conditions.add('e.level >= ?', level); break
      case '<': this.conditions.add('e.level > ?', level); break
      default: throw invalid('level() operator', "one of '=', '!=', '>', '>=', '<', '<='", op)
    }
    return this
  }

  /** Events whose keyword shares a bit with `mask` (a keyword of 0 matches no mask). */
  keyword(mask: bigint | number): this {
    const value = typeof mask === 'number' && Number.isInteger(mask) && mask >= 0 ? BigInt(mask) : mask
    if (typeof value !== 'bigint' || value < 0n || value >= 1n << 64n) throw invalid('keyword()', 'a 64-bit mask', mask)
    this.conditions.add('(e.keyword & ?) <> 0', BigInt.asIntN(64, value))
    return this
  }

  timeRange(range: TimeRange): this {
    this.conditions.time('e.time_ns', range, 'timeRange()')
    return this
  }

  trace(traceId: string): this {
    this.conditions.add('e.trace_id = ?', traceIdOf(traceId, 'trace()'))
    return this
  }

  span(spanId: string): this {
    this.conditions.add('e.span_id = ?', spanIdOf(spanId, 'span()'))
    return this
  }

  correlation(id: string): this {
    if (typeof id !== 'string' || id === '') throw invalid('correlation()', 'a correlation id', id)
    this.conditions.add('e.correlation_id = ?', id)
    return this
  }

  thread(name: string): this {
    if (typeof name !== 'string') throw invalid('thread()', 'a thread name', name)
    this.conditions.add('e.thread = ?', name)
    return this
  }

  /** Text in the event's name, message or fields (case-insensitive for ASCII). */
  search(text: string): this {
    if (typeof text !== 'string' || text === '') throw invalid('search()', 'a non-empty text', text)
    const pattern = `%${text.replace(/[\\%_]/g, '\\$&')}%`
    this.conditions.add("(e.name LIKE ? ESCAPE '\\' OR e.message LIKE ? ESCAPE '\\' OR e.fields LIKE ? ESCAPE '\\')", pattern, pattern, pattern)
    return this
  }

  /** A field compared with a value: `where('status', '>=', 500)`. */
  where(field: string, op: CompareOp, value: string | number | bigint | boolean): this {
    this.conditions.field('e.fields', field, op, value, 'where()')
    return this
  }
}

function storedEvent(row: Record<string, SqlValue>): StoredEvent {
  const timestampNs = row.time_ns as bigint
  const optional = (value: SqlValue): string | undefined => (value === null ? undefined : String(value))
  return {
    name: row.name as string,
    timestampNs,
    time: Number(timestampNs) / 1e6,
    level: Number(row.level),
    keyword: BigInt.asUintN(64, row.keyword as bigint),
    opcode: Number(row.opcode),
    stream: Number(row.stream),
    seq: Number(row.seq),
    thread: row.thread as string,
    traceId: optional(row.trace_id),
    spanId: optional(row.span_id),
    correlationId: optional(row.correlation_id),
    message: optional(row.message),
    fields: JSON.parse(row.fields as string) as Record<string, unknown>,
    file: row.path as string,
  }
}
