// Log records grouped into Loki streams, in time order per stream, never older than what a
// stream was last sent.
//
// Loki rejects an entry older than the newest one it has for the stream: with unordered_writes
// off as "entry out of order", with it on (the default) when older than that newest entry minus
// max_chunk_age / 2 (one hour by default) as "too far behind". Both are 400s for the entries, so
// ordering is ours to keep:
// - within a batch, each stream's entries are sorted by time (a stable sort: records of the same
//   nanosecond keep their order);
// - across batches, each stream keeps a watermark, the newest time it was sent. An entry older
//   than its stream's watermark is sent at the watermark's time (+0 ns: Loki accepts equal
//   times), its real time kept in the line as "ts", and is counted in `reordered`. Late entries
//   happen when a thread's chunk reaches the export worker after newer chunks of another thread.
//   The real time goes into the line rather than into structured metadata because Loki drops an
//   entry whose time and line equal the stream's last entry: with "ts" the line differs.
//
// The watermarks are bounded: at most `maxWatermarks` streams (default 10 000) are remembered,
// the least recently sent forgotten first (a Map in recency order). A forgotten stream's next
// entries are taken as they come, so only a stream idle while 10 000 others were sent, whose next
// entry is also late, can still be refused. Label sets are few by design (loki-labels.ts), so the
// bound is for fieldLabels with many values.
//
// A batch updates the watermarks when it is built, before it is sent: batches must reach Loki in
// the order they were built (one request at a time; retries before the next batch), and a batch
// that is dropped only makes later entries move forward more than needed.

import type { ExportLog, ExportResource } from '../model.js'
import { LokiLabeler, type LokiLabel, type LokiLabelConfig } from './loki-labels.js'
import { LokiLineWriter, type LokiLineConfig } from './loki-line.js'

export interface LokiEntry {
  /** Nanoseconds since the Unix epoch, as sent (the watermark's time for a late entry). */
  readonly timeNs: bigint
  readonly line: string
  readonly metadata: readonly LokiLabel[]
}

export interface LokiStream {
  /** The label text, `{a="x", b="y"}` (names in order), as the protobuf push carries it. */
  readonly labelText: string
  readonly labels: readonly LokiLabel[]
  /** In time order. */
  readonly entries: readonly LokiEntry[]
}

export interface LokiBatch {
  readonly streams: readonly LokiStream[]
  readonly entries: number
  /** Entries of this batch sent at their stream's watermark instead of their own, older time. */
  readonly reordered: number
}

export interface LokiStreamStats {
  /** Entries sent at their stream's watermark, since this was created. */
  reordered: number
  /** Streams whose watermark was forgotten to keep at most maxWatermarks. */
  watermarksEvicted: number
  /** Label values cut to Loki's 2048-byte limit. */
  labelValuesTruncated: number
}

export const DEFAULT_MAX_WATERMARKS = 10_000

interface PendingStream {
  readonly labelText: string
  readonly labels: readonly LokiLabel[]
  readonly records: ExportLog[]
}

export class LokiStreams {
  private readonly labeler: LokiLabeler
  private readonly lines: LokiLineWriter
  /** Newest time sent per stream (label text), least recently sent first. */
  private readonly watermarks = new Map<string, bigint>()
  private reordered = 0
  private watermarksEvicted = 0

  constructor(config: LokiLabelConfig & LokiLineConfig, resource: ExportResource, private readonly maxWatermarks = DEFAULT_MAX_WATERMARKS) {
    if (!Number.isInteger(maxWatermarks) || maxWatermarks < 1) throw new RangeError(`maxWatermarks must be a positive integer, got ${maxWatermarks}`)
    this.labeler = new LokiLabeler(config, resource)
    this.lines = new LokiLineWriter(config)
  }

  /** The streams of one batch of records, ready to encode. Call in send order (see above). */
  batch(records: readonly ExportLog[]): LokiBatch {
    const pending = new Map<string, PendingStream>()
    for (const record of records) {
      const set = this.labeler.labelsOf(record)
      let stream = pending.get(set.text)
      if (stream === undefined) {
        stream = { labelText: set.text, labels: set.labels, records: [] }
        pending.set(set.text, stream)
      }
      stream.records.push(record)
    }
    const streams: LokiStream[] = []
    let reordered = 0
    for (const stream of pending.values()) {
      stream.records.sort(byTime)
      let watermark = this.watermarks.get(stream.labelText)
      const entries: LokiEntry[] = []
      for (const record of stream.records) {
        const late = watermark !== undefined && record.timeNs < watermark
        if (late) reordered++
        const timeNs = late ? watermark! : record.timeNs
        watermark = timeNs
        entries.push({ timeNs, line: this.lines.lineOf(record, late), metadata: this.lines.metadataOf(record) })
      }
      this.remember(stream.labelText, watermark!)
      streams.push({ labelText: stream.labelText, labels: stream.labels, entries })
    }
    this.reordered += reordered
    return { streams, entries: records.length, reordered }
  }

  stats(): LokiStreamStats {
    return { reordered: this.reordered, watermarksEvicted: this.watermarksEvicted, labelValuesTruncated: this.labeler.truncatedValues }
  }

  private remember(key: string, watermark: bigint): void {
    // Deleting first moves the key to the end of the Map's order: the most recently sent.
    this.watermarks.delete(key)
    this.watermarks.set(key, watermark)
    if (this.watermarks.size > this.maxWatermarks) {
      this.watermarks.delete(this.watermarks.keys().next().value!)
      this.watermarksEvicted++
    }
  }
}

function byTime(a: ExportLog, b: ExportLog): number {
  return a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0
}
