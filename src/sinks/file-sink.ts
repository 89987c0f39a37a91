// The TS backend's trace file writer. Chunks are appended with one write(2) each on an O_APPEND
// descriptor, so the tracers of several worker threads can share one file: a regular file's
// append is atomic with respect to other appenders. Within a thread, tracers that name the same
// path share one sink.

import { closeSync, fstatSync, openSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { TracerError } from '../errors.js'

export class FileSink {
  private refs = 0

  private constructor(readonly path: string, private fd: number) {}

  private static readonly open = new Map<string, FileSink>()

  /** Opens or joins the sink for `path`; writes `fileChunk` when the file starts empty. */
  static acquire(path: string, truncate: boolean, fileChunk: Uint8Array): FileSink {
    const key = resolve(path)
    let sink = FileSink.open.get(key)
    if (sink === undefined) {
      try {
        const fd = openSync(key, truncate ? 'w' : 'a')
        if (truncate) {
          // 'w' has no O_APPEND; reopen so that every later write appends.
          closeSync(fd)
        }
        sink = new FileSink(key, truncate ? openSync(key, 'a') : fd)
        if (fstatSync(sink.fd).size === 0) sink.write(fileChunk)
      } catch (cause) {
        throw new TracerError('SINK_ERROR', `ringtrace: cannot open trace file ${key}: ${(cause as Error).message}`, { cause })
      }
      FileSink.open.set(key, sink)
    }
    sink.refs++
    return sink
  }

  write(chunk: Uint8Array): void {
    let done = 0
    while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done)
  }

  release(): void {
    if (--this.refs > 0) return
    FileSink.open.delete(this.path)
    closeSync(this.fd)
    this.fd = -1
  }
}
