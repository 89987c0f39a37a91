// `ringtrace ingest <file...> --db <path>` and `ringtrace query <db|file> [filters] [--json]`:
// the event store from the command line (docs/store.md). Querying a trace file ingests it into a
// database beside it (`<file>.db`, reused and kept up to date by the next query) or, where that
// directory cannot be written, into one in the system's temporary directory.

import { accessSync, constants, openSync, readSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { TracerError } from '../errors.js'
import { CHUNK_HEADER_BYTES, FILE_MAGIC } from '../format/file-layout.js'
import { Level } from '../schema/levels.js'
import type { CompareOp } from '../store/conditions.js'
import { openStore, type Store } from '../store/store.js'
import type { StoredEvent } from '../store/event-query.js'
import type { Command, ParsedArgs } from './command.js'
import { isoTime } from './ndjson-line.js'
import { TextOutput } from './text-output.js'
import { UsageError } from './usage-error.js'

const LEVEL_NAMES: Readonly<Record<string, number>> = {
  critical: Level.Critical, error: Level.Error, warning: Level.Warning, warn: Level.Warning, info: Level.Info, verbose: Level.Verbose,
}
const LEVEL_LABELS = ['ALWAYS', 'CRIT', 'ERROR', 'WARN', 'INFO', 'VERB']
const DEFAULT_LIMIT = 100

/** A store error as the CLI reports it: the message, exit code 1. */
async function withStore<T>(path: string, io: { stderr: NodeJS.WritableStream }, work: (store: Store) => Promise<T>): Promise<T | number> {
  let store: Store | undefined
  try {
    store = await openStore(path)
    return await work(store)
  } catch (error) {
    if (!(error instanceof TracerError)) throw error
    // A bad filter is a mistake in the command line.
    if (error.code === 'INVALID_OPTION') throw new UsageError(error.message.replace(/^ringtrace: /, ''))
    io.stderr.write(`${error.message}\n`)
    return 1
  } finally {
    store?.close()
  }
}

export const ingestCommand: Command = {
  name: 'ingest',
  synopsis: 'ingest <file...> --db <path>                       load trace files into an event store (SQLite)',
  help: `Usage: ringtrace ingest <file...> --db <path>

Loads trace files into the event store at <path> (created if missing): events, log lines,
spans and loss counts. A file ingested again adds nothing; an ingest cut short resumes when run
again. Needs Node 22.13 or later (node:sqlite). See docs/store.md.

Options:
  --db <path>   the store's database file (required)
  -h, --help    show this help
`,
  options: { db: { type: 'string' } },

  async run(args, io) {
    const db = args.values.db
    if (typeof db !== 'string' || db === '') throw new UsageError('--db <path> is required')
    if (args.positionals.length === 0) throw new UsageError('missing <file>')
    const out = new TextOutput(io.stdout)
    const code = await withStore(db, io, async (store) => {
      for (const file of args.positionals) {
        const [result] = await store.ingest(file)
        out.add(`${file}: ${result!.events} events, ${result!.spans} spans, ${result!.added} new rows in ${Math.round(result!.ms)} ms${result!.damage === undefined ? '' : ` (damaged: ${result!.damage})`}\n`)
      }
      return 0
    })
    await out.flush()
    return code
  },
}

export const queryCommand: Command = {
  name: 'query',
  synopsis: 'query <db|file> [--event] [--level] [--since] ...   events from an event store or a trace file',
  help: `Usage: ringtrace query <db|file> [options]

Prints the events and log lines that match, oldest first. <file> may be a store (made by
'ringtrace ingest') or a trace file, which is then ingested into <file>.db beside it (or into
the temporary directory) first. Needs Node 22.13 or later (node:sqlite).

Options:
  --event <name>        events of this name (or a logger's name, default 'log'); repeatable
  --level <level>       this severity or worse: critical, error, warning, info, verbose, or 1-5
  --since <duration>    the last '30s', '15m', '1h', '2d'
  --until <time>        up to an ISO 8601 time
  --trace <id>          one trace (32 hex digits, or a GUID)
  --correlation <id>    one withCorrelation() id
  --search <text>       text in the name, message or fields
  --where <predicate>   a field test: 'status>=500', 'route=/users', 'msg~timeout' (~: contains); repeatable
  --limit <n>           at most n rows (default ${DEFAULT_LIMIT}; 0: all)
  --desc                newest first
  --json                a JSON array of the rows (64-bit integers as decimal strings)
  -h, --help            show this help
`,
  options: {
    event: { type: 'string', multiple: true },
    level: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    trace: { type: 'string' },
    correlation: { type: 'string' },
    search: { type: 'string' },
    where: { type: 'string', multiple: true },
    limit: { type: 'string' },
    desc: { type: 'boolean' },
    json: { type: 'boolean' },
  },

  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing <db|file>' : 'expected one <db|file>')
    const source = args.positionals[0]!
    const trace = isTraceFile(source)
    const db = trace ? cacheDatabase(source) : source
    const out = new TextOutput(io.stdout)
    const code = await withStore(db, io, async (store) => {
      if (trace) await store.ingest(source)
      const rows = buildQuery(store, args).all()
      out.add(args.values.json === true ? rowsJson(rows) : rows.map(rowText).join(''))
      return 0
    })
    await out.flush()
    return code
  },
}

