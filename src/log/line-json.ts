// Values a log line cannot store as a typed field (objects, arrays, Errors, null, bigints past 64
// bits) as JSON text, written on the producing thread because the value must be read while it is
// what was logged. Unlike JSON.stringify it never throws and is bounded:
//
//   a cycle                    "[Circular]" (an object that contains itself; repeats elsewhere are written again)
//   deeper than MAX_DEPTH      "[Object]" / "[Array]"
//   past maxChars of output    the text ends there, and the ring cuts and flags the field
//   more than MAX_ITEMS        the first MAX_ITEMS, then "[... N more]"
//   a getter or trap throws    "[Throws: message]" in that value's place
//   bigint                     its digits (a JSON number of any size)
//   Error                      { type, message, stack, cause?, ...own enumerable fields } (errorJson)
//   undefined, function, symbol left out of objects, null in arrays, as JSON.stringify does
//
// toJSON() is honoured (Dates give their ISO text). Redaction applies here, before the text
// exists (src/schema/redaction.ts): where a path ends, the censor is written and the value is
// never read, so a censored value never reaches the ring.

export const MAX_DEPTH = 8
export const MAX_ITEMS = 200

import type { RedactionTree } from '../schema/redaction.js'

const quote = JSON.stringify

/** The paths that go on below the value being written, and what a path's end becomes. */
export interface JsonRedaction {
  readonly tree: RedactionTree
  readonly censor: string
}

/** `value` as JSON text of about `maxChars` at most, redacted by `redaction`'s paths. */
export function jsonText(value: unknown, maxChars: number, redaction?: JsonRedaction): string {
  const out = new JsonOut(maxChars, redaction?.censor ?? '')
  out.value(value, 0, redaction?.tree)
  return out.text
}

/** An Error as JSON text: `{"type":..,"message":..,"stack":..}` and the rest (see the table above). */
export function errorJson(error: Error, maxChars: number, redaction?: JsonRedaction): string {
  const out = new JsonOut(maxChars, redaction?.censor ?? '')
  try {
    out.error(error, 0, redaction?.tree)
    return out.text
  } catch (failure) {
    // A getter of the error itself (message, stack) threw.
    return quote(throwsText(failure))
  }
}

function throwsText(error: unknown): string {
  try {
    return `[Throws: ${error instanceof Error ? error.message : String(error)}]`
  } catch {
    return '[Throws]'
  }
}

class JsonOut {
  text = ''
  /** The objects being written, outermost first: what a cycle would return to. */
  private readonly ancestors: object[] = []

  constructor(private readonly maxChars: number, private readonly censor: string) {}

  private get full(): boolean {
    return this.text.length >= this.maxChars
  }

  value(value: unknown, depth: number, paths: RedactionTree | undefined): void {
    switch (typeof value) {
      case 'string': this.text += quote(value); return
      case 'number': this.text += Number.isFinite(value) ? String(value) : 'null'; return
      case 'boolean': this.text += value ? 'true' : 'false'; return
      case 'bigint': this.text += String(value); return
      case 'object': break
      default: this.text += 'null'; return
    }
    if (value === null) {
      this.text += 'null'
      return
    }
    this.object(value, depth, paths)
  }

  error(error: Error, depth: number, paths: RedactionTree | undefined): void {
    if (!this.enter(error, depth, '"[Object]"')) return
    try {
      this.text += `{"type":${quote(errorType(error))}`
      this.member('message', () => String(error.message), depth, paths)
      this.member('stack', () => typeof error.stack === 'string' ? error.stack : undefined, depth, paths)
      this.member('cause', () => error.cause, depth, paths)
      for (const key of Object.keys(error)) {
        if (key === 'type' || key === 'message' || key === 'stack' || key === 'cause') continue
        this.member(key, () => read(error, key), depth, paths)
        if (this.full) break
      }
      this.text += '}'
    } finally {
      this.ancestors.pop()
    }
  }

  /** Whether `value` is written as an object here; if not, its placeholder has been. */
  private enter(value: object, depth: number, tooDeep: string): boolean {
    if (this.ancestors.includes(value)) {
      this.text += '"[Circular]"'
      return false
    }
    if (depth >= MAX_DEPTH || this.full) {
      this.text += tooDeep
      return false
    }
    this.ancestors.push(value)
    return true
  }

  private object(value: object, depth: number, paths: RedactionTree | undefined): void {
    try {
      if (value instanceof Error) return this.error(value, depth + 1, paths)
      const toJSON = (value as { toJSON?: unknown }).toJSON
      if (typeof toJSON === 'function') return this.value(toJSON.call(value), depth + 1, paths)
      if (Array.isArray(value)) return this.array(value, depth, paths)
      if (!this.enter(value, depth, '"[Object]"')) return
      try {
        this.text += '{'
        let first = true
        let count = 0
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue
          const below = paths?.child(key)
          // A censored value is not read: its getter, if any, does not run.
          const item = below?.terminal === true ? this.censor : read(value, key)
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
          if (count++ === MAX_ITEMS || this.full) {
            this.text += `${first ? '' : ','}"[...]":"more keys left out"`
            break
          }
          if (!first) this.text += ','
          first = false
          this.text += `${quote(key)}:`
          this.value(item, depth + 1, below)
        }
        this.text += '}'
      } finally {
        this.ancestors.pop()
      }
    } catch (error) {
      // A Proxy whose traps throw, or a toJSON that does.
      this.text += quote(throwsText(error))
    }
  }

  private array(values: readonly unknown[], depth: number, paths: RedactionTree | undefined): void {
    if (!this.enter(values, depth, '"[Array]"')) return
    try {
      this.text += '['
      const shown = Math.min(values.length, MAX_ITEMS)
      for (let i = 0; i < shown && !this.full; i++) {
        if (i > 0) this.text += ','
        const below = paths?.child(String(i))
        this.value(below?.terminal === true ? this.censor : read(values, i), depth + 1, below)
      }
      if (values.length > shown) this.text += `${shown > 0 ? ',' : ''}"[... ${values.length - shown} more]"`
      this.text += ']'
    } finally {
      this.ancestors.pop()
    }
  }

  /** `,"key":value` of an Error, unless undefined; `get` is not called for a censored key. */
  private member(key: string, get: () => unknown, depth: number, paths: RedactionTree | undefined): void {
    const below = paths?.child(key)
    const value = below?.terminal === true ? this.censor : get()
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return
    this.text += `,${quote(key)}:`
    this.value(value, depth + 1, below)
  }
}

/** An Error's type: its name, else its constructor's. */
function errorType(error: Error): string {
  const name = read(error, 'name')
  if (typeof name === 'string' && name !== '') return name
  return typeof error.constructor?.name === 'string' ? error.constructor.name : 'Error'
}

/** `holder[key]`, or a placeholder if a getter throws. */
function read(holder: object, key: string | number): unknown {
  try {
    return (holder as Record<string | number, unknown>)[key]
  } catch (error) {
    return new Thrown(error)
  }
}

/** What read() gives for a throwing getter: written, through toJSON, as the placeholder. */
class Thrown {
  constructor(private readonly error: unknown) {}

  toJSON(): string {
    return throwsText(this.error)
  }
}
