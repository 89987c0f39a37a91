// Delivers encoded batches (of any payload format) to one HTTP endpoint with the OTLP/HTTP failure
// rules, on the export worker's thread.
//
// Design: batches wait in a FIFO queue; each of `concurrency` lanes takes one and keeps it until it
// is settled (exported, failed or dropped), retries included. So a retried batch goes before newer
// ones, a down endpoint sees at most `concurrency` retrying clients, and at most `concurrency`
// bodies are being gzipped (in libuv's thread pool, which the whole process shares). Every body
// held, queued, in flight or waiting to retry, counts against budgetBytes at its size as handed
// over; a batch that does not fit is dropped and counted at once. Each batch is settled exactly
// once (`release`), which keeps the counters' invariant whatever order events arrive in.

import { Agent as HttpAgent, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { packageVersion } from '../../package-version.js'
import type { ExporterCounters, ExporterError } from './exporter-counters.js'
import { postOnce, type Exchange } from './http-exchange.js'
import { resolveHttpExporterOptions, type HttpExporterOptions, type ResolvedHttpExporterOptions } from './http-exporter-options.js'
import { backoffDelay, isRetryableError, isRetryableStatus, parseRetryAfter } from './retry-policy.js'

export type { HttpExporterOptions } from './http-exporter-options.js'

const gzipAsync = promisify(gzip)

/** Receiver messages in lastError are cut to this many characters. */
const MESSAGE_CHARS = 200

interface Batch {
  readonly body: Uint8Array
  readonly items: number
}

type Verdict =
  | { kind: 'accepted'; rejected: number; error?: ExporterError }
  | { kind: 'retry'; error: ExporterError; afterMs: number | undefined }
  | { kind: 'refused'; error: ExporterError }

/**
 * Receiver text fit for a log line: runs of control characters, line separators and whitespace
 * become one space (a hostile body cannot forge lines), and at most MESSAGE_CHARS are kept.
 */
function sanitize(text: string): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029\s]+/gu, ' ').trim()
  const chars = Array.from(clean)
  return chars.length <= MESSAGE_CHARS ? clean : `${chars.slice(0, MESSAGE_CHARS).join('')}…`
}

/** The reader's answer, or undefined when there is no reader or it throws on a body it cannot parse. */
function tryRead<T>(read: ((contentType: string, body: Uint8Array) => T) | undefined, contentType: string, body: Uint8Array): T | undefined {
  if (read === undefined) return undefined
  try {
    return read(contentType, body)
  } catch {
    return undefined
  }
}

export class HttpExporter {
  private readonly options: ResolvedHttpExporterOptions
  private readonly counters: ExporterCounters
  private readonly agent: HttpAgent
  private readonly headers: OutgoingHttpHeaders
  private readonly queue: Batch[] = []
  /** Every batch not yet settled: queued, in a lane, or waiting to retry. */
  private readonly held = new Set<Batch>()
  private bytes = 0
  private lanes = 0
  private readonly abort = new AbortController()
  private closing: Promise<void> | undefined
  private drained: (() => void) | undefined
  /** Callers of whenRoomFor(), oldest first. */
  private readonly roomWaiters: { readonly bytes: number; readonly resolve: () => void }[] = []

