// The span kinds of one tracer: typed ones from defineSpan(), and dynamic ones made on first
// use from the keys and value types of an attributes object (cached per name and shape).

import { TracerError } from '../errors.js'
import type { FieldTypeName } from '../format/field-types.js'
import { validateEvent, type EventOptions, type ValidEvent } from '../schema/validate.js'
import { SpanKind, startSchema, stopSchema, START_ID_FIELDS } from './span-kind.js'

export type AttributeValue = number | bigint | boolean | string | Uint8Array | null | undefined

/** What a span kind needs from its tracer. */
export interface SpanHost {
  registerSpanEvents(start: ValidEvent, stop: ValidEvent): [(...args: unknown[]) => void, (...args: unknown[]) => void]
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

  constructor(private readonly host: SpanHost) {}

  /** A span kind with the given attribute fields (validated like an event's). */
  define(name: string, fields: readonly (readonly [string, unknown])[], options: SpanOptions = {}): SpanKind {
    const base = validateEvent(name, fields, options)
    for (const field of base.fields) {
      if (RESERVED.has(field.name as never)) {
        throw new TracerError('INVALID_FIELDS', `ringtrace: span attribute ${field.name} is reserved for the span's ids; rename it`)
      }
    }
    const [writeStart, writeStop] = this.host.registerSpanEvents(startSchema(base), stopSchema(base))
    return new SpanKind(base.name, writeStart, writeStop)
  }

  /**
   * The kind for `name` and the shape of `attributes`, and the attribute values in field order.
   * Reading the object runs user getters: if one throws, the span is recorded without
   * attributes rather than not at all.
   */
  forAttributes(name: string, attributes: Record<string, AttributeValue> | undefined): [SpanKind, unknown[]] {
    let keys: string[] = []
    let values: unknown[] = []
    let shape = ''
    if (attributes !== undefined && attributes !== null) {
      try {
        keys = Object.keys(attributes)
        values = keys.map((key) => attributes[key])
        shape = keys.map((key, i) => `${key}:${attributeType(values[i])}`).join(',')
      } catch {
        keys = []
        values = []
        shape = ''
      }
    }
    let byShape = this.dynamic.get(name)
    if (byShape === undefined) {
      byShape = new Map()
      this.dynamic.set(name, byShape)
    }
    let kind = byShape.get(shape)
    if (kind === undefined) {
      kind = this.define(name, keys.map((key, i) => [key, attributeType(values[i])] as const))
      byShape.set(shape, kind)
    }
    return [kind, values]
  }
}
