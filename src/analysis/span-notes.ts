// What was traced inside each span besides its children: log lines and correlated events, which
// carry their span's id (TraceEvent.spanId), kept for the views to show under the span. Bounded,
// as everything the analysis keeps per event must be: the first NOTES_PER_SPAN of a span and at
// most MAX_NOTES in all, the rest counted per span.

import { fieldJson } from '../exporters/field-json.js'
import type { FieldValue } from '../reader/trace-items.js'
import type { SpanEventInput } from './span-events.js'

export const NOTES_PER_SPAN = 10
export const MAX_NOTES = 10_000
/** Characters of a note's text. */
const TEXT_LENGTH = 160

export interface SpanNote {
  /** Nanoseconds from the analysis origin, as the span's times. */
  atNs: number
  /** The ETW level of the line or event (1 Critical .. 5 Verbose; 0 LogAlways). */
  readonly level: number
  /** A line's message, else the event's name, then its fields as key=value. */
  readonly text: string
}

/** How the views name a note's ETW level (index; LogAlways has none). */
export const NOTE_LEVEL_LABELS: readonly string[] = ['', 'CRIT', 'ERROR', 'WARN', 'INFO', 'DEBUG']

/** What the views get per span: its notes, and how many more there were. */
export interface SpanNotesOf {
  readonly notes: readonly SpanNote[]
  readonly leftOut: number
}

function noteText(event: SpanEventInput): string {
  const { fields } = event
  const message = fields.msg
  let text = typeof message === 'string' ? message : event.name
  for (const key of Object.keys(fields)) {
    if (key === 'msg' && typeof message === 'string') continue
    if (text.length >= TEXT_LENGTH) break
    text += ` ${key}=${fieldJson(fields[key] as FieldValue)}`
  }
  return text.length > TEXT_LENGTH ? `${text.slice(0, TEXT_LENGTH - 1)}…` : text
}

export class SpanNotes {
  private readonly bySpan = new Map<string, { notes: SpanNote[]; leftOut: number }>()
  private kept = 0

  /** An event traced in the span of hex id `spanId`, at `atNs` from the collector's base. */
  add(spanId: string, event: SpanEventInput & { level?: number }, atNs: number): void {
    let entry = this.bySpan.get(spanId)
    if (entry === undefined) {
      entry = { notes: [], leftOut: 0 }
      this.bySpan.set(spanId, entry)
    }
    if (entry.notes.length >= NOTES_PER_SPAN || this.kept >= MAX_NOTES) {
      entry.leftOut++
      return
    }
    entry.notes.push({ atNs, level: event.level ?? 0, text: noteText(event) })
    this.kept++
  }

  /** The notes of the span whose span id (16 hex digits) is `spanId`, times moved by `shiftNs`. */
  take(spanId: string, shiftNs: number): SpanNotesOf | undefined {
    const entry = this.bySpan.get(spanId)
    if (entry === undefined) return undefined
    for (const note of entry.notes) note.atNs -= shiftNs
    return entry
  }
}

/**
 * The span id (16 hex digits, as TraceEvent.spanId gives it) of an activity id in the reader's
 * GUID text: its first 8 bytes, the first three groups stored little-endian.
 */
export function spanIdOfActivity(activityId: string): string {
  return activityId.slice(6, 8) + activityId.slice(4, 6) + activityId.slice(2, 4) + activityId.slice(0, 2) +
    activityId.slice(11, 13) + activityId.slice(9, 11) + activityId.slice(16, 18) + activityId.slice(14, 16)
}
