// Chrome Trace Event Format (the JSON that chrome://tracing, Perfetto and speedscope open):
//   spans          -> complete events, ph 'X' (ts and dur in µs as floats: ns precision kept), on
//                     the start thread's track when they nest there; the others (concurrent
//                     async work overlapping a sibling, a parent on another thread, outliving the
//                     parent, stopped on another thread) as nestable async pairs, ph 'b' + 'e',
//                     cat 'span', id2.local = an async lane (span-tracks.ts decides which)
//   plain events   -> thread-scoped instant events, ph 'i', s 't'
//   threads        -> 'thread_name' metadata (ph 'M') when a thread is first met; the process
//                     gets 'process_name'
//   no Stop        -> a begin event with no end: ph 'B' on the thread track when it nests there,
//                     else ph 'b' on its lane; viewers show it running to the end of the trace
//                     (Perfetto: "did not end")
//   Stop, no Start -> an instant event in category 'span.orphanStop'
//   losses         -> an instant event in category 'ringtrace.lost'
// Streaming: a span is written when its Stop arrives ('b' and 'e' together), so memory holds
// only the spans running at a time, and text is handed out as it is produced (take()) rather
// than built whole.
// Times are relative to `originNs` (the file's clock origin): absolute epoch µs would need 16
// digits before the point and a double would keep only a quarter-µs after it.

import type { FieldValue, TraceThread } from '../reader/trace-items.js'
import { isSpanStart, isSpanStop, textField, type AnalysisItem, type SpanEventInput } from '../analysis/span-events.js'
import { SpanStatus } from '../format/span-records.js'
import { fieldJson, fieldsJson } from './field-json.js'
import { SPAN_ARGS, statusName } from './span-args.js'
import { SpanPlacement, type SpanPlacementSink } from './span-placement.js'

export interface ChromeTraceProcess {
  readonly pid: number
  /** The process's name in viewers (the tracer's provider name). */
  readonly name: string
  /** Epoch ns that becomes ts 0. */
  readonly originNs: bigint
}

export class ChromeTraceEncoder implements SpanPlacementSink {
  private readonly spans = new SpanPlacement(this)
  private readonly threadsNamed = new Set<TraceThread>()
  private pending: string[] = []
  private eventsWritten = 0
  private lastTs = 0
  private finished = false

  constructor(private readonly process: ChromeTraceProcess) {
    this.pending.push(`{"displayTimeUnit":"ns","otherData":{"producer":"ringtrace","originNs":"${process.originNs}"},"traceEvents":[\n`)
    this.event(`{"name":"process_name","ph":"M","pid":${process.pid},"tid":0,"args":{"name":${JSON.stringify(process.name)}}}`)
  }

  add(item: AnalysisItem): void {
    if (item.timestampNs !== undefined) this.lastTs = this.ts(item.timestampNs)
    if (item.kind === 'lost') {
      const thread = item.thread
      if (thread !== undefined) this.nameThread(thread)
      // Process-scoped when the loss belongs to no thread; at the last time seen when it has none.
      const scope = thread === undefined ? '"s":"p"' : `"s":"t","tid":${thread.id}`
      this.event(`{"name":"events lost","cat":"ringtrace.lost","ph":"i",${scope},"ts":${this.lastTs},"pid":${this.process.pid},"args":{"count":${item.count}}}`)
    } else if (isSpanStart(item)) {
      this.spans.start(item)
    } else if (isSpanStop(item)) {
      this.spans.stop(item)
    } else {
      this.instant(item, 'event', fieldsJson(item.fields, undefined))
    }
  }

  /** The text produced since the last call. */
  take(): string {
    const text = this.pending.join('')
    this.pending = []
    return text
  }

  /** Writes what is still open (spans without a Stop, Stops without a Start) and closes the JSON. */
  finish(): string {
    if (!this.finished) {
      this.finished = true
      this.spans.finish()
      this.pending.push('\n]}\n')
    }
    return this.take()
  }

