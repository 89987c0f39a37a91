// The metadata file beside a ring file (docs/FORMAT.md section 6): what `ringtrace recover` needs
// to turn the ring's bytes back into a trace. It holds the chunks a trace file would start the
// ring's stream with: the FILE chunk, the ring's STREAM chunk and every SCHEMA chunk, appended as
// the tracer registers each event, with one write(2) each. A write that returned is in the page
// cache, so the file survives the process however it dies, as the mapped ring does; a schema is
// written before its event's trace function exists, so no record can precede its schema.

import { closeSync, constants, openSync, writeSync } from 'node:fs'
import { TracerError } from '../errors.js'

// O_NOFOLLOW is POSIX; Node on Windows has no such flag.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0

/** `<dir>/<pid>-<run>-<ring>.meta` for `<dir>/<pid>-<run>-<ring>.ring`. */
export function metaPathOf(ringPath: string): string {
  return ringPath.replace(/\.ring$/, '.meta')
}

export class RingMetaFile {
  private constructor(readonly path: string, private fd: number) {}

  /** Creates the file (never over an existing one) and writes the chunks the stream starts with. */
  static create(ringPath: string, permissions: number, chunks: readonly Uint8Array[]): RingMetaFile {
    const path = metaPathOf(ringPath)
    let fd: number
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | NO_FOLLOW, permissions)
    } catch (cause) {
      throw new TracerError('SINK_ERROR', `ringtrace: ringDir: cannot create ${path}: ${(cause as Error).message}`, { cause })
    }
    const file = new RingMetaFile(path, fd)
    try {
      for (const chunk of chunks) file.append(chunk)
    } catch (error) {
      file.close()
      throw error
    }
    return file
  }

  /** Appends one whole chunk; a SINK_ERROR when it cannot (the event is not registered then). */
  append(chunk: Uint8Array): void {
    try {
      let done = 0
      while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done)
    } catch (cause) {
      throw new TracerError('SINK_ERROR', `ringtrace: ringDir: cannot write ${this.path}: ${(cause as Error).message}`, { cause })
    }
  }

  close(): void {
    if (this.fd < 0) return
    const fd = this.fd
    this.fd = -1
    closeSync(fd)
  }
}
