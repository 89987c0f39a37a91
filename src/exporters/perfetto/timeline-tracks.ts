// The tracks of the export, each described (a TrackDescriptor packet) before its first event:
//   process track     uuid 1: the traced process (pid, the provider as its name)
//   thread tracks     one per stream: pid, tid, thread name; the spans that nest there
//   async tracks      children of the process track, named "<thread> async <n>": the lanes of
//                     that thread (span-tracks.ts), one lane on a track at a time
//   counter tracks    "events lost" of a thread (a child of its track), or of the process
// Uuids count up from 1: unique within the file, and one or two bytes in every event.
//
// A lane holds spans only for a while, and concurrent requests open lanes all the time, so a
// track per lane would grow without bound (memory, and rows in the viewer). A closed lane's
// track goes back to its thread's free list and serves the next lane whose earliest span starts
// after the latest end written on it: what the track then holds is one nested run after the
// other. (Strictly after: at an equal time a zero-length slice of the old lane and a span of
// the new one would sit side by side where the viewer could as well have nested them.)

import type { SpanEventInput } from '../../analysis/span-events.js'
import type { TraceThread } from '../../reader/trace-items.js'
import type { PacketSequence } from './packet-sequence.js'
import {
  COUNTER_UNIT, PROCESS_NAME, PROCESS_PID, THREAD_NAME, THREAD_PID, THREAD_TID, TRACK_COUNTER, TRACK_NAME,
  TRACK_PARENT_UUID, TRACK_PROCESS, TRACK_THREAD, UNIT_COUNT,
} from './trace-proto-fields.js'

export interface PerfettoProcess {
  readonly pid: number
  /** The process's name in viewers (the tracer's provider name). */
  readonly name: string
}

export interface Track {
  readonly uuid: number
  /** The latest end written on the track. */
  lastEndNs: bigint
  /** Slices placed on the track that wait to be written (perfetto-trace-encoder.ts). */
  waiting: number
}

export interface LostCounter {
  readonly uuid: number
  /** Events lost so far: the counter's value. */
  total: number
}

class ThreadTracks {
  readonly lanes = new Map<string, Track>()
  readonly free: Track[] = []
  asyncTracks = 0
  lost: LostCounter | undefined
  constructor(readonly track: Track, readonly name: string) {}
}

const PROCESS_UUID = 1

export class TimelineTracks {
  private readonly threads = new Map<TraceThread, ThreadTracks>()
  private lastUuid = PROCESS_UUID
  private processLost: LostCounter | undefined

  constructor(private readonly sequence: PacketSequence, private readonly process: PerfettoProcess) {
    const w = sequence.writer
    sequence.beginDescriptor(PROCESS_UUID)
    const mark = w.begin(TRACK_PROCESS)
    w.int(PROCESS_PID, process.pid)
    w.string(PROCESS_NAME, process.name)
    w.end(mark)
    sequence.endDescriptor()
  }

  /** The thread's own track. */
  thread(thread: TraceThread): Track {
    return this.of(thread).track
  }

  /** Gives lane `lane` of `first.thread` a track free since `first` started. */
  openLane(lane: string, first: SpanEventInput): void {
    const tracks = this.of(first.thread)
    const at = tracks.free.findIndex((track) => track.lastEndNs < first.timestampNs)
    let track: Track
    if (at === -1) {
      track = { uuid: ++this.lastUuid, lastEndNs: 0n, waiting: 0 }
      this.sequence.beginDescriptor(track.uuid)
      this.sequence.writer.uint(TRACK_PARENT_UUID, PROCESS_UUID)
      this.sequence.writer.string(TRACK_NAME, `${tracks.name} async ${++tracks.asyncTracks}`)
      this.sequence.endDescriptor()
    } else {
      track = tracks.free[at]!
      tracks.free[at] = tracks.free.at(-1)!
      tracks.free.pop()
    }
    tracks.lanes.set(lane, track)
  }

  /** The track of an open lane. */
  lane(thread: TraceThread, lane: string): Track {
    const track = this.of(thread).lanes.get(lane)
    if (track === undefined) throw new Error(`TimelineTracks.lane: lane ${lane} is not open`)
    return track
  }

  closeLane(lane: string, thread: TraceThread): void {
    const tracks = this.of(thread)
    tracks.free.push(this.lane(thread, lane))
    tracks.lanes.delete(lane)
  }

  /** The "events lost" counter of `thread`, or of the process for a loss of no thread. */
  lost(thread: TraceThread | undefined): LostCounter {
    if (thread === undefined) return this.processLost ??= this.counter(PROCESS_UUID)
    const tracks = this.of(thread)
    return tracks.lost ??= this.counter(tracks.track.uuid)
  }

  private counter(parent: number): LostCounter {
    const counter = { uuid: ++this.lastUuid, total: 0 }
    const w = this.sequence.writer
    this.sequence.beginDescriptor(counter.uuid)
    w.uint(TRACK_PARENT_UUID, parent)
    w.string(TRACK_NAME, 'events lost')
    const mark = w.begin(TRACK_COUNTER)
    w.uint(COUNTER_UNIT, UNIT_COUNT)
    w.end(mark)
    this.sequence.endDescriptor()
    return counter
  }

  private of(thread: TraceThread): ThreadTracks {
    let tracks = this.threads.get(thread)
    if (tracks !== undefined) return tracks
    const name = thread.name === '' ? `thread ${thread.id}` : thread.name
    tracks = new ThreadTracks({ uuid: ++this.lastUuid, lastEndNs: 0n, waiting: 0 }, name)
    this.threads.set(thread, tracks)
    const w = this.sequence.writer
    this.sequence.beginDescriptor(tracks.track.uuid)
    w.uint(TRACK_PARENT_UUID, PROCESS_UUID)
    const mark = w.begin(TRACK_THREAD)
    w.int(THREAD_PID, this.process.pid)
    w.int(THREAD_TID, thread.id)
    w.string(THREAD_NAME, name)
    w.end(mark)
    this.sequence.endDescriptor()
    return tracks
  }
}