  /** Checks the options (TracerError 'INVALID_OPTION'); counts into `counters`. */
  constructor(options: HttpExporterOptions, counters: ExporterCounters) {
    this.options = resolveHttpExporterOptions(options)
    this.counters = counters
    const { concurrency } = this.options
    const Agent = options.url.protocol === 'https:' ? HttpsAgent : HttpAgent
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency })
    this.headers = {
      'user-agent': `ringtrace/${packageVersion()}`,
      ...options.headers,
      'content-type': options.contentType,
      ...(options.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
    }
  }

  /** Bytes of bodies held now. */
  get heldBytes(): number {
    return this.bytes
  }

  /**
   * Resolves once a body of `bytes` fits in the budget beside what is held, or at once when it
   * never can (it is larger than the budget) or the exporter is shutting down: send() then drops
   * it. For one sender that can wait (a trace file, read no faster than it is sent) and sends
   * once this resolves; the live path never waits.
   */
  whenRoomFor(bytes: number): Promise<void> {
    if (!this.mustWait(bytes)) return Promise.resolve()
    return new Promise((resolve) => this.roomWaiters.push({ bytes, resolve }))
  }

  /**
   * Takes an encoded batch of `items` items (already counted handOver by the caller). False when
   * the budget is full or the exporter is shutting down: the items are counted dropped.
   */
  send(body: Uint8Array, items: number): boolean {
    if (this.closing !== undefined) {
      this.counters.dropped(items, this.error('shutting down, batch not taken'))
      return false
    }
    if (this.bytes + body.byteLength > this.options.budgetBytes) {
      this.counters.dropped(items, this.error(`budget of ${this.options.budgetBytes} bytes full (${this.bytes} held, batch of ${body.byteLength})`))
      return false
    }
    const batch = { body, items }
    this.held.add(batch)
    this.bytes += body.byteLength
    this.queue.push(batch)
    this.pump()
    return true
  }

  /**
   * Stops taking batches; resolves when everything held is exported or failed, or at
   * `deadlineMs` from now, when what is left is aborted and counted dropped (lastError: 'close
   * deadline'). No timer or socket of this exporter outlives the promise. Later calls return the
   * first call's promise.
   */
  shutdown(deadlineMs: number): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      const deadline = setTimeout(() => this.abandon(), deadlineMs)
      this.drained = () => {
        clearTimeout(deadline)
        this.agent.destroy()
        resolve()
      }
      if (this.held.size === 0) this.drained()
    })
    this.wakeRoomWaiters()
    return this.closing
  }

  private mustWait(bytes: number): boolean {
    const budget = this.options.budgetBytes
    return this.closing === undefined && bytes <= budget && this.bytes + bytes > budget
  }

  /** In order: a later, smaller body must not overtake an earlier one that still waits. */
  private wakeRoomWaiters(): void {
    while (this.roomWaiters.length > 0 && !this.mustWait(this.roomWaiters[0]!.bytes)) this.roomWaiters.shift()!.resolve()
  }

  private abandon(): void {
    this.abort.abort()
    this.queue.length = 0
    const cause = this.lastRetryError === undefined ? '' : ` (last attempt: ${this.lastRetryError.message})`
    const error = this.error(`close deadline: still unsent${cause}`)
    for (const batch of this.held) {
      if (this.release(batch)) this.counters.dropped(batch.items, error)
    }
  }

  private pump(): void {
    while (this.lanes < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.shift()!
      this.lanes++
      this.deliver(batch)
        .catch((error: unknown) => this.settle(batch, { kind: 'refused', error: this.error(`internal error: ${String(error)}`) }))
        .finally(() => {
          this.lanes--
          this.pump()
        })
    }
  }

  /** The latest outcome that was retried, for the message of what the close deadline drops. */
  private lastRetryError: ExporterError | undefined = undefined

  private async deliver(batch: Batch): Promise<void> {
    const body = this.options.compression === 'gzip' ? await gzipAsync(batch.body) : batch.body
    const headers = { ...this.headers, 'content-length': String(body.byteLength) }
    const signal = this.abort.signal
    const giveUpAt = performance.now() + this.options.maxRetryMs
    for (let attempt = 1; !signal.aborted; attempt++) {
      const exchange = await postOnce({ url: this.options.url, agent: this.agent, headers, body, timeoutMs: this.options.timeoutMs, signal })
      if (signal.aborted) return
      const verdict = this.judge(exchange, batch.items)
      if (verdict.kind !== 'retry') return this.settle(batch, verdict)
      // Retry-After is a minimum; backoff alone is cut short so the last attempt falls on the limit.
      const remaining = giveUpAt - performance.now()
      const wait = Math.max(verdict.afterMs ?? 0, Math.min(backoffDelay(attempt - 1, this.options.retry), remaining))
      if (remaining <= 0 || wait > remaining) {
        const message = `${verdict.error.message} (gave up after ${attempt} attempts, retry limit ${this.options.maxRetryMs} ms)`
        return this.settle(batch, { kind: 'refused', error: { ...verdict.error, message } })
      }
      this.counters.retried(verdict.error)
      this.lastRetryError = verdict.error
      // Rejects only when the close deadline aborts, which has settled the batch already.
      await sleep(wait, undefined, { signal }).catch(() => undefined)
    }
  }

  private judge(exchange: Exchange, items: number): Verdict {
    if (exchange.status === undefined) {
      const error = this.error(exchange.error.message)
      return isRetryableError(exchange.error) ? { kind: 'retry', error, afterMs: undefined } : { kind: 'refused', error }
    }
    const { status, headers, body } = exchange
    const contentType = headers['content-type'] ?? ''
    if (status >= 200 && status < 300) {
      const partial = tryRead(this.options.readPartialSuccess, contentType, body)
      const rejected = Math.min(items, Math.max(0, Math.trunc(Number(partial?.rejected)) || 0))
      if (rejected === 0) return { kind: 'accepted', rejected }
      const error = this.error(`receiver rejected ${rejected} of ${items} items: ${sanitize(String(partial!.message))}`, status)
      return { kind: 'accepted', rejected, error }
    }
    const message = sanitize(tryRead(this.options.readErrorMessage, contentType, body) || new TextDecoder().decode(body.subarray(0, 4 * MESSAGE_CHARS)))
    const error = this.error(`HTTP ${status}${message === '' ? '' : `: ${message}`}`, status)
    if (!isRetryableStatus(status)) return { kind: 'refused', error }
    return { kind: 'retry', error, afterMs: parseRetryAfter(headers['retry-after'], Date.now(), this.options.retryAfterCapMs) }
  }

  private settle(batch: Batch, verdict: Exclude<Verdict, { kind: 'retry' }>): void {
    if (!this.release(batch)) return
    if (verdict.kind === 'refused') {
      this.counters.failed(batch.items, verdict.error)
      return
    }
    if (verdict.error !== undefined) this.counters.failed(verdict.rejected, verdict.error)
    this.counters.exported(batch.items - verdict.rejected)
  }

  /** Forgets a settled batch; false when it was settled already (the close deadline got there first). */
  private release(batch: Batch): boolean {
    if (!this.held.delete(batch)) return false
    this.bytes -= batch.body.byteLength
    this.wakeRoomWaiters()
    if (this.held.size === 0) this.drained?.()
    return true
  }

  private error(message: string, status?: number): ExporterError {
    return { ...(status === undefined ? {} : { status }), message: `${this.options.name}: ${message}`, at: Date.now() }
  }
}
