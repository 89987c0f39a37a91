// Items (spans, log records) gathered into batches for one exporter: a batch goes out when it
// holds maxItems or its oldest item has waited delayMs, encoded on this (the export worker's)
// thread and handed to the HTTP exporter, which holds it within its byte budget. So the items
// held here are at most one batch, and the bytes held there at most the budget; under the
// 'wait' policy, also the encoded batches flushed since the caller last awaited whenHandedOn().

import type { ExporterCounters } from '../http/exporter-counters.js'
import type { HttpExporter } from '../http/http-exporter.js'

/** What is done with a batch that the HTTP exporter's full budget cannot take now. */
export type FullBudget =
  /** Dropped and counted at once: the live path never waits on what a tracer produces. */
  | 'drop'
  /** Kept, in order, until the budget has room: a trace file is read no faster than it is sent. */
  | 'wait'

export class BatchingExporter<T> {
  private batch: T[] = []
  /** performance.now() when the batch's first item came. */
  private since = 0
  /** Settles when every batch flushed so far is with the HTTP exporter ('wait' only). */
  private handedOn: Promise<void> = Promise.resolve()

  constructor(
    readonly name: string,
    private readonly counters: ExporterCounters,
    private readonly maxItems: number,
    private readonly delayMs: number,
    private readonly encode: (items: readonly T[]) => Uint8Array,
    private readonly http: HttpExporter,
    private readonly whenFull: FullBudget = 'drop',
  ) {}

  /** An item already counted as handed over (ExporterCounters.handOver). */
  add(item: T): void {
    if (this.batch.length === 0) this.since = performance.now()
    this.batch.push(item)
    if (this.batch.length >= this.maxItems) this.flush()
  }

  /** Sends the batch if its oldest item has waited long enough. */
  tick(now: number): void {
    if (this.batch.length > 0 && now - this.since >= this.delayMs) this.flush()
  }

  flush(): void {
    const items = this.batch
    if (items.length === 0) return
    this.batch = []
    let body: Uint8Array
    try {
      body = this.encode(items)
    } catch (error) {
      // An encoder bug must cost this batch, not the worker and everything after it.
      this.counters.failed(items.length, { message: `encoding failed: ${(error as Error).message}`, at: Date.now() })
      return
    }
    const { http } = this
    // send() counts what it cannot take as dropped: nothing to do with its answer here.
    if (this.whenFull === 'drop') http.send(body, items.length)
    else this.handedOn = this.handedOn.then(() => http.whenRoomFor(body.byteLength)).then(() => void http.send(body, items.length))
  }

  /** Resolves when every batch flushed so far is with the HTTP exporter (at once under 'drop'). */
  whenHandedOn(): Promise<void> {
    return this.handedOn
  }

  /**
   * Sends what is gathered, then waits for the HTTP exporter until `deadlineMs` (Date.now()).
   * Batches still waiting for room at the deadline are dropped and counted.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.flush()
    const remaining = (): number => Math.max(0, deadlineMs - Date.now())
    if (this.whenFull === 'wait') await settledWithin(this.handedOn, remaining())
    await this.http.shutdown(remaining())
    // Shutting down woke every batch still waiting, and send() has dropped them: counted now.
    await this.handedOn
  }
}

/** Resolves when `promise` does or after `ms`, whichever comes first, leaving no timer behind. */
function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    void promise.then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}
