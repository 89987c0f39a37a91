// Pairs span Starts with their Stops by activityId, in one pass over decoded events. Memory is
// what is open at a time (spans running, Stops seen before their Start), not the trace's size,
// so exporters can stream through it.
//
// A Stop may precede its Start in file order: a span ended on another thread has its Stop on
// that thread's stream, whose chunk can be written before the starting thread's. Such a Stop
// waits for its Start until the end of the input.

import type { SpanEventInput } from './span-events.js'

/** What the waiting records are kept in, by activity id: a Map (text ids) or the like. */
export interface PairingTable<K, E> {
  readonly size: number
  get(id: K): E | undefined
  has(id: K): boolean
  set(id: K, record: E): void
  delete(id: K): boolean
  values(): IterableIterator<E>
  clear(): void
}

/** How a record's activity id is read, and the table kept by it. */
export interface PairingIds<E, K> {
  idOf(record: E): K
  table(): PairingTable<K, E>
}

/** Decoded events as the reader gives them: the id is the `activityId` text. */
const TEXT_IDS: PairingIds<SpanEventInput, string> = {
  idOf: (record) => record.fields.activityId as string,
  table: () => new Map<string, SpanEventInput>(),
}

/** `E`: the Start and Stop records as the caller hands them in (decoded events, or more). */
export interface SpanPairSink<E = SpanEventInput> {
  /** A Start and its Stop; `stop` undefined (from finish()) for a Start that never stopped. */
  paired(start: E, stop: E | undefined): void
  /** A Stop with no Start of its id left to pair with: orphan, or a second Stop. */
  unmatchedStop(stop: E): void
  /** A Start whose activityId is already running: ids are unique, so this one is set aside. */
  duplicateStart(start: E): void
  /** A Start or Stop that would have to wait while `limit` records already do: set aside (only with a limit). */
  overflow?(event: E): void
}

export class SpanPairing<E = SpanEventInput, K = string> {
  private readonly running: PairingTable<K, E>
  private readonly early: PairingTable<K, E>
  private readonly idOf: (record: E) => K

  /**
   * `limit` bounds the records waiting (Starts running, early Stops): a live exporter must not
   * grow without bound when Stops never come. `ids`: for records other than decoded events
   * with text ids.
   */
  constructor(private readonly sink: SpanPairSink<E>, private readonly limit = Infinity,
    ids: PairingIds<E, K> = TEXT_IDS as unknown as PairingIds<E, K>) {
    this.idOf = ids.idOf
    this.running = ids.table()
    this.early = ids.table()
  }

  private get full(): boolean {
    return this.running.size + this.early.size >= this.limit
  }

  /** Spans started and not (yet) stopped. */
  get runningCount(): number {
    return this.running.size
  }

  start(event: E): void {
    const id = this.idOf(event)
    const stop = this.early.get(id)
    if (stop !== undefined) {
      this.early.delete(id)
      this.sink.paired(event, stop)
    } else if (this.running.has(id)) {
      this.sink.duplicateStart(event)
    } else if (this.full) {
      this.sink.overflow?.(event)
    } else {
      this.running.set(id, event)
    }
  }

  stop(event: E): void {
    const id = this.idOf(event)
    const start = this.running.get(id)
    if (start !== undefined) {
      this.running.delete(id)
      this.sink.paired(start, event)
    } else if (this.early.has(id)) {
      this.sink.unmatchedStop(event)
    } else if (this.full) {
      this.sink.overflow?.(event)
    } else {
      this.early.set(id, event)
    }
  }

  /** Reports what is left: Starts without a Stop, then Stops without a Start. */
  finish(): void {
    for (const start of this.running.values()) this.sink.paired(start, undefined)
    for (const stop of this.early.values()) this.sink.unmatchedStop(stop)
    this.running.clear()
    this.early.clear()
  }
}
