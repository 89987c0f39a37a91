// The chunks of a trace file that is still being written, as they come. Where a file reader
// ends (at the end of the file, or inside a chunk: the OS may show a write half done), this one
// waits and looks again. A new tracer that truncates the file, or a new file put in its place,
// starts the trace over; the caller hears of it and decodes afresh. Other damage is thrown, as
// by ChunkSource.

import { open, stat, type FileHandle } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { CHUNK_HEADER_BYTES } from '../format/file-layout.js'
import { ChunkSource, DEFAULT_READ_BYTES, isPartial, type PartialChunk, type RawChunk } from './chunk-source.js'
import { TraceDamage } from './trace-file-error.js'

/** Why the trace starts over: the file was cut back (a new tracer truncated it), or the path now names another file. */
export type FileRestart = 'truncated' | 'replaced'

export interface FollowOptions {
  /** Ends the following: `next()` resolves to undefined from then on. */
  readonly signal: AbortSignal
  /** How long to wait before looking at the file again (default DEFAULT_POLL_MS). */
  readonly pollMs?: number
  /** As ReadTraceOptions#readBytes. */
  readonly readBytes?: number
}

/** Often enough for a person watching; a look at an idle file costs four system calls. */
export const DEFAULT_POLL_MS = 200

export class FollowingChunkSource {
  private source: ChunkSource
  /** The header of the FILE chunk read, whose CRC covers the clock mapping: another trace's differs. */
  private firstHeader: Buffer | undefined = undefined
  /** The source waited for the file to grow since the last restart check. */
  private waited = false

  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private readonly options: FollowOptions,
  ) {
    this.source = this.sourceOf(handle)
  }

  /** Follows the file at `path` from its start. */
  static async open(path: string, options: FollowOptions): Promise<FollowingChunkSource> {
    return new FollowingChunkSource(path, await open(path, 'r'), options)
  }

  close(): Promise<void> {
    return this.source.close()
  }

  /**
   * The next chunk, once it is written whole; a FileRestart when the file starts over (the next
   * chunk is then the new trace's first); undefined once the signal has aborted.
   */
  async next(): Promise<RawChunk | FileRestart | undefined> {
    for (;;) {
      if (this.options.signal.aborted) return undefined
      let chunk: RawChunk | PartialChunk | TraceDamage
      try {
        chunk = await this.source.nextOrPartial()
      } catch (error) {
        if (!(error instanceof TraceDamage)) throw error
        chunk = error
      }
      // Bytes read after a wait, or bytes that make no sense, may be a new trace's, read on from
      // where the old one ended: a new trace starts with its own FILE chunk, so checking the
      // file's first header after the read cannot miss one written before it.
      if (this.waited || chunk instanceof TraceDamage) {
        this.waited = false
        const restart = await this.restart()
        if (restart !== undefined) return restart
      }
      if (chunk instanceof TraceDamage) throw chunk
      if (!isPartial(chunk)) {
        if (chunk.offset === 0) this.firstHeader = Buffer.from(chunk.bytes.subarray(chunk.start - CHUNK_HEADER_BYTES, chunk.start))
        return chunk
      }
      // Read again after the wait: the writer may cut a torn chunk off and write it anew.
      this.source.dropPartial()
      await this.wait()
      this.waited = true
    }
  }

  private async wait(): Promise<void> {
    try {
      await sleep(this.options.pollMs ?? DEFAULT_POLL_MS, undefined, { signal: this.options.signal })
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error
    }
  }

  /** When the file is no longer the trace being read: reopens it at offset 0 and says why. */
  private async restart(): Promise<FileRestart | undefined> {
    const why = await this.restartReason()
    if (why === undefined) return undefined
    const handle = await open(this.path, 'r')
    await this.source.close()
    this.handle = handle
    this.source = this.sourceOf(handle)
    this.firstHeader = undefined
    return why
  }

  private sourceOf(handle: FileHandle): ChunkSource {
    return new ChunkSource(handle, this.options.readBytes ?? DEFAULT_READ_BYTES)
  }

  private async restartReason(): Promise<FileRestart | undefined> {
    const [reading, named] = await Promise.all([this.handle.stat(), stat(this.path).catch(ignoreMissing)])
    // A file removed and not (yet) replaced is read on: its writer may still be appending to it.
    if (named !== undefined && (named.ino !== reading.ino || named.dev !== reading.dev)) return 'replaced'
    if (reading.size < this.source.nextOffset) return 'truncated'
    if (this.firstHeader === undefined) return undefined
    const header = Buffer.alloc(CHUNK_HEADER_BYTES)
    const { bytesRead } = await this.handle.read(header, 0, CHUNK_HEADER_BYTES, 0)
    return bytesRead < CHUNK_HEADER_BYTES || !header.equals(this.firstHeader) ? 'truncated' : undefined
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code !== 'ENOENT') throw error
  return undefined
}
