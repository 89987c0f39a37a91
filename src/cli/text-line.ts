// One trace item as a line for people: time, thread, level and name, then the fields as the
// NDJSON line writes them, then the span it was traced in (a correlated event's). Names and
// values come from the file, so the line is made printable.

import type { EventSchema } from '../reader/event-schema.js'
import type { TraceItem, TraceThread } from '../reader/trace-items.js'
import { levelName } from './level-names.js'
import { fieldsJsonOf, isoTime } from './ndjson-line.js'
import { printable } from './text-table.js'

/** Where a loss report has no time (a LOSS chunk): as wide as a time, to keep the columns. */
const NO_TIME = '-'.padEnd(isoTime(0).length)

const LEVEL_WIDTH = 8

const LOSS_REASONS = [
  ['ringFull', 'ring full'], ['invalid', 'invalid'], ['overwritten', 'overwritten'], ['unwritten', 'unwritten'],
] as const

function threadText(thread: TraceThread): string {
  return `[${thread.name}#${thread.id}]`
}

/** `schema`: the event's schema (TraceReader#schemaOf); unused for loss reports. */
export function textLine(item: TraceItem, schema: EventSchema | undefined): string {
  if (item.kind === 'event') {
    if (schema === undefined) throw new RangeError(`no schema for event ${item.name}`)
    const span = item.traceId === undefined ? '' : ` trace=${item.traceId} span=${item.spanId}`
    const cut = item.truncated === undefined ? '' : ` (cut short: ${item.truncated.join(', ')})`
    return `${printable(`${isoTime(item.time)} ${threadText(item.thread)} ${levelName(item.level).padEnd(LEVEL_WIDTH)} ${item.name} ` +
      `${fieldsJsonOf(item, schema)}${span}${cut}`)}\n`
  }
  const reasons = LOSS_REASONS.filter(([key]) => item[key] > 0).map(([key, reason]) => `${item[key]} ${reason}`)
  const why = reasons.length === 0 ? '' : ` (${reasons.join(', ')})`
  const byEvent = item.byEvent === undefined ? '' : ` ${JSON.stringify(item.byEvent)}`
  const time = item.time === undefined ? NO_TIME : isoTime(item.time)
  return `${printable(`${time} ${threadText(item.thread)} lost ${item.count} event${item.count === 1 ? '' : 's'}${why}${byEvent}`)}\n`
}
