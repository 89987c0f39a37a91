// One span of an analysed trace, linked into its tree. A class, so that a million of them share
// one hidden class and the attributes object is built only when asked for.

import type { FieldValue, TraceThread } from '../reader/trace-items.js'
import { SpanStatus } from '../format/span-records.js'
import { spanAttributes } from './span-events.js'
import type { SpanNote } from './span-notes.js'

/**
 * Not frozen: a frozen array has its own elements kind, and children reads would see a third one
 * beside this empty array's and the exactly sized arrays linkSpans makes.
 */
const NO_CHILDREN: readonly SpanNode[] = []
const NO_NOTES: readonly SpanNote[] = []

export class SpanNode {
  /** Null for a root (a zero parentId, or a parent the trace does not hold). */
  parent: SpanNode | null = null
  /** Sorted by start time. Leaves share one empty array: most spans are leaves. */
  children: readonly SpanNode[] = NO_CHILDREN
  /** Depth in its tree; roots are 0. */
  depth = 0
  /** Duration less the time covered by children (their union, clipped to this span). */
  selfNs = 0
  onCriticalPath = false
  /** Log lines and events traced in this span (span-notes.ts), the first few. */
  notes: readonly SpanNote[] = NO_NOTES
  /** Notes of this span not kept. */
  notesLeftOut = 0

  constructor(
    readonly id: string,
    readonly parentId: string,
    readonly traceId: string,
    readonly name: string,
    /** The thread whose stream holds the Start. */
    readonly thread: TraceThread,
    /** The thread whose stream holds the Stop; null when there is no Stop. */
    readonly stopThread: TraceThread | null,
    /** Nanoseconds from the analysis origin (TraceAnalysis#originNs). */
    public startNs: number,
    /** For a span without a Stop: the last timestamp of the trace. */
    public endNs: number,
    /** False for a Start without a Stop. */
    readonly terminated: boolean,
    /** 0 unset, 1 ok, 2 error (unset for a span without a Stop). */
    readonly status: number,
    readonly errorType: string,
    readonly errorMessage: string,
    /** The Start's decoded fields, ids included. */
    readonly startFields: Record<string, FieldValue>,
  ) {}

  /** Cuts the link to `child` (a cycle of bad parent ids). */
  removeChild(child: SpanNode): void {
    const children = this.children as SpanNode[]
    children.splice(children.indexOf(child), 1)
  }

  get durationNs(): number {
    return this.endNs - this.startNs
  }

  get failed(): boolean {
    return this.status === SpanStatus.Error
  }

  /** The Start's attribute fields (a new object per call). */
  get attributes(): Record<string, FieldValue> {
    return spanAttributes(this.startFields)
  }
}
