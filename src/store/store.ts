// The event store (docs/store.md): trace files loaded into SQLite (node:sqlite, WAL), queried
// through builders that bind every value. `import { openStore } from 'ringtrace/store'`.

import { statSync } from 'node:fs'
import { TracerError, describeValue } from '../errors.js'
import { EventQuery } from './event-query.js'
import { ingestFile, type IngestResult } from './ingest-file.js'
import { SpanQuery } from './span-query.js'
import { sqlite, type DatabaseSync, type SqlValue } from './sqlite.js'
import { SCHEMA_SQL, SCHEMA_VERSION } from './store-schema.js'

export interface StoreStats {
  schemaVersion: number
  /** The database file's size (0 for ':memory:'). */
  bytes: number
  files: number
  events: number
  spans: number
  lost: number
  /** Events per name, most first. */
  byEvent: { name: string; count: number }[]
  /** ms since the epoch of the last ingest, or undefined. */
  lastIngestMs: number | undefined
  /** Events and spans per second of the last ingest this store made (undefined before one). */
  lastIngestPerS: number | undefined
}

export class Store {
  private lastRate: number | undefined
  private closed = false

  /** @internal openStore() makes stores. */
  constructor(readonly path: string, private readonly db: DatabaseSync) {}

  /** Loads trace files; ingesting a file again adds nothing, an interrupted ingest resumes. */
  async ingest(files: string | readonly string[]): Promise<IngestResult[]> {
    this.assertOpen()
    const list = typeof files === 'string' ? [files] : files
    if (!Array.isArray(list) || !list.every((f) => typeof f === 'string' && f !== '')) {
      throw new TracerError('INVALID_OPTION', `ringtrace: ingest() takes a trace file path or an array of them, got ${describeValue(files)}`)
    }
    const results: IngestResult[] = []
    for (const file of list) {
      const result = await ingestFile(this.db, file)
      this.lastRate = (result.events + result.spans) / Math.max(result.ms / 1000, 1e-9)
      results.push(result)
    }
    return results
  }

  /** Events and log lines. */
  query(): EventQuery {
    this.assertOpen()
    return new EventQuery(this.db)
  }

  spans(): SpanQuery {
    this.assertOpen()
    return new SpanQuery(this.db)
  }

  /** Read-only SQL over the documented schema, `?` parameters bound; anything that writes throws. */
  sql(text: string, params: readonly SqlValue[] = []): Record<string, SqlValue>[] {
    this.assertOpen()
    if (typeof text !== 'string' || !Array.isArray(params)) throw new TracerError('INVALID_OPTION', 'ringtrace: sql(text, params?) takes SQL text and an array of parameters')
    this.db.exec('PRAGMA query_only = 1')
    try {
      const statement = this.db.prepare(text)
      statement.setReadBigInts(true)
      return statement.all(...params)
    } catch (error) {
      throw new TracerError('STORE_ERROR', `ringtrace: sql(): ${(error as Error).message}`, { cause: error })
    } finally {
      this.db.exec('PRAGMA query_only = 0')
    }
  }

  stats(): StoreStats {
    this.assertOpen()
    const one = (sql: string): SqlValue => Object.values(this.db.prepare(sql).get() ?? {})[0] ?? null
    const byEvent = this.db.prepare('SELECT name, count(*) AS n FROM events GROUP BY name ORDER BY n DESC, name').all()
      .map((row) => ({ name: row.name as string, count: Number(row.n) }))
    const last = one('SELECT max(last_ingest_ms) FROM files')
    return {
      schemaVersion: SCHEMA_VERSION,
      bytes: this.path === ':memory:' ? 0 : statSync(this.path).size,
      files: Number(one('SELECT count(*) FROM files')),
      events: Number(one('SELECT count(*) FROM events')),
      spans: Number(one('SELECT count(*) FROM spans')),
      lost: Number(one('SELECT coalesce(sum(lost), 0) FROM files')),
      byEvent,
      lastIngestMs: last === null ? undefined : Number(last),
      lastIngestPerS: this.lastRate,
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  private assertOpen(): void {
    if (this.closed) throw new TracerError('STORE_ERROR', `ringtrace: the store ${this.path} is closed`)
  }
}

/** Opens (or creates) the store at `path` (':memory:' for one in memory). Needs Node ≥ 22.13. */
export async function openStore(path: string): Promise<Store> {
  if (typeof path !== 'string' || path === '') throw new TracerError('INVALID_OPTION', `ringtrace: openStore(path) takes a file path or ':memory:', got ${describeValue(path)}`)
  const { DatabaseSync } = sqlite()
  let db: DatabaseSync
  try {
    db = new DatabaseSync(path)
  } catch (error) {
    throw new TracerError('STORE_ERROR', `ringtrace: ${path} cannot be opened as a store: ${(error as Error).message}`, { cause: error })
  }
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON')
    db.exec(SCHEMA_SQL)
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()
    if (row === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION))
    else if (Number(row.value) !== SCHEMA_VERSION) {
      throw new TracerError('STORE_ERROR', `ringtrace: ${path} has store schema version ${String(row.value)}; this ringtrace reads version ${SCHEMA_VERSION}`)
    }
  } catch (error) {
    db.close()
    if (error instanceof TracerError) throw error
    throw new TracerError('STORE_ERROR', `ringtrace: ${path} is not a ringtrace store: ${(error as Error).message}`, { cause: error })
  }
  return new Store(path, db)
}
