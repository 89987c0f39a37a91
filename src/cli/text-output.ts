// Text (or bytes: the Perfetto export) to a stream (stdout, a file) in large writes, waiting for 'drain' when the stream asks,
// and stopping quietly when the reading end has gone away (`ringtrace export x | head`).

import type { Writable } from 'node:stream'

export interface CliIo {
  stdout: Writable
  stderr: Writable
}

/** One write per this many characters (or bytes): fewer syscalls, bounded memory. */
const FLUSH_CHARS = 64 * 1024

export class TextOutput {
  private pending: Array<string | Uint8Array> = []
  private pendingChars = 0
  private failure: Error | undefined = undefined
  private readerGone = false
  private readonly onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') this.readerGone = true
    else this.failure ??= error
  }

  constructor(private readonly stream: Writable) {
    // Stays attached: a late EPIPE on process.stdout without a listener would be an uncaught
    // exception.
    stream.on('error', this.onError)
  }

  /** The reader closed the pipe: nothing more will be written, and that is not an error. */
  get gone(): boolean {
    return this.readerGone
  }

  add(text: string | Uint8Array): void {
    this.pending.push(text)
    this.pendingChars += text.length
  }

  async flushIfFull(): Promise<void> {
    if (this.pendingChars >= FLUSH_CHARS) await this.flush()
  }

  async flush(): Promise<void> {
    const pending = this.pending
    const text = pending.every((part) => typeof part === 'string') ? pending.join('') : Buffer.concat(pending.map(bytesOf))
    this.pending = []
    this.pendingChars = 0
    this.throwIfFailed()
    if (this.readerGone || text.length === 0) return
    if (!this.stream.write(text)) await this.settled('drain')
    this.throwIfFailed()
  }

  /** Flushes and ends the stream (for files the command opened), waiting until it is written. */
  async end(): Promise<void> {
    await this.flush()
    if (!this.readerGone) {
      this.stream.end()
      await this.settled('finish')
    }
    this.throwIfFailed()
  }

  private settled(event: 'drain' | 'finish'): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off(event, done)
        this.stream.off('error', done)
        this.stream.off('close', done)
        resolve()
      }
      this.stream.on(event, done)
      this.stream.on('error', done)
      this.stream.on('close', done)
    })
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure
  }
}

function bytesOf(part: string | Uint8Array): Uint8Array {
  return typeof part === 'string' ? Buffer.from(part) : part
}
