// The TS backend's trace file writer. Chunks are appended with one write(2) each on an O_APPEND
// descriptor, so the tracers of several worker threads can share one file: a regular file's
// append is atomic with respect to other appenders. Within a thread, tracers that name the same
// path share one sink.
//
// Write errors (a full disk) never throw: write() says false, and the caller counts what the
// chunk carried as lost. A chunk cut short is cut off the file again (ftruncate back by the bytes
// that went out), so the next chunk starts at a chunk boundary. Chunks the file cannot do without
// (FILE, STREAM, SCHEMA, END: writeKept()) are kept and written again, before anything else,
// once the file takes writes again.

import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { TracerError } from '../errors.js'

export const DEFAULT_FILE_PERMISSIONS = 0o600

/** How a trace file is created (createTracer's filePermissions and followSymlinks). */
export interface FileAccess {
  permissions: number
  followSymlinks: boolean
}

// O_NOFOLLOW is POSIX; Node on Windows has no such flag (docs/api.md says what that means there).
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0

export class FileSink {
  private refs = 0
  private readonly kept: Uint8Array[] = []
  private failure: Error | null = null

  private constructor(readonly path: string, private fd: number) {}

  private static readonly open = new Map<string, FileSink>()
  /** Test seam: while set, every write fails with this error code and writes nothing. */
  static writeFault: string | null = null

  /** Opens or joins the sink for `path`; writes `fileChunk` when the file starts empty. */
  static acquire(path: string, truncate: boolean, fileChunk: Uint8Array, access: FileAccess): FileSink {
    const key = resolve(path)
    let sink = FileSink.open.get(key)
    if (sink === undefined) {
      let fd = -1
      try {
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND |
          (truncate ? constants.O_TRUNC : 0) | (access.followSymlinks ? 0 : NO_FOLLOW)
        fd = openSync(key, flags, access.permissions)
        sink = new FileSink(key, fd)
        if (fstatSync(fd).size === 0 && !sink.write(fileChunk)) throw sink.failure!
      } catch (cause) {
        if (fd >= 0) closeSync(fd)
        throw new TracerError('SINK_ERROR', `ringtrace: cannot open trace file ${key}: ${(cause as Error).message}`, { cause })
      }
      FileSink.open.set(key, sink)
    }
    sink.refs++
    return sink
  }

  /** Appends one chunk whole, after any kept chunk; false (counted by the caller) when it could not. */
  write(chunk: Uint8Array): boolean {
    while (this.kept.length > 0) {
      if (!this.append(this.kept[0]!)) return false
      this.kept.shift()
    }
    return this.append(chunk)
  }

  /** A chunk the file cannot do without: written now if possible, else kept for the next write. */
  writeKept(chunk: Uint8Array): void {
    if (!this.write(chunk)) this.kept.push(chunk.slice())
  }

  /** The first write error since the last call, or null; the sink keeps working after one. */
  takeFailure(): Error | null {
    const failure = this.failure
    this.failure = null
    return failure
  }

  release(): void {
    if (--this.refs > 0) return
    FileSink.open.delete(this.path)
    closeSync(this.fd)
    this.fd = -1
  }

  private append(chunk: Uint8Array): boolean {
    let done = 0
    try {
      if (FileSink.writeFault !== null) throw Object.assign(new Error(`${FileSink.writeFault} (test fault)`), { code: FileSink.writeFault })
      while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done)
      return true
    } catch (error) {
      this.failure ??= error as Error
      // The torn bytes are the last `done` of the file, unless another thread appended since
      // (threads that share a file with the TS backend each hold their own descriptor).
      if (done > 0) {
        try {
          ftruncateSync(this.fd, fstatSync(this.fd).size - done)
        } catch {
          // Nothing better to do: the reader stops at the torn chunk and reports its offset.
        }
      }
      return false
    }
  }
}
