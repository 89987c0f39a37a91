// Pairs span Starts with their Stops by activityId, in one pass over decoded events. Memory is
// what is open at a time (spans running, Stops seen before their Start), not the trace's size,
// so exporters can stream through it.
//
// A Stop may precede its Start in file order: a span ended on another thread has its Stop on
// that thread's stream, whose chunk can be written before the starting thread's. Such a Stop
// waits for its Start until the end of the input.

import type { SpanEventInput } from './span-events.js'

export interface SpanPairSink {
  /** A Start and its Stop; `stop` undefined (from finish()) for a Start that never stopped. */
  paired(start: SpanEventInput, stop: SpanEventInput | undefined): void
  /** A Stop with no Start of its id left to pair with: orphan, or a second Stop. */
  unmatchedStop(stop: SpanEventInput): void
  /** A Start whose activityId is already running: ids are unique, so this one is set aside. */
  duplicateStart(start: SpanEventInput): void
}

export class SpanPairing {
  private readonly running = new Map<string, SpanEventInput>()
  private readonly early = new Map<string, SpanEventInput>()

  constructor(private readonly sink: SpanPairSink) {}

  /** Spans started and not (yet) stopped. */
  get runningCount(): number {
    return this.running.size
  }

  start(event: SpanEventInput): void {
    const id = event.fields.activityId as string
    const stop = this.early.get(id)
    if (stop !== undefined) {
      this.early.delete(id)
      this.sink.paired(event, stop)
    } else if (this.running.has(id)) {
      this.sink.duplicateStart(event)
    } else {
      this.running.set(id, event)
    }
  }

  stop(event: SpanEventInput): void {
    const id = event.fields.activityId as string
    const start = this.running.get(id)
    if (start !== undefined) {
      this.running.delete(id)
      this.sink.paired(start, event)
    } else if (this.early.has(id)) {
      this.sink.unmatchedStop(event)
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
