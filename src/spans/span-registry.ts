// The span kinds of one tracer: typed ones from defineSpan(), and dynamic ones made on first
// use from the keys and value types of an attributes object (cached per name and shape).

import { TracerError } from '../errors.js'
import type { FieldTypeName } from '../format/field-types.js'
import { validateEvent, type EventOptions, type ValidEvent } from '../schema/validate.js'
import { START_ID_FIELDS } from '../format/span-records.js'
import { SpanKind, startSchema, stopSchema, type SpanWriters } from './span-kind.js'

export type AttributeValue = number | bigint | boolean | string | Uint8Array | null | undefined

/** What a span kind needs from its tracer. */
export interface SpanHost {
  registerSpanEvents(start: ValidEvent, stop: ValidEvent): SpanWriters
}

const RESERVED = new Set(START_ID_FIELDS.map((f) => f.name))

function attributeType(value: unknown): FieldTypeName {
  switch (typeof value) {
    case 'number': return 'f64'
    case 'bigint': return 'i64'
    case 'boolean': return 'bool'
    default: return value instanceof Uint8Array ? 'binary' : 'str'
  }
}

export type SpanOptions = Pick<EventOptions, 'level' | 'keyword' | 'clock'>

export class SpanRegistry {
  private readonly dynamic = new Map<string, Map<string, SpanKind>>()
  /** Per name, the shape of its last dynamic span. */
  private readonly lastShape = new Map<string, Shape>()
  /** The last name looked up and its shape: a span called in a loop skips the Map. */
  private lastName = ''
  private lastNameShape: Shape | undefined = undefined

  constructor(private readonly host: SpanHost) {}

  /** A span kind with the given attribute fields (validated like an event's). */
  define(name: string, fields: readonly (readonly [string, unknown])[], options: SpanOptions = {}): SpanKind {
    const base = validateEvent(name, fields, options, 'text')
    for (const field of base.fields) {
      if (RESERVED.has(field.name as never)) {
        throw new TracerError('INVALID_FIELDS', `ringtrace: span attribute ${field.name} is reserved for the span's ids; rename it`)
      }
    }
    return new SpanKind(base.name, base.fields.length, this.host.registerSpanEvents(startSchema(base), stopSchema(base)))
  }

  /**
   * The kind for `name` and the shape of `attributes`, and the attribute values in field order.
   * Reading the object runs user getters: if one throws, the span is recorded without
   * attributes rather than not at all.
   */
  forAttributes(name: string, attributes: Record<string, AttributeValue> | undefined): [SpanKind, unknown[]] {
    const values: unknown[] = []
    return [this.kindFor(name, attributes, values), values]
  }

  /**
   * The kind for `name` and the shape of `attributes`; fills `values` in field order. The common
   * case, the same shape as the last span of that name, compares keys and value types against
   * it and builds no shape string.
   */
  kindFor(name: string, attributes: Record<string, AttributeValue> | undefined, values: unknown[]): SpanKind {
    let keys: string[] = EMPTY
    if (attributes !== undefined && attributes !== null) {
      try {
        keys = Object.keys(attributes)
        for (let i = 0; i < keys.length; i++) values[i] = attributes[keys[i]!]
      } catch {
        keys = EMPTY
        values.length = 0
      }
    }
    const last = name === this.lastName ? this.lastNameShape : this.lastShape.get(name)
    if (last !== undefined && sameShape(last, keys, values)) {
      this.lastName = name
      this.lastNameShape = last
      return last.kind
    }
    const types = keys.map((_, i) => attributeType(values[i]))
    const shape = keys.map((key, i) => `${key}:${types[i]}`).join(',')
    let byShape = this.dynamic.get(name)
    if (byShape === undefined) {
      byShape = new Map()
      this.dynamic.set(name, byShape)
    }
    let kind = byShape.get(shape)
    if (kind === undefined) {
      kind = this.define(name, keys.map((key, i) => [key, types[i]] as const))
      byShape.set(shape, kind)
    }
    const entry = { keys, types, kind }
    this.lastShape.set(name, entry)
    this.lastName = name
    this.lastNameShape = entry
    return kind
  }
}

const EMPTY: string[] = []

interface Shape {
  keys: readonly string[]
  types: readonly FieldTypeName[]
  kind: SpanKind
}

function sameShape(shape: Shape, keys: readonly string[], values: readonly unknown[]): boolean {
  const known = shape.keys
  if (known.length !== keys.length) return false
  for (let i = 0; i < keys.length; i++) {
    if (known[i] !== keys[i] || shape.types[i] !== attributeType(values[i])) return false
  }
  return true
}
