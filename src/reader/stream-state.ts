// What the reader knows about one stream (one ring, one thread's tracer): its thread, its
// schemas, where its clock starts, and the counters that check its sequence and accounting.

import type { EventSchema } from './event-schema.js'
import type { TraceThread } from './trace-items.js'

/** The producer's final counters, from the stream's END chunk. */
export interface StreamEnd {
  readonly written: number
  readonly ringFull: number
  readonly invalid: number
}

/** One exporter's counters at close, from the stream's EXPORT chunk (docs/FORMAT.md section 3). */
export interface StreamExporter {
  readonly handedOver: number
  readonly exported: number
  readonly failed: number
  readonly dropped: number
  readonly retried: number
  readonly pending: number
  readonly lastError: { readonly status?: number; readonly message: string; readonly at: number } | null
}

/** What the stream's live export did, from its EXPORT chunk. */
export interface StreamExport {
  /** Events the live stream dropped because the export worker fell behind (still in this file). */
  readonly liveDropped: number
  /** Span ends whose start the export worker never saw (its chunk dropped, or traced before export began). */
  readonly unmatchedStops: number
  readonly exporters: Readonly<Record<string, StreamExporter>>
}

export class StreamState {
  /**
   * Indexed by event id; grows as SCHEMA chunks come. Not preallocated to MAX_EVENTS: a file of
   * many small STREAM chunks would otherwise cost 32 KiB of memory per 80 bytes of file.
   */
  readonly schemas: (EventSchema | undefined)[] = []
  /** Epoch time of the stream's timestamp 0, in ns and in ms. */
  readonly originNs: bigint
  readonly originMs: number
  /** Sequence number the next event record must carry (mod 2^32). */
  nextSeq = 0
  /** Events announced by LOSS chunks (any reason) that no sequence gap has accounted for yet. */
  unmatchedOverwritten = 0
  delivered = 0
  lostRingFull = 0
  lostInvalid = 0
  lostOverwritten = 0
  lostUnwritten = 0
  end: StreamEnd | undefined = undefined
  exported: StreamExport | undefined = undefined
  /** Events skipped by sequence gaps the stream accepts (acceptsGaps). */
  skipped = 0

  constructor(
    readonly stream: number,
    readonly thread: TraceThread,
    originNs: bigint,
    /** ChunkDecoderOptions.acceptSequenceGaps. */
    readonly acceptsGaps = false,
  ) {
    this.originNs = originNs
    this.originMs = Number(originNs) / 1e6
  }
}
