// Spans paired (span-pairing.ts) and placed on tracks (span-tracks.ts) while streaming: the
// pipeline every timeline exporter shares, so the Chrome and Perfetto writers only encode.

import type { SpanEventInput } from '../analysis/span-events.js'
import { SpanPairing, type SpanPairSink } from '../analysis/span-pairing.js'
import { SpanTracks, type SpanTrackSink } from './span-tracks.js'

export interface SpanPlacementSink extends SpanTrackSink {
  /** A Stop with no Start of its id left to pair with: orphan, or a second Stop. */
  unmatchedStop(stop: SpanEventInput): void
  /** A Start whose activityId is already running: set aside, the first span stays. */
  duplicateStart(start: SpanEventInput): void
}

export class SpanPlacement implements SpanPairSink {
  private readonly pairing = new SpanPairing(this)
  private readonly tracks: SpanTracks
  /** The Start being handed to the pairing, and whether the pairing settled it at once. */
  private starting: SpanEventInput | undefined
  private startSettled = false

  constructor(private readonly sink: SpanPlacementSink) {
    this.tracks = new SpanTracks(sink)
  }

  start(start: SpanEventInput): void {
    // The pairing settles a Start at once when its Stop came first or its id is running.
    this.starting = start
    this.startSettled = false
    this.pairing.start(start)
    this.starting = undefined
    if (!this.startSettled) this.tracks.start(start)
  }

  stop(stop: SpanEventInput): void {
    this.pairing.stop(stop)
  }

  /** Hands out what is still open: spans without a Stop, then Stops without a Start. */
  finish(): void {
    this.pairing.finish()
  }

  paired(start: SpanEventInput, stop: SpanEventInput | undefined): void {
    if (start === this.starting && stop !== undefined) {
      this.startSettled = true
      this.tracks.stoppedBeforeStart(start, stop)
    } else {
      this.tracks.stop(start, stop)
    }
  }

  unmatchedStop(stop: SpanEventInput): void {
    this.sink.unmatchedStop(stop)
  }

  duplicateStart(start: SpanEventInput): void {
    if (start === this.starting) this.startSettled = true
    this.sink.duplicateStart(start)
  }
}
