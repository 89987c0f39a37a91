// Which track each span goes on in the Chrome export, decided while streaming.
//
// Viewers nest the complete ('X') slices of one thread track by time, and the nestable async
// ('b'/'e') slices of one async track (same cat + id, per process) by time too: a slice that
// overlaps another on its track without nesting is drawn wrongly or dropped. Node runs many
// async spans on one thread, so a span is kept as 'X' only when it provably nests, and every
// other span goes on an async track ("lane") where it provably nests as well.
//
// Per thread, a stack of open spans (by Start) plays the thread track: each entry's parent is
// the entry below it (or the bottom entry has no open parent). A span started on thread T:
//   - is pushed (an 'X' candidate) when its parent is the top of T's stack, or when it has no
//     open parent and the stack is empty;
//   - otherwise goes to a lane of T: its parent's lane when the parent is that lane's top, else
//     the trace's lane of T when that is empty, else a lane of its own. Lanes are stacks too,
//     with the same parent-below rule.
// At a Stop (from T's own stream, so in T's time order) the entries above the stopping one are
// still open, so they outlive it: they move, in order, to a fresh lane keyed by the first of
// them, and the stopping span pops off as 'X' (thread stack) or as a 'b'/'e' pair (lane).
// A Stop from another thread is not in T's time order, so that span leaves its stack (what was
// above it moves to a fresh lane) and gets a lane of its own; a Stop read before its Start
// likewise. A lane only ever receives new Starts of T (in time order) or a moved run under a
// never-used key, so what a lane holds nests. Memory is the open spans: a stack entry or lane
// lives while its span runs.
//
// The Perfetto export turns lanes into tracks of its own and writes a slice's begin and end
// together at its Stop, so it needs two more facts (the optional sink hooks): when a lane starts
// and stops holding spans, so a track can serve another lane once the first has ended; and,
// for each slice, the open span it nests in on its track (`enclosing`, and `leftTrack` when
// that span moves away), so that a slice starting at the same nanosecond as its encloser can be
// written after the encloser's begin.
//
// Lane ids (`id2.local`, process-scoped): `<trace>@<tid>` for the trace's lane on thread tid,
// `<trace>@<tid>/<activityId>` for a lane opened by that span, `<trace>/<activityId>` for a span
// stopped on another thread. <trace> is the traceId, or the root's activityId without one.

import type { TraceThread } from '../reader/trace-items.js'
import { textField, ZERO_ID, type SpanEventInput } from '../analysis/span-events.js'

export interface SpanTrackSink {
  /**
   * A span that nests on its start thread's track: a complete event. `enclosing`: the open span
   * it nests in on that track (the entry below it), if any.
   */
  complete(start: SpanEventInput, stop: SpanEventInput, enclosing: SpanEventInput | undefined): void
  /** A span on async lane `lane`; `stop` undefined when it never stopped; `enclosing` as for complete(). */
  async(start: SpanEventInput, stop: SpanEventInput | undefined, lane: string, enclosing: SpanEventInput | undefined): void
  /** A span still open at the end, nested on its thread's track: a begin without end. */
  unterminated(start: SpanEventInput): void
  // For writers that give each lane a track of their own and order what shares a timestamp
  // (Perfetto): what the Chrome export leaves to ids and the viewer's sort.
  /** Lane `lane` of `first.thread` starts to hold spans; `first` is its earliest. Every async() of a lane comes between laneOpened and laneClosed. */
  laneOpened?(lane: string, first: SpanEventInput): void
  /** Lane `lane` of `thread` holds nothing any more: a later laneOpened may reuse its key. */
  laneClosed?(lane: string, thread: TraceThread): void
  /** `span`, still open, leaves its track; what was written there inside it nests in `successor` (undefined: in nothing open). */
  leftTrack?(span: SpanEventInput, successor: SpanEventInput | undefined): void
}

interface OpenSpan {
  readonly start: SpanEventInput
  readonly id: string
  readonly trace: string
  readonly thread: ThreadTracks
  /** undefined: on the thread stack; else the lane's id. */
  lane: string | undefined
}

class ThreadTracks {
  readonly stack: OpenSpan[] = []
  readonly lanes = new Map<string, OpenSpan[]>()
  constructor(readonly thread: TraceThread) {}
}

export class SpanTracks {
  private readonly open = new Map<string, OpenSpan>()
  private readonly threads = new Map<TraceThread, ThreadTracks>()

  constructor(private readonly sink: SpanTrackSink) {}

  /** Spans open (started, not stopped): what the tracks hold. */
  get openCount(): number {
    return this.open.size
  }

