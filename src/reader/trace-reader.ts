// Reads a .rtrc file in order: the file's chunks (chunk-source.ts) through one ChunkDecoder.
// Each EVENTS or LOSS chunk becomes one batch of items or more. On damage it yields what it
// decoded before, then throws.

import { ChunkDecoder, type ChunkDecoderOptions } from './chunk-decoder.js'
import { ChunkSource, DEFAULT_READ_BYTES, type RawChunk } from './chunk-source.js'
import type { EventSchema } from './event-schema.js'
import type { TraceFileInfo } from './file-metadata.js'
import type { StreamState } from './stream-state.js'
import { TraceDamage } from './trace-file-error.js'
import type { ReadTraceOptions, TraceEvent, TraceItem } from './trace-items.js'

export class TraceReader {
  private readonly decoder: ChunkDecoder
  private readonly readBytes: number
  /** The file as batches() reads it. */
  private source: ChunkSource | undefined

  /** `guids`: ChunkDecoderOptions.guids (the exporters take ids as bytes). */
  constructor(private readonly path: string, options: ReadTraceOptions & Pick<ChunkDecoderOptions, 'guids'> = {}) {
    this.decoder = new ChunkDecoder(options)
    this.readBytes = options.readBytes ?? DEFAULT_READ_BYTES
  }

  /** From the first FILE chunk, once it has been read. */
  get file(): TraceFileInfo | undefined {
    return this.decoder.file
  }

  /**
   * Every stream met so far, in the order announced. A stream id announced again (another
   * process appending to the file) starts a new entry.
   */
  get streams(): readonly StreamState[] {
    return this.decoder.streams
  }

  /**
   * The schema of an event from the batch being consumed (a later batch may come from a stream
   * re-announced with other schemas).
   */
  schemaOf(event: TraceEvent): EventSchema | undefined {
    return this.decoder.schemaOf(event)
  }

  get eventsRead(): number {
    return this.decoder.eventsRead
  }

  /** Bytes of the file batches() has taken: the end of the last whole chunk read (for progress). */
  get bytesRead(): number {
    return this.source?.nextOffset ?? 0
  }

  async *batches(): AsyncGenerator<TraceItem[], void, undefined> {
    const source = await ChunkSource.open(this.path, this.readBytes)
    this.source = source
    try {
      for (;;) {
        const chunk = await this.next(source)
        if (chunk === undefined) {
          if (this.decoder.file === undefined) throw this.decoder.fileError(new TraceDamage('TRUNCATED', 0, 'empty file'))
          return
        }
        yield* this.decoder.batches(chunk)
      }
    } finally {
      await source.close()
    }
  }

  private async next(source: ChunkSource): Promise<RawChunk | undefined> {
    try {
      return await source.next()
    } catch (error) {
      throw error instanceof TraceDamage ? this.decoder.fileError(error) : error
    }
  }
}
