// The span kinds of one tracer: typed ones from defineSpan(), and dynamic ones made on first
// use from the keys and value types of an attributes object (cached per name and shape). A shape
// is a path in a trie, one edge per attribute (its key, then its type), never a joined string:
// keys may hold any character but control characters, so no separator could be safe.

import { describeValue, TracerError } from '../errors.js'
import type { FieldTypeName } from '../format/field-types.js'
import { validateEvent, type EventOptions, type ValidEvent } from '../schema/validate.js'
import { SPAN_KINDS, START_ID_FIELDS, type SpanKindName } from '../format/span-records.js'
import { SpanKind, startSchema, stopSchema, type SpanWriters } from './span-kind.js'

export type AttributeValue = number | bigint | boolean | string | Uint8Array | null | undefined

/** What a span kind needs from its tracer. */
export interface SpanHost {
  registerSpanEvents(start: ValidEvent, stop: ValidEvent, kind: SpanKindName): SpanWriters
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

export interface SpanOptions extends Pick<EventOptions, 'level' | 'keyword' | 'clock'> {
  /** The OpenTelemetry span kind (default 'internal'), recorded in the Start's SCHEMA. */
  kind?: SpanKindName
}

/** The span kind the options name, and the options validateEvent() checks (all but `kind`). */
function splitKind(options: SpanOptions): { kind: SpanKindName; eventOptions: EventOptions } {
  // Not an object: validateEvent() says so.
  if (typeof options !== 'object' || options === null) return { kind: 'internal', eventOptions: options }
  const { kind = 'internal', ...eventOptions } = options
  if (!SPAN_KINDS.includes(kind)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: kind must be one of ${SPAN_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describeValue(kind)}`)
  }
  return { kind, eventOptions }
}

export class SpanRegistry {
  /** Per name, the root of its shape trie. */
  private readonly dynamic = new Map<string, SpanShapeNode>()
  /** Per name, the shape of its last dynamic span. */
  private readonly lastShape = new Map<string, Shape>()
  /** The last name looked up and its shape: a span called in a loop skips the Map. */
  private lastName = ''
  private lastNameShape: Shape | undefined = undefined

  constructor(private readonly host: SpanHost) {}

  /** A span kind with the given attribute fields (validated like an event's). */
  define(name: string, fields: readonly (readonly [string, unknown])[], options: SpanOptions = {}): SpanKind {
    const { kind, eventOptions } = splitKind(options)
    const base = validateEvent(name, fields, eventOptions, 'text')
    for (const field of base.fields) {
      if (RESERVED.has(field.name as never)) {
        throw new TracerError('INVALID_FIELDS', `ringtrace: span attribute ${field.name} is reserved for the span's ids; rename it`)
      }
    }
    return new SpanKind(base.name, base.fields.length, this.host.registerSpanEvents(startSchema(base), stopSchema(base), kind))
  }

  /**
   * The kind for `name` and the shape of `attributes`; fills `values` in field order. The common
   * case, the same shape as the last span of that name, compares keys and value types against
   * it and walks no trie. Reading the object runs user getters: if one throws, the span is
   * recorded without attributes rather than not at all.
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
    let root = this.dynamic.get(name)
    let node = root
    for (let i = 0; i < keys.length && node !== undefined; i++) node = node.child(keys[i]!, types[i]!)
    let kind = node?.kind
    if (kind === undefined) {
      // Validated before anything is kept: a refused name or key leaves no node behind.
      kind = this.define(name, keys.map((key, i) => [key, types[i]] as const))
      if (root === undefined) {
        root = new SpanShapeNode()
        this.dynamic.set(name, root)
      }
      node = root
      for (let i = 0; i < keys.length; i++) node = node.childOrAdd(keys[i]!, types[i]!)
      node.kind = kind
    }
    const entry = { keys, types, kind }
    this.lastShape.set(name, entry)
    this.lastName = name
    this.lastNameShape = entry
    return kind
  }
}

const EMPTY: string[] = []

/** A node of a name's shape trie: the kind whose attributes are the path to it, once used. */
class SpanShapeNode {
  kind: SpanKind | undefined = undefined
  private readonly children = new Map<string, Map<FieldTypeName, SpanShapeNode>>()

  /** The node one attribute (`key`, of `type`) further, if a shape has passed there. */
  child(key: string, type: FieldTypeName): SpanShapeNode | undefined {
    return this.children.get(key)?.get(type)
  }

  /** child(), made if it is missing. */
  childOrAdd(key: string, type: FieldTypeName): SpanShapeNode {
    let byType = this.children.get(key)
    if (byType === undefined) {
      byType = new Map()
      this.children.set(key, byType)
    }
    let node = byType.get(type)
    if (node === undefined) {
      node = new SpanShapeNode()
      byType.set(type, node)
    }
    return node
  }
}

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
