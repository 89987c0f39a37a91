// Reads a .rtrc file that is still being written, as TraceReader reads a finished one, and goes
// on as chunks arrive until told to stop. When the file starts over, decoding starts over too.

import { ChunkDecoder, type ChunkDecoderOptions } from './chunk-decoder.js'
import type { EventSchema } from './event-schema.js'
import type { TraceFileInfo } from './file-metadata.js'
import { FollowingChunkSource, type FileRestart, type FollowOptions } from './following-chunk-source.js'
import { TraceDamage } from './trace-file-error.js'
import type { TraceEvent, TraceItem } from './trace-items.js'

export type { FileRestart } from './following-chunk-source.js'

export class TraceFollower {
  private decoder: ChunkDecoder

  constructor(private readonly path: string, private readonly options: FollowOptions & ChunkDecoderOptions) {
    this.decoder = new ChunkDecoder(options)
  }

  /** From the FILE chunk of the trace being read, once it has been read. */
  get file(): TraceFileInfo | undefined {
    return this.decoder.file
  }

  /** As TraceReader#schemaOf, for the batch being consumed. */
  schemaOf(event: TraceEvent): EventSchema | undefined {
    return this.decoder.schemaOf(event)
  }

  /**
   * Batches as their chunks are written, and a FileRestart where the file started over (the
   * batches after it come from the new trace). Ends once the signal aborts; at damage it yields
   * what precedes it, then throws a TraceFileError.
   */
  async *batches(): AsyncGenerator<TraceItem[] | FileRestart, void, undefined> {
    const source = await FollowingChunkSource.open(this.path, this.options)
    try {
      for (;;) {
        let next
        try {
          next = await source.next()
        } catch (error) {
          throw error instanceof TraceDamage ? this.decoder.fileError(error) : error
        }
        if (next === undefined) return
        if (typeof next === 'string') {
          this.decoder = new ChunkDecoder(this.options)
          yield next
        } else {
          yield* this.decoder.batches(next)
        }
      }
    } finally {
      await source.close()
    }
  }
}
