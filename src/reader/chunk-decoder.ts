// Decodes a trace's chunks in order (docs/FORMAT.md section 3), keeping what later chunks need:
// the clock mapping, the streams and their schemas. Synchronous and blind to where chunks come
// from: the file reader feeds it the chunks of a file (ChunkSource), the export worker chunks
// that arrive in memory (chunksIn), so both decode with the same code.

import { FILE_MAGIC, FORMAT_VERSION, ChunkType, LOSS_REASON_OVERWRITTEN, LOSS_REASON_UNWRITTEN } from '../format/file-layout.js'
import type { RawChunk } from './chunk-framing.js'
import { compileSchema, type EventSchema, type GuidDecoding } from './event-schema.js'
import { decodeEvents, firstRecord, isCount } from './events-chunk.js'
import { exportInfo, fileInfo, isU32, streamInfo, type TraceFileInfo } from './file-metadata.js'
import { RecordCursor } from './record-cursor.js'
import { StreamState } from './stream-state.js'
import { TraceDamage, TraceFileError } from './trace-file-error.js'
import type { ReadTraceOptions, TraceEvent, TraceItem } from './trace-items.js'

const FILE_HEADER_BYTES = 16
const LOSS_BYTES = 16
const END_BYTES = 32

/**
 * Items per batch. An EVENTS chunk can hold a whole ring (64K+ events): decoded in one go, its
 * events would outlive young-generation collections and get promoted. Small batches die young;
 * with 1024 the reader decodes about twice as fast as with whole 1 MiB chunks.
 */
export const BATCH_ITEMS = 1024

/** An EVENTS chunk still being decoded: its bytes must stay valid until it is done. */
interface EventsInProgress {
  readonly chunk: RawChunk
  readonly state: StreamState
  at: number
}

export interface ChunkDecoderOptions extends Pick<ReadTraceOptions, 'decodeFields'> {
  /**
   * Take a sequence gap no LOSS chunk explains as events missing, not as damage: the live
   * stream drops whole EVENTS chunks when its consumer falls behind (and counts them itself), and
   * one attached after a tracer started begins past seq 0. A file never needs this.
   */
  acceptSequenceGaps?: boolean
  /**
   * How guid fields decode: 'text' (default), the registry form every reader gives, or 'bytes',
   * a 16-byte Uint8Array of the stored bytes each. The export worker sends ids as bytes: text
   * made only to be parsed back cost it a fifth of its time.
   */
  guids?: GuidDecoding
}

export class ChunkDecoder {
  private info: TraceFileInfo | undefined = undefined
  private readonly all: StreamState[] = []
  private readonly current = new Map<number, StreamState>()
  private readonly cursor = new RecordCursor()
  private inProgress: EventsInProgress | undefined = undefined
  private readonly decodeFields: boolean
  private readonly acceptSequenceGaps: boolean
  private readonly guids: GuidDecoding

  constructor(options: ChunkDecoderOptions = {}) {
    this.decodeFields = options.decodeFields ?? true
    this.acceptSequenceGaps = options.acceptSequenceGaps ?? false
    this.guids = options.guids ?? 'text'
  }

  /** From the first FILE chunk, once it has been decoded. */
  get file(): TraceFileInfo | undefined {
    return this.info
  }

  /**
   * Every stream met so far, in the order announced. A stream id announced again (another
   * process appending to the file) starts a new entry.
   */
  get streams(): readonly StreamState[] {
    return this.all
  }

  /**
   * The schema of an event from the batch being consumed (a later batch may come from a stream
   * re-announced with other schemas).
   */
  schemaOf(event: TraceEvent): EventSchema | undefined {
    return this.current.get(event.stream)?.schemas[event.eventId]
  }

  /** Events decoded so far. */
  get eventsRead(): number {
    let total = 0
    for (const state of this.all) total += state.delivered
    return total
  }

  /** An EVENTS chunk is not decoded to its end yet: call continue() before the next take(). */
  get hasMore(): boolean {
    return this.inProgress !== undefined
  }

