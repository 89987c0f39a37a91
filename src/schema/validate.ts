// Setup-time checks of event schemas and their options: every mistake is a TracerError with a
// code, thrown by tracer.event(), never a surprise on the hot path.

import { FIELD_TYPES, type FieldTypeName } from '../format/field-types.js'
import { MAX_FIELDS } from '../format/record-layout.js'
import { describeValue, TracerError } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'
import type { Clock } from '../ring/writer-codegen.js'

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
/** The tokens of `t` by which users name the types: `t.u32`, and `t.u32Array` for `u32[]`. */
const TOKEN_NAMES = [...FIELD_TYPES.keys()].map((type) => `t.${type.replace('[]', 'Array')}`).join(', ')
export const MAX_NAME_LENGTH = 255
const U64_MAX = (1n << 64n) - 1n

export interface EventOptions {
  /** 0 LogAlways .. 5 Verbose (default 4 Info). */
  level?: number
  /** 64-bit keyword bits (default 0: passes every keyword mask). */
  keyword?: bigint | number
  /** ETW opcode (default 0 Info; 1 Start, 2 Stop). */
  opcode?: number
  /** 'precise' (performance.now(), default) or 'coarse' (a clock word the collector refreshes). */
  clock?: Clock
  /** Fraction of calls recorded, decided before any argument work (default 1). */
  sampleRate?: number
  /** Whether the event starts enabled (default true). */
  enabled?: boolean
}

/** Every key of EventOptions (the `satisfies` keeps the two in step). */
const EVENT_OPTION_KEYS = Object.keys({
  level: true,
  keyword: true,
  opcode: true,
  clock: true,
  sampleRate: true,
  enabled: true,
} satisfies Record<keyof EventOptions, true>)

export interface ValidEvent {
  name: string
  /** `redacted`: the field stores the tracer's censor, whatever it is given (src/schema/redaction.ts). */
  fields: { name: string; type: FieldTypeName; redacted?: true }[]
  level: number
  keyword: bigint
  opcode: number
  clock: Clock
  sampleRate: number
  enabled: boolean
}

/**
 * How names are checked. Events and their fields take identifiers. Spans and their attributes take
 * text, as OpenTelemetry's do (`GET /users/:id`, `db.query`, `http.route`): any characters but
 * control characters (terminal views print names; ETW ends them with a NUL).
 */
export type NameRule = 'identifier' | 'text'

export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

export function checkName(kind: 'event' | 'field', name: unknown, rule: NameRule = 'identifier'): string {
  const fits = typeof name === 'string' && name.length > 0 && name.length <= MAX_NAME_LENGTH &&
    (rule === 'identifier' ? IDENTIFIER.test(name) : !CONTROL.test(name))
  if (!fits) {
    const what = rule === 'identifier'
      ? `${kind} name ${describeValue(name)} must be an identifier (letters, digits, _; not starting with a digit; at most ${MAX_NAME_LENGTH} characters)`
      : `${kind === 'event' ? 'span' : 'span attribute'} name ${describeValue(name)} must be 1 to ${MAX_NAME_LENGTH} characters, none of them a control character`
    throw new TracerError(kind === 'event' ? 'INVALID_EVENT_NAME' : 'INVALID_FIELDS', `ringtrace: ${what}`)
  }
  return name as string
}

export function checkLevel(level: unknown, what: string): number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 5) {
    throw new TracerError('INVALID_OPTION', `ringtrace: ${what} must be an integer level from 0 (LogAlways) to 5 (Verbose), got ${describeValue(level)}`)
  }
  return level
}

export function checkKeyword(keyword: unknown, what: string): bigint {
  const value = typeof keyword === 'number' && Number.isInteger(keyword) ? BigInt(keyword) : keyword
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new TracerError('INVALID_OPTION', `ringtrace: ${what} must be a 64-bit unsigned keyword (bigint or integer), got ${describeValue(keyword)}`)
  }
  return value
}

export function checkSampleRate(rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: sampleRate must be a number from 0 to 1, got ${describeValue(rate)}`)
  }
  return rate
}

export function validateEvent(name: unknown, fields: unknown, options: EventOptions = {}, rule: NameRule = 'identifier'): ValidEvent {
  checkName('event', name, rule)
  if (!Array.isArray(fields)) {
    throw new TracerError('INVALID_FIELDS', `ringtrace: fields of event ${String(name)} must be an array of [name, type] pairs`)
  }
  if (fields.length > MAX_FIELDS) {
    throw new TracerError('TOO_MANY_FIELDS', `ringtrace: event ${String(name)} has ${fields.length} fields; the limit is ${MAX_FIELDS} (as in ETW)`)
  }
  const seen = new Set<string>()
  const checked = fields.map((field: unknown, i) => {
    if (!Array.isArray(field) || field.length !== 2) {
      throw new TracerError('INVALID_FIELDS', `ringtrace: field ${i} of event ${String(name)} must be a [name, type] pair, e.g. ['count', t.u32]`)
    }
    const fieldName = checkName('field', field[0], rule)
    if (seen.has(fieldName)) {
      throw new TracerError('INVALID_FIELDS', `ringtrace: event ${String(name)} declares field ${fieldName} twice`)
    }
    seen.add(fieldName)
    const type = (field[1] as { type?: unknown } | undefined)?.type ?? field[1]
    if (typeof type !== 'string' || !FIELD_TYPES.has(type)) {
      throw new TracerError('UNKNOWN_FIELD_TYPE', `ringtrace: field ${fieldName} of event ${String(name)} has unknown type ${describeValue(type)}; use one of ${TOKEN_NAMES}`)
    }
    return { name: fieldName, type: type as FieldTypeName }
  })
  if (typeof options !== 'object' || options === null) {
    throw new TracerError('INVALID_OPTION', `ringtrace: the options of event ${String(name)} must be an object, got ${describeValue(options)}`)
  }
  checkKnownKeys(options, EVENT_OPTION_KEYS, '')
  const clock = options.clock ?? 'precise'
  if (clock !== 'precise' && clock !== 'coarse') {
    throw new TracerError('INVALID_OPTION', `ringtrace: clock must be 'precise' or 'coarse', got ${describeValue(clock)}`)
  }
  const opcode = options.opcode ?? 0
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 255) {
    throw new TracerError('INVALID_OPTION', `ringtrace: opcode must be an integer from 0 to 255, got ${describeValue(opcode)}`)
  }
  return {
    name: name as string,
    fields: checked,
    level: checkLevel(options.level ?? 4, 'level'),
    keyword: checkKeyword(options.keyword ?? 0n, 'keyword'),
    opcode,
    clock,
    sampleRate: checkSampleRate(options.sampleRate ?? 1),
    enabled: options.enabled ?? true,
  }
}
