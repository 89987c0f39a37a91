// Where EventBuilder finds the schema and record writer of a shape it has written before, without
// building a key string per field: a trie per tracer. The root's children are event heads (name,
// level, opcode, keyword); below a head, each edge is one field (its name, and a code packing its
// type, outType and tag). A node holds the events registered for the fields on its path, one per
// activity-id layout. Nodes are created only when a shape is first written, so shapes that are
// built but never written (disabled, or abandoned) cost nothing.

import { compileFunction } from '../compile-function.js'
import type { Tracer } from '../tracer.js'
import { FIELD_TYPES, type FieldTypeName } from '../format/field-types.js'
import type { RecordWriter } from '../ring/writer-codegen.js'

/** Calls `writer` with `count` values of `values` from index `start`: no argument array per call. */
export type Invoker = (writer: RecordWriter, values: readonly unknown[], start: number) => void

/** A shape's registered event: the tracer's writer, and how to call it from the builder's slots. */
export interface RegisteredShape {
  readonly writer: RecordWriter
  readonly invoke: Invoker
  /** Index of the first argument in the builder's value slots (it depends on the id layout). */
  readonly start: number
}

/**
 * How write()'s activity ids are recorded: the number of leading guid fields (0: none; 1:
 * activityId; 2: activityId, parentId). Each layout of a shape is an event of its own.
 */
export type IdLayout = 0 | 1 | 2

/** Type codes: the index of the type in FIELD_TYPES (fewer than 32, so 5 bits). */
export const TYPE_NAMES: readonly FieldTypeName[] = [...FIELD_TYPES.keys()] as FieldTypeName[]
export const TYPE_CODE = Object.freeze(Object.fromEntries(TYPE_NAMES.map((name, i) => [name, i]))) as Readonly<Record<FieldTypeName, number>>

export const MAX_OUT_TYPE = 127
export const MAX_TAG = 0x0fffffff
const OUT_TYPE_UNIT = 32
const TAG_UNIT = OUT_TYPE_UNIT * (MAX_OUT_TYPE + 1)

/** One number (below 2^41, exact in a double) for a field's type, outType and tag. */
export function fieldCode(type: number, outType: number, tag: number): number {
  return type + outType * OUT_TYPE_UNIT + tag * TAG_UNIT
}

export function fieldOfCode(code: number): { type: FieldTypeName; outType: number; tag: number } {
  const tag = Math.floor(code / TAG_UNIT)
  const rest = code - tag * TAG_UNIT
  return { type: TYPE_NAMES[rest % OUT_TYPE_UNIT]!, outType: Math.floor(rest / OUT_TYPE_UNIT), tag }
}

/** The code of an event head: its level (0..5) and opcode (0..255); the keyword is compared apart. */
export function headCode(level: number, opcode: number): number {
  return level + opcode * 8
}

export class ShapeNode {
  /** The first child: the one a builder writing a single shape over and over always takes. */
  private first: ShapeNode | null = null
  private children: Map<string, ShapeNode> | null = null
  /** Another child of the same parent with the same name and a different code or keyword. */
  private sibling: ShapeNode | null = null
  readonly shapes: [RegisteredShape | undefined, RegisteredShape | undefined, RegisteredShape | undefined] =
    [undefined, undefined, undefined]

  /**
   * `keyword` is an event head's; field nodes have 0n and are looked up without it. `parent`:
   * the node this one is a child of (null for roots and heads), so a path can be read back
   * from its end (a logger's line walk records no names while it stays on known shapes).
   */
  constructor(readonly name: string, readonly code: number, readonly keyword: bigint, readonly parent: ShapeNode | null = null) {}

  /** The field child `name` with `code` (type, outType, tag). */
  child(name: string, code: number): ShapeNode | null {
    const first = this.first
    if (first !== null && first.name === name && first.code === code) return first
    let node = this.children?.get(name) ?? null
    while (node !== null && node.code !== code) node = node.sibling
    return node
  }

  /** The event head `name` with `code` (level, opcode) and `keyword`: children of the root. */
  head(name: string, code: number, keyword: bigint): ShapeNode | null {
    let node = this.children?.get(name) ?? null
    while (node !== null && (node.code !== code || node.keyword !== keyword)) node = node.sibling
    return node
  }

  /** The child `name` (a field, or with `keyword` a head), created if it is missing. */
  childOrAdd(name: string, code: number, keyword = 0n): ShapeNode {
    const found = this.head(name, code, keyword)
    if (found !== null) return found
    const node = new ShapeNode(name, code, keyword, this)
    this.first ??= node
    this.children ??= new Map()
    node.sibling = this.children.get(name) ?? null
    this.children.set(name, node)
    return node
  }
}

const caches = new WeakMap<Tracer, ShapeNode>()

/** The root of a tracer's shape trie, shared by all of its builders so each shape registers once. */
export function shapeRootOf(tracer: Tracer): ShapeNode {
  let root = caches.get(tracer)
  if (root === undefined) {
    root = new ShapeNode('', 0, 0n)
    caches.set(tracer, root)
  }
  return root
}

const invokers: Invoker[] = []

/** The invoker for `count` arguments; generated from the count alone (no user string). */
export function invokerFor(count: number): Invoker {
  let invoke = invokers[count]
  if (invoke === undefined) {
    const args = Array.from({ length: count }, (_, i) => (i === 0 ? 'v[s]' : `v[s + ${i}]`)).join(', ')
    // Generated from a number only.
    invoke = compileFunction(['w', 'v', 's'], `'use strict'; w(${args});`) as Invoker
    invokers[count] = invoke
  }
  return invoke
}
