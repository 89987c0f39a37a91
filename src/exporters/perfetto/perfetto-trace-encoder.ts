// Perfetto's native trace (a protobuf `Trace` of `TracePacket`s, one sequence), streamed:
//   spans          -> TYPE_SLICE_BEGIN + TYPE_SLICE_END on their thread's track when they nest
//                     there, else on an async track of the thread's lanes (span-tracks.ts
//                     decides); debug annotations: attributes, activityId, parentId, traceId,
//                     status, errorType/errorMessage on error, stopThread when stopped elsewhere
//   no Stop        -> a begin that never ends, with the annotation unterminated: true
//   plain events   -> TYPE_INSTANT on their thread's track, fields as annotations
//   Stop, no Start -> TYPE_INSTANT with problem: "stop without start"; a second Start of a
//                     running id likewise with "duplicate start"
//   losses         -> TYPE_COUNTER on an "events lost" track: the events lost so far
// Names (events, annotations) and short string values are interned (packet-sequence.ts).
// Timestamps are the trace's own, ns since the Unix epoch, on the sequence's default clock.
//
// A span is written when its Stop arrives, begin and end together, so memory holds only the
// running spans. A reader sorts events by time, equal times in file order, so a slice must not
// be written before a slice enclosing it on its track that begins at the same nanosecond (a
// child started within the clock's resolution of its parent, which stops later): such a slice
// waits on the encloser and is written just after the encloser's begin. While anything waits on
// a track, every later slice there waits too, on its own encloser, so that the order of the
// track's packets stays the order of its events: the cost is memory, the slices of that track
// until the encloser stops (with a coarse clock, a long span tied with its first child holds
// its track's slices until it ends).

import { isSpanStart, isSpanStop, textField, type AnalysisItem, type SpanEventInput } from '../../analysis/span-events.js'
import { SpanStatus } from '../../format/span-records.js'
import type { FieldValue, TraceThread } from '../../reader/trace-items.js'
import { SPAN_ARGS, statusName } from '../span-args.js'
import { SpanPlacement, type SpanPlacementSink } from '../span-placement.js'
import { PacketSequence } from './packet-sequence.js'
import { TimelineTracks, type PerfettoProcess, type Track } from './timeline-tracks.js'
import { EVENT_COUNTER_VALUE, EVENT_NAME_IID, TYPE_COUNTER, TYPE_INSTANT, TYPE_SLICE_BEGIN, TYPE_SLICE_END } from './trace-proto-fields.js'

export type { PerfettoProcess } from './timeline-tracks.js'

/** A span placed on a track, with the slices that wait to be written inside it. */
interface Slice {
  readonly start: SpanEventInput
  readonly stop: SpanEventInput | undefined
  readonly track: Track
  readonly nested: Slice[] | undefined
}

const ID_FIELDS = ['activityId', 'parentId', 'traceId'] as const

export class PerfettoTraceEncoder implements SpanPlacementSink {
  private readonly sequence = new PacketSequence()
  private readonly tracks: TimelineTracks
  private readonly spans = new SpanPlacement(this)
  /** Slices waiting on an open span that encloses them and begins at the same time, by its Start. */
  private readonly waiting = new Map<SpanEventInput, Slice[]>()
  private lastNs = 0n
  private finished = false

  constructor(process: PerfettoProcess) {
    this.tracks = new TimelineTracks(this.sequence, process)
  }

  add(item: AnalysisItem): void {
    if (item.timestampNs !== undefined) this.lastNs = item.timestampNs
    if (item.kind === 'lost') {
      // At the last time seen when the loss has none (a LOSS chunk).
      const counter = this.tracks.lost(item.thread)
      counter.total += item.count
      this.sequence.beginEvent(item.timestampNs ?? this.lastNs, TYPE_COUNTER, counter.uuid)
      this.sequence.writer.uint(EVENT_COUNTER_VALUE, counter.total)
      this.sequence.endEvent()
    } else if (isSpanStart(item)) {
      this.spans.start(item)
    } else if (isSpanStop(item)) {
      this.spans.stop(item)
    } else {
      this.instant(item)
      this.sequence.annotations.addAll(item.fields, undefined)
      this.sequence.endEvent()
    }
  }

  /** Bytes written so far and not taken. */
  get pendingBytes(): number {
    return this.sequence.writer.length
  }

  /** The bytes produced since the last call: whole packets, to append to what came before. */
  take(): Uint8Array {
    return this.sequence.take()
  }

  /** Writes what is still open (spans without a Stop, Stops without a Start); the last bytes. */
  finish(): Uint8Array {
    if (!this.finished) {
      this.finished = true
      this.spans.finish()
    }
    return this.take()
  }

