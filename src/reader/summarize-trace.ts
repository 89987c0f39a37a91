// Counts over a whole trace, and the accounting check of docs/FORMAT.md section 3: per stream,
// the producer's `written` (END chunk) must equal delivered + lost.

import type { StreamExport, StreamState } from './stream-state.js'
import { TraceFileError } from './trace-file-error.js'
import type { TraceItem } from './trace-items.js'
import { TraceReader } from './trace-reader.js'

export interface ThreadSummary {
  stream: number
  threadId: number
  name: string
  isMainThread: boolean
  events: number
  lost: number
  lostRingFull: number
  lostInvalid: number
  lostOverwritten: number
  /** Events the writer could not put in the file (LOSS reason 2). */
  lostUnwritten: number
  /** From the END chunk; absent when the stream was not closed. */
  written?: number
  /** The stream has an END chunk. */
  closed: boolean
  /** The END check: see `Accounting`. */
  accounting: Accounting
  /** accounting === 'balanced': never true for a stream without END. */
  balanced: boolean
  /** The stream's live export at close (its EXPORT chunk); absent when it did not export. */
  export?: StreamExport
}

/**
 * `balanced`: END's written === delivered + lost. `unbalanced`: it is not. `incomplete`: there
 * is no END (the thread was killed, the process died, the file was cut), so the producer's own
 * count is unknown: events it dropped after its last LOST record, and events still in its ring,
 * are missing from `lost` and nothing in the file can say how many.
 */
export type Accounting = 'balanced' | 'unbalanced' | 'incomplete'

export interface TraceSummary {
  events: number
  lost: number
  lostRingFull: number
  lostInvalid: number
  lostOverwritten: number
  lostUnwritten: number
  /**
   * Sum over streams of END's written, or events + lost for a stream without END: a lower bound
   * when `accounting` is 'incomplete'.
   */
  written: number
  /** 'unbalanced' if any stream is, else 'incomplete' if any stream has no END, else 'balanced'. */
  accounting: Accounting
  /** accounting === 'balanced'. */
  balanced: boolean
  /** Streams without an END chunk, whose loss is unknown. */
  streamsWithoutEnd: number
  /** Delivered events per name. */
  byEvent: Record<string, number>
  /** Dropped events per name, as far as LOST records name them. */
  lostByEvent: Record<string, number>
  threads: ThreadSummary[]
  /** Epoch ns of the earliest and latest event; undefined without events. */
  firstNs: bigint | undefined
  lastNs: bigint | undefined
  durationMs: number
  provider: string
  pid: number
  hostname: string
}

export interface PartialSummary {
  summary: TraceSummary
  /** Where reading stopped on a damaged file; the summary covers what precedes it. */
  error?: TraceFileError
}

/** Summary of a trace; throws a TraceFileError for a damaged file. */
export async function summarizeTrace(path: string): Promise<TraceSummary> {
  const { summary, error } = await summarizeTracePrefix(path)
  if (error !== undefined) throw error
  return summary
}

/** Summary of the readable part of a trace, and the damage that ended it, if any. */
export async function summarizeTracePrefix(path: string): Promise<PartialSummary> {
  const reader = new TraceReader(path, { decodeFields: false })
  const tally = new Tally()
  let error: TraceFileError | undefined
  try {
    for await (const batch of reader.batches()) tally.add(batch)
  } catch (caught) {
    if (!(caught instanceof TraceFileError)) throw caught
    error = caught
  }
  return { summary: tally.summary(reader), error }
}

class Tally {
  private readonly byEvent = new Map<string, number>()
  private readonly lostByEvent = new Map<string, number>()
  private firstTime = Infinity
  private lastTime = -Infinity
  private firstNs: bigint | undefined = undefined
  private lastNs: bigint | undefined = undefined

  add(batch: TraceItem[]): void {
    for (const item of batch) {
      if (item.kind === 'lost') {
        for (const [name, count] of Object.entries(item.byEvent ?? {})) {
          this.lostByEvent.set(name, (this.lostByEvent.get(name) ?? 0) + count)
        }
        continue
      }
      this.byEvent.set(item.name, (this.byEvent.get(item.name) ?? 0) + 1)
      // Streams interleave, so file order is not time order.
      if (item.time < this.firstTime) {
        this.firstTime = item.time
        this.firstNs = item.timestampNs
      }
      if (item.time > this.lastTime) {
        this.lastTime = item.time
        this.lastNs = item.timestampNs
      }
    }
  }

  summary(reader: TraceReader): TraceSummary {
    const threads = reader.streams.map(threadSummary)
    const sum = (key: 'events' | 'lost' | 'lostRingFull' | 'lostInvalid' | 'lostOverwritten' | 'lostUnwritten'): number =>
      threads.reduce((total, thread) => total + thread[key], 0)
    const file = reader.file
    return {
      events: sum('events'),
      lost: sum('lost'),
      lostRingFull: sum('lostRingFull'),
      lostInvalid: sum('lostInvalid'),
      lostOverwritten: sum('lostOverwritten'),
      lostUnwritten: sum('lostUnwritten'),
      written: threads.reduce((total, t) => total + (t.written ?? t.events + t.lost), 0),
      accounting: threads.some((t) => t.accounting === 'unbalanced') ? 'unbalanced'
        : threads.some((t) => t.accounting === 'incomplete') ? 'incomplete' : 'balanced',
      balanced: threads.every((thread) => thread.balanced),
      streamsWithoutEnd: threads.filter((t) => !t.closed).length,
      byEvent: Object.fromEntries(this.byEvent),
      lostByEvent: Object.fromEntries(this.lostByEvent),
      threads,
      firstNs: this.firstNs,
      lastNs: this.lastNs,
      durationMs: this.firstNs === undefined ? 0 : Number(this.lastNs! - this.firstNs) / 1e6,
      provider: file?.provider ?? '',
      pid: file?.pid ?? 0,
      hostname: file?.hostname ?? '',
    }
  }
}

function threadSummary(state: StreamState): ThreadSummary {
  const end = state.end
  // A LOST record is written only before the next event that fits, so drops just before the
  // thread stopped may reach the file only in END's totals.
  const lostRingFull = Math.max(state.lostRingFull, end?.ringFull ?? 0)
  const lostInvalid = Math.max(state.lostInvalid, end?.invalid ?? 0)
  const lost = lostRingFull + lostInvalid + state.lostOverwritten + state.lostUnwritten
  const summary: ThreadSummary = {
    stream: state.stream,
    threadId: state.thread.id,
    name: state.thread.name,
    isMainThread: state.thread.isMainThread,
    events: state.delivered,
    lost,
    lostRingFull,
    lostInvalid,
    lostOverwritten: state.lostOverwritten,
    lostUnwritten: state.lostUnwritten,
    closed: end !== undefined,
    accounting: end === undefined ? 'incomplete' : end.written === state.delivered + lost ? 'balanced' : 'unbalanced',
    balanced: end !== undefined && end.written === state.delivered + lost,
  }
  if (end !== undefined) summary.written = end.written
  if (state.exported !== undefined) summary.export = state.exported
  return summary
}
