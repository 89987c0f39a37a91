// node:sqlite, loaded when a store is opened (never by `require('ringtrace')`), with one clear
// error on a Node that lacks it: it is there without a flag from Node 22.13 (and 23.4). The
// types are the part the store uses, declared here: the project builds against Node 20's types.

import { TracerError } from '../errors.js'

export type SqlValue = null | number | bigint | string | Uint8Array

export interface StatementSync {
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  all(...params: SqlValue[]): Record<string, SqlValue>[]
  get(...params: SqlValue[]): Record<string, SqlValue> | undefined
  /** INTEGER columns as bigints (times in ns pass 2^53). */
  setReadBigInts(enabled: boolean): void
}

export interface DatabaseSync {
  exec(sql: string): void
  prepare(sql: string): StatementSync
  close(): void
}

interface SqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => DatabaseSync
}

let loaded: SqliteModule | undefined

export function sqlite(): SqliteModule {
  if (loaded !== undefined) return loaded
  try {
    // Not an import: a tracing app never loads it, and Node 20 has no such module to resolve.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('node:sqlite') as SqliteModule
  } catch (error) {
    throw new TracerError('STORE_UNAVAILABLE',
      `ringtrace: the event store needs node:sqlite, which Node has without a flag from 22.13 and 23.4; this is Node ${process.version}`, { cause: error })
  }
  return loaded
}
