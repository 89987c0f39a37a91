// A writable that keeps what the CLI writes: stdout or stderr for runCli() in tests.

import { Writable } from 'node:stream'

export interface CaptureOptions {
  /** Report itself as a terminal (the CLI colours its output then). */
  isTTY?: boolean
  /** Acknowledge each write after this many ms: a slow reader, for backpressure. */
  delayMs?: number
}

export class Capture extends Writable {
  text = ''
  writes = 0
  readonly isTTY: boolean
  private readonly delayMs: number

  constructor(options: CaptureOptions = {}) {
    // A small buffer, so that a long output meets backpressure.
    super({ decodeStrings: false, highWaterMark: 1024 })
    this.isTTY = options.isTTY ?? false
    this.delayMs = options.delayMs ?? 0
  }

  override _write(chunk: string | Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    this.text += String(chunk)
    this.writes++
    if (this.delayMs > 0) setTimeout(done, this.delayMs)
    else done()
  }
}
