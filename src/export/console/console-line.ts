// A trace event as one human line for a developer's terminal:
//
//   14:03:07.412 INFO  api: signed in userId=42 ok=true trace=4bf92f35 span=00f067aa
//
// local time, level, component (the `component` binding, else the logger's name unless it is the
// default), message, then every other field as key=value and the first 8 hex digits of the trace
// and span ids. An `err` field (an Error the logger recorded) adds its stack below, indented.
// Control characters in text are escaped, so a logged value can neither break a line nor send
// escape sequences to the terminal. Colours are ANSI SGR codes; without them the line is plain.

import { OutType } from '../../dynamic/out-type.js'
import { MESSAGE_FIELD } from '../../format/log-lines.js'
import { LOG_LEVELS } from '../../log/log-levels.js'
import type { EventSchema, SchemaField } from '../../reader/event-schema.js'
import { guidText } from '../../reader/guid-text.js'
import type { FieldValue, TraceEvent } from '../../reader/trace-items.js'
import { base64Text } from '../../exporters/field-json.js'
import { pinoLevelOf } from '../../exporters/pino-line.js'
import { sgr } from '../../views/terminal-style.js'

const COMPONENT_FIELD = 'component'
const ERROR_FIELD = 'err'
/** A logger without a `name` option names its lines so (logger.ts): not worth showing. */
const DEFAULT_LOGGER_NAME = 'log'
const ID_DIGITS = 8

type Paint = (text: string) => string
const plain: Paint = (text) => text

interface Palette {
  level(level: number): Paint
  dim: Paint
  name: Paint
}

const LEVEL_PAINT: readonly [number, Paint][] = [
  [LOG_LEVELS.fatal, sgr(41, 49)],
  [LOG_LEVELS.error, sgr(31, 39)],
  [LOG_LEVELS.warn, sgr(33, 39)],
  [LOG_LEVELS.info, sgr(32, 39)],
  [LOG_LEVELS.debug, sgr(34, 39)],
  [0, sgr(90, 39)],
]

const COLOURS: Palette = {
  level: (level) => LEVEL_PAINT.find(([at]) => level >= at)![1],
  dim: sgr(2, 22),
  name: sgr(36, 39),
}
const PLAIN: Palette = { level: () => plain, dim: plain, name: plain }

export function paletteOf(colors: boolean): Palette {
  return colors ? COLOURS : PLAIN
}

function levelLabel(level: number): string {
  if (level >= LOG_LEVELS.fatal) return 'FATAL'
  if (level >= LOG_LEVELS.error) return 'ERROR'
  if (level >= LOG_LEVELS.warn) return 'WARN '
  if (level >= LOG_LEVELS.info) return 'INFO '
  if (level >= LOG_LEVELS.debug) return 'DEBUG'
  return 'TRACE'
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n))

function clockText(ms: number): string {
  const date = new Date(ms)
  const millis = date.getMilliseconds()
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`
}

/** Control characters (C0, DEL, C1) as \n, \t or \u00XX: what a terminal would otherwise obey. */
function escaped(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text
}

/** A string value: bare when it is one word, else quoted (JSON), so key=value pairs stay apart. */
function textValue(text: string): string {
  return text !== '' && /^[^\s"=\u0000-\u001f\u007f-\u009f]+$/.test(text) ? text : JSON.stringify(text)
}

function valueText(value: FieldValue, field: SchemaField, cut: boolean): string {
  switch (typeof value) {
    case 'string': return field.outType === OutType.Json && !cut ? escaped(value) : `${textValue(value)}${cut ? '…' : ''}`
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value)
  }
  if (value instanceof Uint8Array) return field.type === 'guid' ? guidText(value, 0) : base64Text(value)
  return `[${Array.from(value as ArrayLike<number | bigint | boolean>, String).join(',')}]`
}

interface LoggedError {
  /** `TypeError: message`, shown in place of the JSON. */
  summary: string
  stack: string | undefined
}

/** A logged Error's JSON (`err`: type, message, stack), or undefined when it is not one. */
function loggedError(json: string): LoggedError | undefined {
  let error: { type?: unknown; message?: unknown; stack?: unknown }
  try {
    error = JSON.parse(json) as typeof error
  } catch {
    return undefined
  }
  if (typeof error !== 'object' || error === null || typeof error.message !== 'string') return undefined
  const type = typeof error.type === 'string' ? error.type : 'Error'
  const summary = `${type}: ${error.message}`
  // V8's stack begins with the summary (for a one-line message): not said twice.
  const lines = typeof error.stack === 'string' ? error.stack.split('\n') : []
  if (lines[0]?.trim() === summary) lines.shift()
  return { summary: textValue(summary), stack: lines.length === 0 ? undefined : lines.join('\n') }
}

/** The line of `event` with its newline (an err's stack on the lines below), or undefined for a span record. */
export function consoleLine(event: TraceEvent, schema: EventSchema, palette: Palette): string {
  const line = schema.log !== undefined
  const level = pinoLevelOf(schema)
  const { fields, truncated } = event
  let text = `${palette.dim(clockText(event.time))} ${palette.level(level)(levelLabel(level))} `
  const component = fields[COMPONENT_FIELD]
  const name = typeof component === 'string' ? component : line && event.name !== DEFAULT_LOGGER_NAME ? event.name : ''
  if (name !== '') text += `${palette.name(escaped(name))}: `
  const message = line ? fields[MESSAGE_FIELD] : event.name
  text += typeof message === 'string' ? escaped(message) : ''
  let stack: string | undefined
  for (const field of schema.fields) {
    const value = fields[field.name]
    if (value === undefined || (line && field.name === MESSAGE_FIELD) || (field.name === COMPONENT_FIELD && name === component)) continue
    const cut = truncated?.includes(field.name) === true
    const error = field.name === ERROR_FIELD && typeof value === 'string' && field.outType === OutType.Json && !cut ? loggedError(value) : undefined
    if (error !== undefined) stack = error.stack
    text += ` ${palette.dim(`${escaped(field.name)}=`)}${error?.summary ?? valueText(value, field, cut)}`
  }
  if (event.traceId !== undefined) text += ` ${palette.dim(`trace=${event.traceId.slice(0, ID_DIGITS)} span=${event.spanId!.slice(0, ID_DIGITS)}`)}`
  text += '\n'
  if (stack !== undefined) text += `${palette.dim(stack.split('\n').map((l) => `    ${escaped(l.trim())}`).join('\n'))}\n`
  return text
}
