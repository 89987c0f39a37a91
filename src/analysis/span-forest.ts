// What span pairing and linking produce, before any statistics.

import type { TraceThread } from '../reader/trace-items.js'
import type { SpanNode } from './span-node.js'

/** A span event that could not be used, as it was read. */
export interface SpanEventRecord {
  readonly name: string
  readonly activityId: string
  readonly timestampNs: bigint
  readonly thread: TraceThread
}

/**
 * Damage and oddities of the span records. None of them stops the analysis; each says what was
 * done about it.
 */
export interface SpanProblems {
  /** Starts without a Stop (the span never ended, its Stop was lost, or the process died): kept, ending at the trace's end. */
  readonly unterminated: SpanNode[]
  /** Stops whose Start the trace does not hold (lost, or before the file began): left out. */
  readonly orphanStops: SpanEventRecord[]
  /** A second Stop for a span: left out. */
  readonly duplicateStops: SpanEventRecord[]
  /** A Start reusing another span's activityId: left out, the first one stays. */
  readonly duplicateStarts: SpanEventRecord[]
  /** Spans whose Stop is earlier than their Start: kept, with a duration of 0. */
  readonly stopBeforeStart: SpanNode[]
  /** Spans starting before or ending after their parent (a parent ending before its children). */
  readonly outsideParent: SpanNode[]
  /** Spans whose parentId names no span of the trace: kept as roots. */
  readonly missingParent: SpanNode[]
  /** Spans whose parent links ran in a cycle: the link is cut, the span becomes a root. */
  readonly parentCycles: SpanNode[]
}

export interface SpanForest {
  /** Time 0 of every SpanNode time: the earliest span Start, in ns since the Unix epoch. */
  readonly originNs: bigint
  /** The last timestamp of the input (any item), from the origin. */
  readonly endNs: number
  /** Every span, in the order its pair completed. */
  readonly spans: readonly SpanNode[]
  /** Sorted by start time. */
  readonly roots: readonly SpanNode[]
  readonly problems: SpanProblems
  /** Events that are not span records. */
  readonly otherEvents: number
  /** Events the trace reports lost: span problems may come from them. */
  readonly lostEvents: number
}
