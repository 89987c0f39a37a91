// The reader's entry points: items one by one, or one array per chunk for callers that want to
// avoid an await per event.

import { TraceReader } from './trace-reader.js'
import type { ReadTraceOptions, TraceItem } from './trace-items.js'

/**
 * Every event and loss report of a .rtrc file, in file order. Reads the file in chunks, so files
 * larger than memory are fine. A damaged or truncated file yields everything before the damage,
 * then throws a TraceFileError. Breaking out of the loop closes the file.
 */
export function readTrace(path: string, options?: ReadTraceOptions): AsyncIterableIterator<TraceItem> {
  return new TraceItemIterator(new TraceReader(path, options).batches())
}

/** Like readTrace, in arrays of up to 1024 items, each from one EVENTS or LOSS chunk. */
export function readTraceBatches(path: string, options?: ReadTraceOptions): AsyncGenerator<TraceItem[], void, undefined> {
  return new TraceReader(path, options).batches()
}

/**
 * Hands out the items of each batch from already-resolved promises. An async generator with
 * `yield*` over the batches read 1.6 M events/s, this 2.2 M/s (2 M events of four fields,
 * Node 20).
 */
class TraceItemIterator implements AsyncIterableIterator<TraceItem> {
  private batch: TraceItem[] = []
  private index = 0
  /** A batch being read: calls made meanwhile wait for it rather than skip past it. */
  private refill: Promise<IteratorResult<TraceItem, undefined>> | undefined = undefined

  constructor(private readonly batches: AsyncGenerator<TraceItem[], void, undefined>) {}

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<TraceItem, undefined>> {
    if (this.refill !== undefined) return this.refill.then(() => this.next())
    if (this.index < this.batch.length) return Promise.resolve({ value: this.batch[this.index++], done: false })
    this.refill = this.nextBatch().finally(() => {
      this.refill = undefined
    })
    return this.refill
  }

  async return(): Promise<IteratorResult<TraceItem, undefined>> {
    this.batch = []
    await this.batches.return()
    return { value: undefined, done: true }
  }

  private async nextBatch(): Promise<IteratorResult<TraceItem, undefined>> {
    const result = await this.batches.next()
    if (result.done === true) return { value: undefined, done: true }
    // Batches are never empty.
    this.batch = result.value
    this.index = 1
    return { value: this.batch[0], done: false }
  }
}
