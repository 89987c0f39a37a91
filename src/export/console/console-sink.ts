// The console's writer, on the export worker: lines are formatted there and written to the
// tracer's stdout or stderr with fs.write on libuv's thread pool, one write in flight, so neither
// the app's event loop nor the worker's ever waits on the terminal or a pipe. What waits to be
// written is bounded (budgetBytes): a terminal or pipe that cannot keep up costs lines, dropped
// and counted in the console's exporter counters (handedOver = exported + failed + dropped +
// pending), never memory. A write refused for good (EPIPE: the reader went away) fails what it
// held and everything after, counted as failed.
//
// Node makes stdout and stderr blocking descriptors when they are pipes, files or terminals, so
// a write to a full pipe occupies one thread-pool thread until the reader reads (the app keeps
// running; its other thread-pool work has the remaining threads). At close, what is still
// unwritten after the deadline is dropped and counted.
//
// The app's own console.log writes the same descriptor from its thread: each write here is of
// whole lines, so the two interleave by lines (a write of at most PIPE_BUF bytes to a pipe is
// atomic; beyond that, and on other files, the OS decides).

import { write } from 'node:fs'
import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent } from '../../reader/trace-items.js'
import { pinoLevelOf } from '../../exporters/pino-line.js'
import type { ExporterCounters } from '../http/exporter-counters.js'
import type { ResolvedConsole } from './console-options.js'
import { consoleLine, paletteOf } from './console-line.js'

/** A descriptor in non-blocking mode (a pipe libuv opened) answers EAGAIN when full: try again after this. */
const RETRY_MS = 5
/**
 * Bytes per write (or one longer line): less than a pipe's buffer (64 KiB on Linux), so that a
 * reader that stops reading leaves at most this much written in part when the close deadline
 * gives up on the write (those lines are counted dropped).
 */
const WRITE_BYTES = 16 << 10

export class ConsoleSink {
  private readonly palette
  /** Lines formatted and not yet written, with their byte lengths. */
  private queue: string[] = []
  private queuedBytes = 0
  private writing = false
  /** Lines of the write in flight. */
  private inFlight = 0
  /** Past the close deadline: a write still in flight is counted as dropped, and its callback counts nothing. */
  private closed = false
  private broken: NodeJS.ErrnoException | null = null
  private idle: (() => void) | null = null

  constructor(private readonly options: ResolvedConsole, private readonly counters: ExporterCounters) {
    this.palette = paletteOf(options.colors)
  }

  /** Shows `event` if it is a line (or, with `events`, a plain event) at the console's level. */
  offer(event: TraceEvent, schema: EventSchema): void {
    if (schema.log === undefined && !this.options.events) return
    if (pinoLevelOf(schema) < this.options.level) return
    this.counters.handOver(1)
    if (this.broken !== null) {
      this.counters.failed(1, { message: `console: ${this.broken.message}`, at: Date.now() })
      return
    }
    const text = consoleLine(event, schema, this.palette)
    const bytes = Buffer.byteLength(text)
    if (this.queuedBytes + bytes > this.options.budgetBytes) {
      this.counters.dropped(1, { message: `console: ${this.options.budgetBytes} bytes wait to be written; line dropped`, at: Date.now() })
      return
    }
    this.queue.push(text)
    this.queuedBytes += bytes
  }

  tick(): void {
    if (!this.writing) this.writeNext()
  }

  /** The console never holds a reader back: past its budget it drops. */
  whenHandedOn(): Promise<void> {
    return Promise.resolve()
  }

  /** Writes what is queued until `deadlineMs` (Date.now()); what is left then is dropped and counted. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.tick()
    if (this.writing) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()))
        this.idle = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    this.idle = null
    this.closed = true
    const left = this.queue.length + (this.writing ? this.inFlight : 0)
    if (left > 0) this.counters.dropped(left, { message: 'console: lines still unwritten at the close deadline', at: Date.now() })
    this.queue = []
    this.queuedBytes = 0
  }

  /** Takes whole lines up to WRITE_BYTES (at least one) and writes them. */
  private writeNext(): void {
    if (this.queue.length === 0) {
      this.idle?.()
      return
    }
    let count = 0
    let bytes = 0
    while (count < this.queue.length && (count === 0 || bytes + Buffer.byteLength(this.queue[count]!) <= WRITE_BYTES)) {
      bytes += Buffer.byteLength(this.queue[count]!)
      count++
    }
    const lines = this.queue.splice(0, count)
    this.queuedBytes -= bytes
    this.writing = true
    this.inFlight = count
    this.writeAll(Buffer.from(lines.join('')), 0, count)
  }

  /** Writes `buffer` from `at`, again after a short write or EAGAIN; `lines` are counted when all is out. */
  private writeAll(buffer: Buffer, at: number, lines: number): void {
    write(this.options.fd, buffer, at, buffer.length - at, null, (error, written) => {
      if (this.closed) return
      if (error !== null && error.code === 'EAGAIN') {
        setTimeout(() => {
          if (!this.closed) this.writeAll(buffer, at, lines)
        }, RETRY_MS)
        return
      }
      if (error !== null) {
        this.broken = error
        this.counters.failed(lines + this.queue.length, { message: `console: ${error.message}`, at: Date.now() })
        this.queue = []
        this.queuedBytes = 0
        this.writing = false
        this.idle?.()
        return
      }
      if (at + written < buffer.length) {
        this.writeAll(buffer, at + written, lines)
        return
      }
      this.counters.exported(lines)
      this.writing = false
      this.writeNext()
    })
  }
}