  complete(start: SpanEventInput, stop: SpanEventInput, enclosing: SpanEventInput | undefined): void {
    this.place(this.slice(start, stop, this.tracks.thread(start.thread)), enclosing)
  }

  async(start: SpanEventInput, stop: SpanEventInput | undefined, lane: string, enclosing: SpanEventInput | undefined): void {
    this.place(this.slice(start, stop, this.tracks.lane(start.thread, lane)), enclosing)
  }

  unterminated(start: SpanEventInput): void {
    this.write(this.slice(start, undefined, this.tracks.thread(start.thread)))
  }

  laneOpened(lane: string, first: SpanEventInput): void {
    this.tracks.openLane(lane, first)
  }

  laneClosed(lane: string, thread: TraceThread): void {
    this.tracks.closeLane(lane, thread)
  }

  leftTrack(span: SpanEventInput, successor: SpanEventInput | undefined): void {
    const nested = this.waiting.get(span)
    if (nested === undefined) return
    this.waiting.delete(span)
    for (const slice of nested) {
      slice.track.waiting--
      this.place(slice, successor)
    }
  }

  unmatchedStop(stop: SpanEventInput): void {
    this.instant(stop)
    const annotations = this.sequence.annotations
    annotations.add('problem', 'stop without start')
    annotations.add('activityId', textField(stop.fields, 'activityId'))
    this.statusAnnotations(stop.fields)
    this.sequence.endEvent()
  }

  duplicateStart(start: SpanEventInput): void {
    this.instant(start)
    this.sequence.annotations.add('problem', 'duplicate start')
    this.idAnnotations(start.fields)
    this.sequence.endEvent()
  }

  private slice(start: SpanEventInput, stop: SpanEventInput | undefined, track: Track): Slice {
    const nested = this.waiting.get(start)
    if (nested !== undefined) this.waiting.delete(start)
    return { start, stop, track, nested }
  }

  /** Writes `slice` now, or after the begin of `enclosing` when that begins at the same time. */
  private place(slice: Slice, enclosing: SpanEventInput | undefined): void {
    // Something open on the track holds what waits there, so `enclosing` is defined then.
    if (enclosing === undefined || (enclosing.timestampNs !== slice.start.timestampNs && slice.track.waiting === 0)) {
      this.write(slice)
      return
    }
    slice.track.waiting++
    const list = this.waiting.get(enclosing)
    if (list === undefined) this.waiting.set(enclosing, [slice])
    else list.push(slice)
  }

  private write(slice: Slice): void {
    const { start, stop, track } = slice
    const sequence = this.sequence
    sequence.beginEvent(start.timestampNs, TYPE_SLICE_BEGIN, track.uuid)
    sequence.writer.uint(EVENT_NAME_IID, sequence.eventNames.iid(start.name))
    const annotations = sequence.annotations
    annotations.addAll(start.fields, SPAN_ARGS)
    this.idAnnotations(start.fields)
    if (stop === undefined) {
      annotations.add('unterminated', true)
    } else {
      this.statusAnnotations(stop.fields)
      if (stop.thread !== start.thread) annotations.add('stopThread', stop.thread.id)
    }
    sequence.endEvent()
    if (slice.nested !== undefined) {
      for (const inner of slice.nested) {
        track.waiting--
        this.write(inner)
      }
    }
    if (stop === undefined) return
    // A Stop earlier than its Start (another thread's clock read) ends the slice where it begins.
    const endNs = stop.timestampNs < start.timestampNs ? start.timestampNs : stop.timestampNs
    if (endNs > track.lastEndNs) track.lastEndNs = endNs
    sequence.beginEvent(endNs, TYPE_SLICE_END, track.uuid)
    sequence.endEvent()
  }

  /** Begins an instant on the event's thread track, named; add annotations, then endEvent(). */
  private instant(event: SpanEventInput): void {
    const sequence = this.sequence
    sequence.beginEvent(event.timestampNs, TYPE_INSTANT, this.tracks.thread(event.thread).uuid)
    sequence.writer.uint(EVENT_NAME_IID, sequence.eventNames.iid(event.name))
  }

  private idAnnotations(fields: Record<string, FieldValue>): void {
    for (const name of ID_FIELDS) this.sequence.annotations.add(name, textField(fields, name))
  }

  private statusAnnotations(fields: Record<string, FieldValue>): void {
    const annotations = this.sequence.annotations
    const status = typeof fields.status === 'number' ? fields.status : SpanStatus.Unset
    annotations.add('status', statusName(status))
    if (status === SpanStatus.Error) {
      annotations.add('errorType', textField(fields, 'errorType'))
      annotations.add('errorMessage', textField(fields, 'errorMessage'))
    }
  }
}