  /** A Start whose Stop is not known yet; its activityId must not be open. */
  start(start: SpanEventInput): void {
    const id = textField(start.fields, 'activityId')
    const parent = this.open.get(textField(start.fields, 'parentId'))
    const tracks = this.tracksOf(start.thread)
    const span: OpenSpan = { start, id, trace: this.traceOf(start, parent), thread: tracks, lane: undefined }
    this.open.set(id, span)
    const top = tracks.stack.at(-1)
    if (parent === undefined ? top === undefined : top === parent) {
      tracks.stack.push(span)
      return
    }
    let lane: string
    const parentLane = parent?.lane === undefined || parent.thread !== tracks ? undefined : tracks.lanes.get(parent.lane)
    if (parentLane !== undefined && parentLane.at(-1) === parent) {
      lane = parent!.lane!
    } else {
      lane = `${span.trace}@${tracks.thread.id}`
      if ((tracks.lanes.get(lane)?.length ?? 0) !== 0) lane = `${lane}/${id}`
    }
    this.pushLane(tracks, lane, [span])
  }

  /** A Start whose Stop was read first (pairing had it waiting): a lane of its own. */
  stoppedBeforeStart(start: SpanEventInput, stop: SpanEventInput): void {
    const id = textField(start.fields, 'activityId')
    const trace = this.traceOf(start, this.open.get(textField(start.fields, 'parentId')))
    this.single(start, stop, `${trace}/${id}`)
  }

  /** The Stop of a span passed to start(); `stop` undefined at the end for one still open. */
  stop(start: SpanEventInput, stop: SpanEventInput | undefined): void {
    const span = this.open.get(textField(start.fields, 'activityId'))
    if (span === undefined || span.start !== start) throw new Error('SpanTracks.stop: span not started here')
    this.open.delete(span.id)
    const tracks = span.thread
    if (stop === undefined) {
      // Everything still open runs to the end, so what is left on a stack or lane nests as is.
      if (span.lane === undefined) this.sink.unterminated(start)
      else this.sink.async(start, undefined, span.lane, undefined)
      return
    }
    const list = span.lane === undefined ? tracks.stack : tracks.lanes.get(span.lane)!
    const at = list.lastIndexOf(span)
    const above = list.splice(at + 1)
    list.pop()
    const elsewhere = stop.thread !== start.thread
    // What was written inside a span that moves away stays on this track, inside the stopping
    // span, or (when that one leaves too) inside what is below it; bottom first, as what was
    // written inside a lower span came earlier.
    const successor = elsewhere ? list.at(-1)?.start : start
    if (elsewhere) this.sink.leftTrack?.(start, successor)
    for (const moved of above) this.sink.leftTrack?.(moved.start, successor)
    if (above.length !== 0) this.pushLane(tracks, `${above[0].trace}@${tracks.thread.id}/${above[0].id}`, above)
    if (elsewhere) this.single(start, stop, `${span.trace}/${span.id}`)
    else if (span.lane === undefined) this.sink.complete(start, stop, list.at(-1)?.start)
    else this.sink.async(start, stop, span.lane, list.at(-1)?.start)
    if (span.lane !== undefined && list.length === 0) {
      tracks.lanes.delete(span.lane)
      this.sink.laneClosed?.(span.lane, tracks.thread)
    }
  }

  /** A span alone on a lane opened for it. */
  private single(start: SpanEventInput, stop: SpanEventInput, lane: string): void {
    this.sink.laneOpened?.(lane, start)
    this.sink.async(start, stop, lane, undefined)
    this.sink.laneClosed?.(lane, start.thread)
  }

  private pushLane(tracks: ThreadTracks, lane: string, spans: OpenSpan[]): void {
    let list = tracks.lanes.get(lane)
    if (list === undefined) {
      tracks.lanes.set(lane, list = [])
      this.sink.laneOpened?.(lane, spans[0].start)
    }
    for (const span of spans) {
      span.lane = lane
      list.push(span)
    }
  }

  private tracksOf(thread: TraceThread): ThreadTracks {
    let tracks = this.threads.get(thread)
    if (tracks === undefined) this.threads.set(thread, tracks = new ThreadTracks(thread))
    return tracks
  }

  private traceOf(start: SpanEventInput, parent: OpenSpan | undefined): string {
    const traceId = textField(start.fields, 'traceId')
    if (traceId !== '' && traceId !== ZERO_ID) return traceId
    if (parent !== undefined) return parent.trace
    const parentId = textField(start.fields, 'parentId')
    return parentId === '' || parentId === ZERO_ID ? textField(start.fields, 'activityId') : parentId
  }
}