  /**
   * Decodes the next chunk into `out`: the item of a LOSS chunk, or up to BATCH_ITEMS items of
   * an EVENTS chunk (then `hasMore` tells whether more follow: the chunk's bytes must stay as
   * they are until it is false). On damage it throws the TraceFileError a reader throws there,
   * `out` holding the items decoded before it.
   */
  take(chunk: RawChunk, out: TraceItem[]): void {
    if (this.inProgress !== undefined) throw new Error('ringtrace: ChunkDecoder#take() before the EVENTS chunk in progress was finished')
    try {
      this.takeChunk(chunk, out)
    } catch (error) {
      throw this.failed(error)
    }
  }

  /** Decodes up to BATCH_ITEMS more items of the EVENTS chunk in progress into `out`. */
  continue(out: TraceItem[]): void {
    try {
      this.continueEvents(out)
    } catch (error) {
      throw this.failed(error)
    }
  }

  /**
   * The items of one chunk, in batches of up to BATCH_ITEMS (none for a chunk of metadata). On
   * damage it yields what it decoded before, then throws a TraceFileError.
   */
  *batches(chunk: RawChunk): Generator<TraceItem[], void, undefined> {
    let first = true
    do {
      const batch: TraceItem[] = []
      let failure: TraceFileError | undefined
      try {
        if (first) this.take(chunk, batch)
        else this.continue(batch)
      } catch (error) {
        if (!(error instanceof TraceFileError)) throw error
        failure = error
      }
      first = false
      if (batch.length > 0) yield batch
      if (failure !== undefined) throw failure
    } while (this.hasMore)
  }

  /**
   * The TraceFileError for damage found outside the decoder (by ChunkSource or chunksIn),
   * counting the events decoded before it.
   */
  fileError(damage: TraceDamage): TraceFileError {
    return new TraceFileError(damage.code, damage.offset, damage.detail, this.eventsRead)
  }

  private failed(error: unknown): unknown {
    // Damage ends the chunk: nothing after it is decoded.
    this.inProgress = undefined
    return error instanceof TraceDamage ? this.fileError(error) : error
  }

  private takeChunk(chunk: RawChunk, out: TraceItem[]): void {
    switch (chunk.type) {
      case ChunkType.File: return this.takeFile(chunk)
      case ChunkType.Stream: return this.takeStream(chunk)
      case ChunkType.Schema: return this.takeSchema(chunk)
      case ChunkType.Events:
        this.inProgress = { chunk, state: this.streamOf(chunk, 8), at: firstRecord(chunk) }
        return this.continueEvents(out)
      case ChunkType.Loss: return this.takeLoss(chunk, out)
      case ChunkType.End: return this.takeEnd(chunk)
      case ChunkType.Export: return this.takeExport(chunk)
      // Unknown types are skipped: their framing was checked, and a later writer may add kinds
      // of chunk an older reader can do without.
    }
  }

  private continueEvents(out: TraceItem[]): void {
    const job = this.inProgress
    if (job === undefined) return
    // The limit counts from what `out` holds already, so every call makes progress.
    job.at = decodeEvents(job.chunk, job.state, this.cursor, job.at, out, out.length + BATCH_ITEMS)
    if (job.at >= job.chunk.start + job.chunk.length) this.inProgress = undefined
  }

  private takeFile(chunk: RawChunk): void {
    if (chunk.length < FILE_HEADER_BYTES || !chunk.bytes.subarray(chunk.start, chunk.start + 8).equals(FILE_MAGIC)) {
      throw new TraceDamage('BAD_MAGIC', chunk.offset, 'bad magic in the FILE chunk')
    }
    const version = chunk.view.getUint32(chunk.start + 8, true)
    if (version !== FORMAT_VERSION) {
      throw new TraceDamage('BAD_VERSION', chunk.offset, `version ${version}, this reader reads ${FORMAT_VERSION}`)
    }
    // A second FILE chunk comes from another thread opening the same file; the first mapping
    // stays (docs/FORMAT.md section 3).
    if (this.info !== undefined) return
    const info = fileInfo(this.json(chunk, FILE_HEADER_BYTES))
    if (typeof info === 'string') throw new TraceDamage('BAD_METADATA', chunk.offset, info)
    this.info = info
  }

  private takeStream(chunk: RawChunk): void {
    const info = streamInfo(this.json(chunk, 0), this.info!)
    if (typeof info === 'string') throw new TraceDamage('BAD_METADATA', chunk.offset, info)
    const state = new StreamState(info.stream, info.thread, info.originNs, this.acceptSequenceGaps)
    this.all.push(state)
    this.current.set(info.stream, state)
  }

