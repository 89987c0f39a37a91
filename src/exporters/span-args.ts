// The names a timeline export gives a span's own arguments, besides its attributes.

import { START_ID_FIELDS } from '../analysis/span-events.js'

/** Names the exporters set in a span's args; attributes of these names are left out. */
export const SPAN_ARGS: ReadonlySet<string> = new Set([...START_ID_FIELDS, 'status', 'errorType', 'errorMessage', 'stopThread', 'unterminated'])

const STATUS_NAMES = ['unset', 'ok', 'error']

/** A Stop's `status` field (SpanStatus) as text: unset, ok, error, or the number when unknown. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? String(status)
}
