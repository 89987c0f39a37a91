// What the event and span queries share: the WHERE clause, order, limit, the row readers and
// grouping. A subclass names its table (every name here a constant of this code) and its filters.

import { checkAggregates, reduce, type AggregateSpec } from './aggregate.js'
import { Conditions, invalid } from './conditions.js'
import type { DatabaseSync, SqlValue } from './sqlite.js'

export interface RowTable<Row> {
  /** `FROM events e JOIN files f ...` */
  readonly from: string
  /** The selected columns, for `map`. */
  readonly select: string
  /** The id column, the last key of every order. */
  readonly id: string
  readonly orderColumns: Readonly<Record<string, string>>
  readonly groupColumns: Readonly<Record<string, string>>
  /** SQL of an aggregated value: a JSON field (`?`: its path) or a column of its own. */
  valueSql(value: string): { sql: string; param: SqlValue | undefined }
  map(row: Record<string, SqlValue>): Row
}

export abstract class RowQuery<Row, Order extends string, Group extends string> {
  protected readonly conditions = new Conditions()
  private order: string
  private max: number | undefined
  private groups: Group[] | undefined

  protected constructor(private readonly db: DatabaseSync, private readonly table: RowTable<Row>, defaultOrder: Order) {
    this.order = this.orderSql(defaultOrder, 'asc')
  }

  orderBy(column: Order, direction: 'asc' | 'desc' = 'asc'): this {
    this.order = this.orderSql(column, direction)
    return this
  }

  limit(count: number): this {
    if (!Number.isInteger(count) || count < 0) throw invalid('limit()', 'a non-negative integer', count)
    this.max = count
    return this
  }

  all(): Row[] {
    const { table, conditions } = this
    const statement = this.db.prepare(`SELECT ${table.select} ${table.from}${conditions.sql} ORDER BY ${this.order}${this.max === undefined ? '' : ' LIMIT ?'}`)
    statement.setReadBigInts(true)
    return statement.all(...conditions.params, ...(this.max === undefined ? [] : [this.max])).map((row) => table.map(row))
  }

  first(): Row | undefined {
    return this.limit(1).all()[0]
  }

  count(): number {
    return Number(this.db.prepare(`SELECT count(*) AS n ${this.table.from}${this.conditions.sql}`).get(...this.conditions.params)!.n)
  }

  groupBy(...columns: Group[]): this {
    if (columns.length === 0 || !columns.every((c) => this.table.groupColumns[c] !== undefined)) {
      throw invalid('groupBy()', `columns among ${Object.keys(this.table.groupColumns).join(', ')}`, columns)
    }
    this.groups = columns
    return this
  }

  /** Per group (one group without groupBy), `{ column: [value, fn] }`, in the order groups first appear. */
  aggregate(spec: AggregateSpec): Record<string, unknown>[] {
    const aggregates = checkAggregates(spec)
    const groups = this.groups ?? []
    const values = [...new Set(aggregates.map(([, value]) => value))]
    const select = groups.map((g) => this.table.groupColumns[g]!)
    const params: SqlValue[] = []
    for (const value of values) {
      const { sql, param } = this.table.valueSql(value)
      select.push(sql)
      if (param !== undefined) params.push(param)
    }
    const rows = this.db.prepare(`SELECT ${select.join(', ')} ${this.table.from}${this.conditions.sql}`).all(...params, ...this.conditions.params)
    const byKey = new Map<string, { key: SqlValue[]; samples: number[][] }>()
    for (const row of rows) {
      const cells = Object.values(row)
      const key = cells.slice(0, groups.length)
      const id = JSON.stringify(key, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
      let group = byKey.get(id)
      if (group === undefined) {
        group = { key, samples: values.map(() => []) }
        byKey.set(id, group)
      }
      values.forEach((_, i) => {
        const sample = cells[groups.length + i]
        if (typeof sample === 'number' && Number.isFinite(sample)) group!.samples[i]!.push(sample)
      })
    }
    return [...byKey.values()].map(({ key, samples }) => {
      const out: Record<string, unknown> = {}
      groups.forEach((g, i) => { out[g] = typeof key[i] === 'bigint' ? Number(key[i]) : key[i] })
      for (const [column, value, fn] of aggregates) out[column] = reduce(samples[values.indexOf(value)]!, fn)
      return out
    })
  }

  private orderSql(column: string, direction: string): string {
    const sql = this.table.orderColumns[column]
    if (sql === undefined || (direction !== 'asc' && direction !== 'desc')) {
      throw invalid('orderBy()', `one of ${Object.keys(this.table.orderColumns).map((c) => `'${c}'`).join(', ')}, then 'asc' or 'desc'`, column)
    }
    return `${sql} ${direction.toUpperCase()}, ${this.table.id} ${direction.toUpperCase()}`
  }
}