  private takeSchema(chunk: RawChunk): void {
    const json = this.json(chunk, 0)
    if (!isU32(json.stream)) throw new TraceDamage('BAD_METADATA', chunk.offset, 'SCHEMA chunk without a stream')
    const state = this.current.get(json.stream)
    if (state === undefined) throw new TraceDamage('UNKNOWN_STREAM', chunk.offset, `SCHEMA for stream ${json.stream}`)
    const schema = compileSchema(json, this.decodeFields, this.guids)
    if (typeof schema === 'string') throw new TraceDamage('BAD_SCHEMA', chunk.offset, schema)
    state.schemas[schema.id] = schema
  }

  private takeLoss(chunk: RawChunk, out: TraceItem[]): void {
    this.expectLength(chunk, LOSS_BYTES, 'LOSS')
    const state = this.streamOf(chunk, LOSS_BYTES)
    const reason = chunk.view.getUint32(chunk.start + 4, true)
    const count = chunk.view.getFloat64(chunk.start + 8, true)
    if ((reason !== LOSS_REASON_OVERWRITTEN && reason !== LOSS_REASON_UNWRITTEN) || !isCount(count)) {
      throw new TraceDamage('BAD_RECORD', chunk.offset, `LOSS chunk with reason ${reason}, count ${count}`)
    }
    const overwritten = reason === LOSS_REASON_OVERWRITTEN ? count : 0
    state.lostOverwritten += overwritten
    state.lostUnwritten += count - overwritten
    state.unmatchedOverwritten += count
    out.push({
      kind: 'lost',
      stream: state.stream,
      thread: state.thread,
      count,
      ringFull: 0,
      invalid: 0,
      overwritten,
      unwritten: count - overwritten,
    })
  }

  private takeEnd(chunk: RawChunk): void {
    this.expectLength(chunk, END_BYTES, 'END')
    const state = this.streamOf(chunk, END_BYTES)
    const view = chunk.view
    const written = view.getFloat64(chunk.start + 8, true)
    const ringFull = view.getFloat64(chunk.start + 16, true)
    const invalid = view.getFloat64(chunk.start + 24, true)
    if (!isCount(written) || !isCount(ringFull) || !isCount(invalid)) {
      throw new TraceDamage('BAD_RECORD', chunk.offset, `END chunk with counts ${written}, ${ringFull}, ${invalid}`)
    }
    state.end = { written, ringFull, invalid }
  }

  private takeExport(chunk: RawChunk): void {
    const json = this.json(chunk, 0)
    const state = isU32(json.stream) ? this.current.get(json.stream) : undefined
    if (state === undefined) throw new TraceDamage('UNKNOWN_STREAM', chunk.offset, `EXPORT for stream ${String(json.stream)}`)
    const exported = exportInfo(json)
    if (typeof exported === 'string') throw new TraceDamage('BAD_METADATA', chunk.offset, exported)
    state.exported = exported
  }

  /** The stream named by the u32 at the start of the payload, which is at least `minLength` long. */
  private streamOf(chunk: RawChunk, minLength: number): StreamState {
    if (chunk.length < minLength) throw new TraceDamage('BAD_LENGTH', chunk.offset, `payload of ${chunk.length} bytes`)
    const stream = chunk.view.getUint32(chunk.start, true)
    const state = this.current.get(stream)
    if (state === undefined) throw new TraceDamage('UNKNOWN_STREAM', chunk.offset, `no STREAM chunk announced stream ${stream}`)
    return state
  }

  private expectLength(chunk: RawChunk, length: number, name: string): void {
    if (chunk.length !== length) {
      throw new TraceDamage('BAD_LENGTH', chunk.offset, `${name} payload of ${chunk.length} bytes, expected ${length}`)
    }
  }

  private json(chunk: RawChunk, skip: number): Record<string, unknown> {
    const text = chunk.bytes.toString('utf8', chunk.start + skip, chunk.start + chunk.length)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new TraceDamage('BAD_METADATA', chunk.offset, 'unreadable JSON')
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TraceDamage('BAD_METADATA', chunk.offset, 'JSON payload is not an object')
    }
    return value as Record<string, unknown>
  }
}