function buildQuery(store: Store, args: ParsedArgs) {
  const v = args.values
  const query = store.query()
  if (Array.isArray(v.event)) query.event(...v.event)
  if (typeof v.level === 'string') {
    const level = LEVEL_NAMES[v.level.toLowerCase()] ?? (/^[1-5]$/.test(v.level) ? Number(v.level) : undefined)
    if (level === undefined) throw new UsageError(`--level must be critical, error, warning, info, verbose or 1-5, got ${JSON.stringify(v.level)}`)
    query.level('>=', level)
  }
  if (typeof v.since === 'string') query.timeRange({ since: v.since })
  if (typeof v.until === 'string') {
    const until = new Date(v.until)
    if (!Number.isFinite(until.getTime())) throw new UsageError(`--until must be an ISO 8601 time, got ${JSON.stringify(v.until)}`)
    query.timeRange({ to: until })
  }
  if (typeof v.trace === 'string') query.trace(v.trace)
  if (typeof v.correlation === 'string') query.correlation(v.correlation)
  if (typeof v.search === 'string') query.search(v.search)
  for (const predicate of Array.isArray(v.where) ? v.where : []) {
    const match = /^([^<>=!~]+)(>=|<=|!=|=|>|<|~)(.*)$/s.exec(predicate)
    if (match === null) throw new UsageError(`--where takes field, operator and value, such as 'status>=500', got ${JSON.stringify(predicate)}`)
    const [, field, op, text] = match
    const numeric = text !== '' && Number.isFinite(Number(text))
    query.where(field!.trim(), (op === '~' ? 'contains' : op) as CompareOp, numeric && op !== '~' ? Number(text) : text!)
  }
  const limit = typeof v.limit === 'string' ? Number(v.limit) : DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number, got ${JSON.stringify(v.limit)}`)
  if (limit > 0) query.limit(limit)
  if (v.desc === true) query.orderBy('time', 'desc')
  return query
}

function rowText(row: StoredEvent): string {
  const level = LEVEL_LABELS[row.level] ?? String(row.level)
  const { msg: _msg, ...fields } = row.fields
  const fieldText = Object.entries(fields).map(([k, value]) => ` ${k}=${JSON.stringify(value)}`).join('')
  return `${isoTime(row.time)} ${level.padEnd(5)} ${row.name}${row.message === undefined ? '' : `: ${row.message}`}${fieldText}${row.traceId === undefined ? '' : ` trace=${row.traceId}`}\n`
}

function rowsJson(rows: StoredEvent[]): string {
  return `${JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2)}\n`
}

/** A ringtrace trace file, by the magic of its first chunk, the FILE chunk (anything else is taken for a store). */
function isTraceFile(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return false
  }
  try {
    const head = Buffer.alloc(FILE_MAGIC.length)
    return readSync(fd, head, 0, head.length, CHUNK_HEADER_BYTES) === head.length && head.equals(Buffer.from(FILE_MAGIC))
  } finally {
    closeSync(fd)
  }
}

function cacheDatabase(trace: string): string {
  const beside = `${resolve(trace)}.db`
  try {
    accessSync(dirname(beside), constants.W_OK)
    return beside
  } catch {
    return join(tmpdir(), `ringtrace-${basename(trace)}-${process.getuid?.() ?? 0}.db`)
  }
}
