// Builds the span forest from decoded items, one at a time, so that a caller can stream a file
// through it. Times become numbers of nanoseconds from the first item read (exact up to 104
// days), then from the earliest Start once everything is in: bigint arithmetic per span would
// cost more than the rest of the pass.

import { AnalysisError } from './analysis-error.js'
import { linkSpans } from './link-spans.js'
import { isSpanStart, isSpanStop, textField, type AnalysisItem, type SpanEventInput } from './span-events.js'
import type { SpanEventRecord, SpanForest, SpanProblems } from './span-forest.js'
import { SpanNode } from './span-node.js'
import { SpanIndex } from './span-index.js'
import { SpanPairing, type SpanPairSink } from './span-pairing.js'
import { SpanNotes, spanIdOfActivity } from './span-notes.js'

function eventRecord(event: SpanEventInput): SpanEventRecord {
  return { name: event.name, activityId: event.fields.activityId as string, timestampNs: event.timestampNs, thread: event.thread }
}

export class SpanCollector implements SpanPairSink {
  private readonly pairing = new SpanPairing(this)
  private readonly byId = new SpanIndex()
  private readonly unmatched: SpanEventInput[] = []
  private readonly problems: SpanProblems = {
    unterminated: [], orphanStops: [], duplicateStops: [], duplicateStarts: [],
    stopBeforeStart: [], outsideParent: [], missingParent: [], parentCycles: [],
  }
  private baseNs: bigint | undefined = undefined
  private lastNs: bigint | undefined = undefined
  /** lastNs from baseNs, set when finishing: where spans without a Stop end. */
  private traceEnd = 0
  private otherEvents = 0
  private readonly notes = new SpanNotes()
  private lostEvents = 0
  private finished = false

  add(item: AnalysisItem): void {
    if (this.finished) throw new AnalysisError('COLLECTOR_FINISHED', 'SpanCollector#add() after finish()')
    const at = item.timestampNs
    if (at !== undefined) {
      this.baseNs ??= at
      if (this.lastNs === undefined || at > this.lastNs) this.lastNs = at
    }
    if (item.kind === 'lost') {
      this.lostEvents += item.count
    } else if (isSpanStart(item)) {
      this.pairing.start(item)
    } else if (isSpanStop(item)) {
      this.pairing.stop(item)
    } else {
      this.otherEvents++
      // A correlated event or log line knows its span: kept for the views, under the span.
      const spanId = (item as { spanId?: string }).spanId
      if (spanId !== undefined && at !== undefined) this.notes.add(spanId, item, Number(at - this.baseNs!))
    }
  }

  addAll(items: readonly AnalysisItem[]): void {
    for (let i = 0; i < items.length; i++) this.add(items[i])
  }

  finish(): SpanForest {
    if (this.finished) throw new AnalysisError('COLLECTOR_FINISHED', 'SpanCollector#finish() called twice')
    this.finished = true
    const base = this.baseNs ?? 0n
    this.traceEnd = this.lastNs === undefined ? 0 : Number(this.lastNs - base)
    this.pairing.finish()
    for (const stop of this.unmatched) {
      const known = this.byId.has(stop.fields.activityId as string)
      ;(known ? this.problems.duplicateStops : this.problems.orphanStops).push(eventRecord(stop))
    }
    let first = Infinity
    const spans = this.byId.spans
    for (const span of spans) if (span.startNs < first) first = span.startNs
    if (first === Infinity) first = 0
    for (const span of spans) {
      span.startNs -= first
      span.endNs -= first
      const notes = this.notes.take(spanIdOfActivity(span.id), first)
      if (notes !== undefined) {
        span.notes = notes.notes
        span.notesLeftOut = notes.leftOut
      }
    }
    const roots = linkSpans(this.byId, this.problems)
    return {
      originNs: base + BigInt(first),
      endNs: this.traceEnd - first,
      spans,
      roots,
      problems: this.problems,
      otherEvents: this.otherEvents,
      lostEvents: this.lostEvents,
    }
  }

  paired(start: SpanEventInput, stop: SpanEventInput | undefined): void {
    const fields = start.fields
    const id = fields.activityId as string
    const base = this.baseNs!
    const startNs = Number(start.timestampNs - base)
    let endNs = stop === undefined ? this.traceEnd : Number(stop.timestampNs - base)
    const backwards = endNs < startNs
    if (backwards) endNs = startNs
    const stopFields = stop?.fields
    const status = stopFields === undefined ? 0 : stopFields.status
    const span = new SpanNode(
      id, textField(fields, 'parentId'), textField(fields, 'traceId'), start.name,
      start.thread, stop === undefined ? null : stop.thread,
      startNs, endNs, stop !== undefined,
      typeof status === 'number' ? status : 0,
      stopFields === undefined ? '' : textField(stopFields, 'errorType'),
      stopFields === undefined ? '' : textField(stopFields, 'errorMessage'),
      fields,
    )
    if (!this.byId.add(span)) {
      this.problems.duplicateStarts.push(eventRecord(start))
      if (stop !== undefined) this.problems.duplicateStops.push(eventRecord(stop))
      return
    }
    if (backwards) this.problems.stopBeforeStart.push(span)
    if (stop === undefined) this.problems.unterminated.push(span)
  }

  unmatchedStop(stop: SpanEventInput): void {
    // Told apart once every Start is known: a Stop of a span seen elsewhere is a second Stop.
    this.unmatched.push(stop)
  }

  duplicateStart(start: SpanEventInput): void {
    this.problems.duplicateStarts.push(eventRecord(start))
  }
}
