// Builds the decoder of one schema. Generated as straight-line code: one DataView read per
// scalar at a constant offset, the variable-field readers called in order, the field names stored
// at constant sites. Where the engine refuses to compile strings (node
// --disallow-code-generation-from-strings), the same steps run as a loop of closures instead:
// slower, same values.
//
// The source is made only of the constant text below, getter names from SCALAR_GETTERS and
// integers, each checked here: field and event names, which come from the file, never become
// source text; the code refers to them as n0, n1, ... and receives them as arguments.

import { guidBytes } from './guid-bytes.js'
import { guidText } from './guid-text.js'
import { SCALAR_GETTERS, type DataViewGetter, type FieldReader } from './field-readers.js'
import type { RecordCursor } from './record-cursor.js'
import type { FieldValue } from './trace-items.js'

export type RecordDecoder = (r: RecordCursor) => Record<string, FieldValue> | undefined

/** How one field is read, in schema order. */
export type DecodeStep =
  | { readonly kind: 'scalar'; readonly getter: DataViewGetter; readonly bool: boolean; readonly offset: number }
  | { readonly kind: 'guid'; readonly offset: number }
  | { readonly kind: 'variable'; readonly read: FieldReader }

export interface DecoderPlan {
  readonly names: readonly string[]
  readonly steps: readonly DecodeStep[]
  /** Record offset of the first variable field. */
  readonly fixedEnd: number
  /** guid fields as text (guidText) or bytes (guidBytes). */
  readonly guids: 'text' | 'bytes'
}

const GETTERS: ReadonlySet<string> = new Set(SCALAR_GETTERS.values())

/** False once the engine has refused to compile a string: later schemas skip the attempt. */
let canGenerate = true

export function compileDecoder(plan: DecoderPlan): RecordDecoder {
  if (canGenerate) {
    try {
      return generatedDecoder(plan)
    } catch (error) {
      if (!(error instanceof EvalError)) throw error
      canGenerate = false
    }
  }
  return interpretedDecoder(plan)
}

function integerText(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`decoder offset ${value} is not an index`)
  return String(value)
}

function readText(step: DecodeStep, i: number): string {
  switch (step.kind) {
    case 'scalar': {
      if (!GETTERS.has(step.getter)) throw new RangeError(`${step.getter} is not a DataView getter`)
      return `v.${step.getter}(s + ${integerText(step.offset)}, true)${step.bool ? ' !== 0' : ''}`
    }
    case 'guid': return `g(r.bytes, s + ${integerText(step.offset)})`
    case 'variable': return `f${integerText(i)}(r)`
  }
}

function generatedDecoder({ names, steps, fixedEnd, guids }: DecoderPlan): RecordDecoder {
  const lines = steps.map((step, i) => {
    const read = readText(step, i)
    // `__proto__` is a valid field name; a plain store of it would set the prototype.
    return names[i] === '__proto__'
      ? `Object.defineProperty(o, n${i}, { value: ${read}, enumerable: true, writable: true, configurable: true })`
      : `o[n${i}] = ${read}`
  })
  const body = `return function decode(r) {
  const v = r.view, s = r.start, o = {}
  r.pos = s + ${integerText(fixedEnd)}
  ${lines.join('\n  ')}
  return r.overrun ? undefined : o
}`
  const params = ['g', ...steps.flatMap((_, i) => [`n${i}`, `f${i}`])]
  const args = [guids === 'bytes' ? guidBytes : guidText, ...steps.flatMap((step, i) => [names[i], step.kind === 'variable' ? step.read : undefined])]
  const factory = new Function(...params, body) as (...values: unknown[]) => RecordDecoder
  return factory(...args)
}

function stepReader(step: DecodeStep, guid: typeof guidText | typeof guidBytes): FieldReader {
  switch (step.kind) {
    case 'scalar': {
      const { offset } = step
      if (step.bool) return (r) => r.view.getUint8(r.start + offset) !== 0
      const read = DataView.prototype[step.getter] as (this: DataView, at: number, littleEndian: boolean) => number | bigint
      return (r) => read.call(r.view, r.start + offset, true)
    }
    case 'guid': {
      const { offset } = step
      return (r) => guid(r.bytes, r.start + offset)
    }
    case 'variable': return step.read
  }
}

function interpretedDecoder({ names, steps, fixedEnd, guids }: DecoderPlan): RecordDecoder {
  const guid = guids === 'bytes' ? guidBytes : guidText
  const readers = steps.map((step) => stepReader(step, guid))
  // Defined, not assigned, so that it stays a field rather than set the prototype.
  const proto = names.indexOf('__proto__')
  return (r) => {
    r.pos = r.start + fixedEnd
    const o: Record<string, FieldValue> = {}
    for (let i = 0; i < readers.length; i++) {
      if (i === proto) Object.defineProperty(o, names[i], { value: readers[i](r), enumerable: true, writable: true, configurable: true })
      else o[names[i]] = readers[i](r)
    }
    return r.overrun ? undefined : o
  }
}
