// Loading a .rtrc file into the store. A file is known by its header (provider, pid, host and the
// clock mapping of the tracer that wrote it), not its path, so the same trace copied elsewhere is
// the same file. Events and spans are keyed by (file, stream, sequence) and (file, span id), and
// inserted with INSERT OR IGNORE in transactions of BATCH rows: ingesting a file again adds
// nothing, and an ingest cut short (a crash, a kill) resumes by ingesting the file again, the
// rows it had committed ignored. A damaged file is ingested up to the damage, which the file's
// row records.
//
// Span records become one `spans` row per span (Start and Stop paired by activity id, in bounded
// memory: what is open at a time); a Start without a Stop is a row with no end. Loss records add
// to the file's `lost` count.

import { statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { SpanPairing } from '../analysis/span-pairing.js'
import { isSpanStart, isSpanStop, spanAttributes, textField, ZERO_ID } from '../analysis/span-events.js'
import { fieldsJson } from '../exporters/field-json.js'
import { CORRELATION_FIELD, MESSAGE_FIELD } from '../format/log-lines.js'
import { TracerError } from '../errors.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { TraceReader } from '../reader/trace-reader.js'
import type { TraceEvent } from '../reader/trace-items.js'
import type { DatabaseSync, StatementSync } from './sqlite.js'
import { hexOfGuid } from './trace-ids.js'

/** Rows per transaction: large enough that commits cost little, small enough that an interrupted ingest loses little. */
const BATCH = 20_000

export interface IngestResult {
  path: string
  /** The file's row. */
  fileId: number
  /** Events and spans read from the file. */
  events: number
  spans: number
  /** Rows that were new (a second ingest of the same file adds 0). */
  added: number
  /** Where the file is damaged, when it is; the rows before it were ingested. */
  damage: string | undefined
  ms: number
}

const threadText = (event: TraceEvent): string => event.thread.name === '' ? String(event.thread.id) : event.thread.name

class Inserts {
  readonly event: StatementSync
  readonly span: StatementSync
  constructor(db: DatabaseSync) {
    this.event = db.prepare(`INSERT OR IGNORE INTO events
      (file_id, stream, seq, time_ns, name, level, keyword, opcode, thread, trace_id, span_id, correlation_id, message, fields)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.span = db.prepare(`INSERT OR IGNORE INTO spans
      (file_id, span_id, parent_span_id, trace_id, name, start_ns, end_ns, duration_ns, status, error_type, error_message, thread, attributes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  }
}

export async function ingestFile(db: DatabaseSync, path: string): Promise<IngestResult> {
  const started = performance.now()
  const bytes = statSync(path).size
  const reader = new TraceReader(path)
  const inserts = new Inserts(db)
  let fileId = -1
  let events = 0
  let spans = 0
  let lost = 0
  let added = 0
  let inBatch = 0
  let damage: string | undefined
  const begin = () => { db.exec('BEGIN'); inBatch = 0 }
  const commit = () => db.exec('COMMIT')
  const count = (result: { changes: number | bigint }) => { added += Number(result.changes); inBatch++ }
  const pairing = new SpanPairing<TraceEvent>({
    paired: (start, stop) => {
      spans++
      const activity = hexOfGuid(textField(start.fields, 'activityId'))
      const parent = textField(start.fields, 'parentId')
      const status = stop === undefined ? 0 : Number(stop.fields.status ?? 0)
      count(inserts.span.run(fileId, activity.slice(0, 16), parent === ZERO_ID || parent === '' ? null : hexOfGuid(parent).slice(0, 16),
        hexOfGuid(textField(start.fields, 'traceId')), start.name, start.timestampNs, stop?.timestampNs ?? null,
        stop === undefined ? null : stop.timestampNs - start.timestampNs, status,
        stop === undefined ? null : textField(stop.fields, 'errorType') || null, stop === undefined ? null : textField(stop.fields, 'errorMessage') || null,
        threadText(start), `{${fieldsJson(spanAttributes(start.fields), undefined)}}`))
    },
    unmatchedStop: () => {},
    duplicateStart: () => {},
  })
  begin()
  try {
    for await (const batch of reader.batches()) {
      if (fileId < 0) fileId = fileRow(db, path, bytes, reader)
      for (const item of batch) {
        if (item.kind === 'lost') {
          lost += item.count
          continue
        }
        if (isSpanStart(item)) {
          pairing.start(item)
          continue
        }
        if (isSpanStop(item)) {
          pairing.stop(item)
          continue
        }
        events++
        const schema = reader.schemaOf(item)
        const message = schema?.log !== undefined && typeof item.fields[MESSAGE_FIELD] === 'string' ? item.fields[MESSAGE_FIELD] as string : null
        const correlation = item.fields[CORRELATION_FIELD]
        count(inserts.event.run(fileId, item.stream, item.seq, item.timestampNs, item.name, item.level, BigInt.asIntN(64, item.keyword), item.opcode,
          threadText(item), item.traceId ?? null, item.spanId ?? null, typeof correlation === 'string' ? correlation : null, message,
          `{${fieldsJson(item.fields, undefined)}}`))
      }
      if (inBatch >= BATCH) {
        commit()
        begin()
      }
    }
  } catch (error) {
    if (!(error instanceof TraceFileError)) {
      db.exec('ROLLBACK')
      throw error
    }
    damage = error.message
  }
  // Damaged before its first batch of events: the file's row still says what was read.
  if (fileId < 0 && reader.file !== undefined) fileId = fileRow(db, path, bytes, reader)
  if (fileId < 0) {
    db.exec('ROLLBACK')
    throw new TracerError('STORE_ERROR', `ringtrace: ${path} cannot be ingested: ${damage?.replace(/^ringtrace: /, '') ?? 'it holds no trace'}`)
  }
  pairing.finish()
  db.prepare(`UPDATE files SET complete = ?, damage = ?, last_ingest_ms = ?, bytes = ?,
    events = (SELECT count(*) FROM events WHERE file_id = ?), spans = (SELECT count(*) FROM spans WHERE file_id = ?), lost = ? WHERE id = ?`)
    .run(damage === undefined ? 1 : 0, damage ?? null, Date.now(), bytes, fileId, fileId, lost, fileId)
  commit()
  return { path, fileId, events, spans, added, damage, ms: performance.now() - started }
}

/** The file's row: found by its header's fingerprint, else made. */
function fileRow(db: DatabaseSync, path: string, bytes: number, reader: TraceReader): number {
  const info = reader.file
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([info?.provider, info?.pid, info?.hostname, String(info?.monoNs), String(info?.wallNs)])).digest('hex')
  const known = db.prepare('SELECT id FROM files WHERE fingerprint = ?').get(fingerprint)
  if (known !== undefined) {
    db.prepare('UPDATE files SET path = ? WHERE id = ?').run(path, known.id as number)
    return Number(known.id)
  }
  const now = Date.now()
  const row = db.prepare(`INSERT INTO files (fingerprint, path, provider, pid, hostname, bytes, first_ingest_ms, last_ingest_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(fingerprint, path, info?.provider ?? '', info?.pid ?? null, info?.hostname ?? null, bytes, now, now)
  return Number(row.lastInsertRowid)
}