  complete(start: SpanEventInput, stop: SpanEventInput): void {
    const ts = this.ts(start.timestampNs)
    this.span(start, `"ph":"X","ts":${ts},"dur":${Math.max(0, this.ts(stop.timestampNs) - ts)}`, stopArgs(start, stop))
  }

  unterminated(start: SpanEventInput): void {
    this.span(start, `"ph":"B","ts":${this.ts(start.timestampNs)}`, ',"unterminated":true')
  }

  async(start: SpanEventInput, stop: SpanEventInput | undefined, lane: string): void {
    const ts = this.ts(start.timestampNs)
    const id2 = `"id2":{"local":${JSON.stringify(lane)}}`
    this.span(start, `"ph":"b","ts":${ts},${id2}`, stop === undefined ? ',"unterminated":true' : stopArgs(start, stop))
    if (stop === undefined) return
    this.nameThread(stop.thread)
    this.event(`{"name":${JSON.stringify(start.name)},"cat":"span","ph":"e","ts":${Math.max(ts, this.ts(stop.timestampNs))},${id2},"pid":${this.process.pid},"tid":${stop.thread.id}}`)
  }

  private span(start: SpanEventInput, head: string, tail: string): void {
    let args = fieldsJson(start.fields, SPAN_ARGS)
    args += `${args === '' ? '' : ','}${idArgs(start.fields)}${tail}`
    this.nameThread(start.thread)
    this.event(`{"name":${JSON.stringify(start.name)},"cat":"span",${head},"pid":${this.process.pid},"tid":${start.thread.id},"args":{${args}}}`)
  }

  unmatchedStop(stop: SpanEventInput): void {
    this.instant(stop, 'span.orphanStop', `"activityId":${fieldJson(stop.fields.activityId)},${statusArgs(stop.fields)}`)
  }

  duplicateStart(start: SpanEventInput): void {
    this.instant(start, 'span.duplicateStart', idArgs(start.fields))
  }

  private instant(event: SpanEventInput, category: string, args: string): void {
    this.nameThread(event.thread)
    this.event(`{"name":${JSON.stringify(event.name)},"cat":"${category}","ph":"i","s":"t","ts":${this.ts(event.timestampNs)},"pid":${this.process.pid},"tid":${event.thread.id},"args":{${args}}}`)
  }

  private nameThread(thread: TraceThread): void {
    if (this.threadsNamed.has(thread)) return
    this.threadsNamed.add(thread)
    const name = thread.name === '' ? `thread ${thread.id}` : thread.name
    this.event(`{"name":"thread_name","ph":"M","pid":${this.process.pid},"tid":${thread.id},"args":{"name":${JSON.stringify(name)}}}`)
  }

  private event(json: string): void {
    this.pending.push(this.eventsWritten++ === 0 ? json : `,\n${json}`)
  }

  /** µs from the origin; the shortest decimal of ns / 1000 keeps every nanosecond. */
  private ts(ns: bigint): number {
    return Number(ns - this.process.originNs) / 1000
  }
}

function idArgs(fields: Record<string, FieldValue>): string {
  return `"activityId":${JSON.stringify(textField(fields, 'activityId'))},"parentId":${JSON.stringify(textField(fields, 'parentId'))},"traceId":${JSON.stringify(textField(fields, 'traceId'))}`
}

/** `,status…` and `,stopThread` when the Stop was on another thread. */
function stopArgs(start: SpanEventInput, stop: SpanEventInput): string {
  let text = `,${statusArgs(stop.fields)}`
  if (stop.thread !== start.thread) text += `,"stopThread":${stop.thread.id}`
  return text
}

function statusArgs(fields: Record<string, FieldValue>): string {
  const status = typeof fields.status === 'number' ? fields.status : 0
  let text = `"status":${JSON.stringify(statusName(status))}`
  if (status === SpanStatus.Error) {
    text += `,"errorType":${JSON.stringify(textField(fields, 'errorType'))},"errorMessage":${JSON.stringify(textField(fields, 'errorMessage'))}`
  }
  return text
}
