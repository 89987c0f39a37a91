// Items (spans, log records) gathered into batches for one exporter: a batch goes out when it
// holds maxItems or its oldest item has waited delayMs, encoded on this (the export worker's)
// thread and handed to the HTTP exporter, which holds it within its byte budget. So the items
// held here are at most one batch, and the bytes held there at most the budget.

import type { ExporterCounters } from '../http/exporter-counters.js'
import type { HttpExporter } from '../http/http-exporter.js'

export class BatchingExporter<T> {
  private batch: T[] = []
  /** performance.now() when the batch's first item came. */
  private since = 0

  constructor(
    readonly name: string,
    private readonly counters: ExporterCounters,
    private readonly maxItems: number,
    private readonly delayMs: number,
    private readonly encode: (items: readonly T[]) => Uint8Array,
    private readonly http: HttpExporter,
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
    this.http.send(body, items.length)
  }

  /** Sends what is gathered, then waits for the HTTP exporter until `deadlineMs` (Date.now()). */
  shutdown(deadlineMs: number): Promise<void> {
    this.flush()
    return this.http.shutdown(Math.max(0, deadlineMs - Date.now()))
  }
}
