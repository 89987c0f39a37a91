// EventBuilder: events whose name and fields are known only at run time, in the manner of
// TraceLoggingDynamic (reset / add<Type> / write, with isEnabled checked before any work). The
// record is the same as a traceX record: the first write of a shape (name, level, keyword,
// opcode, field names, types, outTypes and tags, activity-id layout) registers a schema with the
// tracer and takes its specialised writer; later writes of that shape find both in the tracer's
// shape trie (shape-cache.ts), walked one edge per add(), and call the writer directly. So a
// value is coerced, capped and counted exactly as traceX does it (docs/FORMAT.md section 2).
//
//   if (eb.isEnabled(Level.Info, 0x4n)) {
//     eb.reset('CacheMiss', Level.Info, 0x4n).addStr('key', key).addU32('bytes', n).write()
//   }

// The tracer's type only: its internals are reached through the keys of internal-symbols.ts.
import type { Tracer } from '../tracer.js'
import { registerEvent, writerOf } from '../internal-symbols.js'
import { describeValue, TracerError } from '../errors.js'
import type { FieldTypeName } from '../format/field-types.js'
import { MAX_FIELDS } from '../format/record-layout.js'
import type { FieldToken, t } from '../schema/field-type-tokens.js'
import { checkKeyword, checkLevel, checkName, validateEvent } from '../schema/validate.js'
import { fieldCode, fieldOfCode, headCode, invokerFor, MAX_OUT_TYPE, MAX_TAG, shapeRootOf, TYPE_CODE,
  type IdLayout, type RegisteredShape, type ShapeNode } from './shape-cache.js'

/** The value a field of type `T` takes: the same as the `t` token's argument in tracer.event(). */
export type FieldValueOf<T extends FieldTypeName> = {
  [K in keyof typeof t]: (typeof t)[K] extends FieldToken<T, infer V> ? V : never
}[keyof typeof t]

/** An activity id for write(): a GUID string (8-4-4-4-12 hex) or its 16 bytes in Windows memory order. */
export type ActivityId = string | Uint8Array

/** Value slots before the fields: activityId and parentId, when write() is given them. */
const ID_SLOTS = 2
const ZERO_GUID = new Uint8Array(16)
const ID_FIELDS: readonly (readonly [string, FieldTypeName])[] = [['activityId', 'guid'], ['parentId', 'guid']]

function checkHead(level: unknown, opcode: unknown): void {
  checkLevel(level, 'level')
  if (!Number.isInteger(opcode) || (opcode as number) < 0 || (opcode as number) > 255) {
    throw new TracerError('INVALID_OPTION', `ringtrace: opcode must be an integer from 0 to 255, got ${describeValue(opcode)}`)
  }
}

function builderStateError(): TracerError {
  return new TracerError('BUILDER_STATE', 'ringtrace: EventBuilder has no event; call reset(name, level, keyword) before add...() and write()')
}

export class EventBuilder {
  private readonly tracer: Tracer
  private readonly root: ShapeNode
  private started = false
  private eventName = ''
  private level = 0
  private keyword = 0n
  private opcode = 0
  private count = 0
  /** The trie node the fields added so far lead to; null once they leave the known shapes. */
  private node: ShapeNode | null = null
  private readonly names: string[] = new Array<string>(MAX_FIELDS).fill('')
  private readonly codes: number[] = new Array<number>(MAX_FIELDS).fill(0)
  /** The writer's arguments: [activityId, parentId, ...field values]. */
  private readonly values: unknown[] = new Array<unknown>(ID_SLOTS + MAX_FIELDS).fill(undefined)

  constructor(tracer: Tracer) {
    let writerOfTracer: unknown
    try {
      writerOfTracer = (tracer as { [writerOf]?: unknown } | null | undefined)?.[writerOf]
    } catch (cause) {
      // A Proxy whose trap throws: not a tracer either.
      throw new TracerError('INVALID_OPTION', 'ringtrace: new EventBuilder(tracer) expects a Tracer from createTracer()', { cause })
    }
    if (typeof writerOfTracer !== 'function') {
      throw new TracerError('INVALID_OPTION', 'ringtrace: new EventBuilder(tracer) expects a Tracer from createTracer()')
    }
    this.tracer = tracer
    this.root = shapeRootOf(tracer)
  }

  /**
   * Whether an event of this level and keyword would be recorded now (the tracer's level and
   * keyword mask, and the tracer open). Check it before building an event: building costs.
   */
  isEnabled(level: number, keyword: bigint | number): boolean {
    return this.tracer.isEnabled(level, typeof keyword === 'bigint' ? keyword : checkKeyword(keyword, 'keyword'))
  }

  /**
   * Starts a new event, dropping the fields of the previous one. `level` 0 (LogAlways) .. 5
   * (Verbose), `keyword` 64 bits, `opcode` 0 .. 255 (default 0 Info; 1 Start, 2 Stop).
   */
  reset(name: string, level: number, keyword: bigint | number, opcode = 0): this {
    this.started = false
    const values = this.values
    for (let i = ID_SLOTS + this.count - 1; i >= 0; i--) values[i] = undefined
    this.count = 0
    // typeof first: `>>>` on an object would run its valueOf (or a Proxy's trap) and let what
    // it throws escape instead of the TracerError.
    if (!(typeof level === 'number' && (level >>> 0) === level && level <= 5 &&
      typeof opcode === 'number' && (opcode >>> 0) === opcode && opcode <= 255)) checkHead(level, opcode)
    const code = headCode(level, opcode)
    let kw = keyword
    let head = typeof kw === 'bigint' ? this.root.head(name, code, kw) : null
    // A head on the trie has a name and keyword that were checked when its shape was first written.
    if (head === null) {
      kw = checkKeyword(keyword, 'keyword')
      head = this.root.head(name, code, kw)
      if (head === null) checkName('event', name)
    }
    this.node = head
    this.eventName = name
    this.level = level
    this.keyword = kw as bigint
    this.opcode = opcode
    this.started = true
    return this
  }

  /**
   * Adds a field of any type (`'u32'`, `'str'`, `'f64[]'`, ...). `outType` (0 .. 127) and `tag`
   * (28 bits) are ETW formatting hints kept in the schema; both are part of the shape.
   */
  add<T extends FieldTypeName>(name: string, type: T, value: FieldValueOf<T>, outType = 0, tag = 0): this {
    // A string first: Object.hasOwn() would turn an object into a key through its toString.
    const code: unknown = typeof type === 'string' && Object.hasOwn(TYPE_CODE, type) ? TYPE_CODE[type] : undefined
    if (typeof code !== 'number') {
      throw new TracerError('UNKNOWN_FIELD_TYPE', `ringtrace: field ${describeValue(name)} has unknown type ${describeValue(type)}; use one of ${Object.keys(TYPE_CODE).join(', ')}`)
    }
    return this.push(name, code, value, outType, tag)
  }

  addBool(name: string, value: boolean, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.bool, value, outType, tag) }
  addI8(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.i8, value, outType, tag) }
  addU8(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.u8, value, outType, tag) }
  addI16(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.i16, value, outType, tag) }
  addU16(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.u16, value, outType, tag) }
  addI32(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.i32, value, outType, tag) }
  addU32(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.u32, value, outType, tag) }
  addI64(name: string, value: number | bigint, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.i64, value, outType, tag) }
  addU64(name: string, value: number | bigint, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.u64, value, outType, tag) }
  addF32(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.f32, value, outType, tag) }
  addF64(name: string, value: number, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.f64, value, outType, tag) }
  /** A GUID string (8-4-4-4-12 hex, braces allowed) or its 16 bytes in Windows memory order. */
  addGuid(name: string, value: string | Uint8Array, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.guid, value, outType, tag) }
  /** UTF-8 in the ring, capped at the tracer's maxStringBytes. */
  addStr(name: string, value: string, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.str, value, outType, tag) }
  /** A Uint8Array, any ArrayBuffer view (its bytes) or an ArrayBuffer, capped at maxStringBytes. */
  addBinary(name: string, value: ArrayBufferView | ArrayBuffer, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE.binary, value, outType, tag) }
  addI8Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['i8[]'], values, outType, tag) }
  addU8Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['u8[]'], values, outType, tag) }
  addI16Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['i16[]'], values, outType, tag) }
  addU16Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['u16[]'], values, outType, tag) }
  addI32Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['i32[]'], values, outType, tag) }
  addU32Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['u32[]'], values, outType, tag) }
  addI64Array(name: string, values: ArrayLike<number | bigint>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['i64[]'], values, outType, tag) }
  addU64Array(name: string, values: ArrayLike<number | bigint>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['u64[]'], values, outType, tag) }
  addF32Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['f32[]'], values, outType, tag) }
  addF64Array(name: string, values: ArrayLike<number>, outType = 0, tag = 0): this { return this.push(name, TYPE_CODE['f64[]'], values, outType, tag) }

  /**
   * Records the event built since reset(). With `activityId` (and `relatedActivityId`, the
   * parent's) the record starts with guid fields `activityId` (and `parentId`), as span records
   * do; `relatedActivityId` alone records an all-zero activityId. The builder keeps the event:
   * write() may be called again, and add...() extends it. Does nothing when isEnabled(level,
   * keyword) is false; a value that cannot be coerced drops the record and counts it (lost,
   * reason invalid), as traceX does.
   */
  write(activityId?: ActivityId | null, relatedActivityId?: ActivityId | null): void {
    if (!this.started) throw builderStateError()
    const layout: IdLayout = relatedActivityId == null ? (activityId == null ? 0 : 1) : 2
    // A known shape's writer checks its event gate, which the tracer keeps to the same rule as
    // isEnabled(); a new shape is registered only if the tracer would record it.
    let shape = this.node?.shapes[layout]
    if (shape === undefined) {
      if (!this.tracer.isEnabled(this.level, this.keyword)) return
      shape = this.registerShape(layout)
    }
    const values = this.values
    if (layout === 1) {
      values[1] = activityId
    } else if (layout === 2) {
      values[0] = activityId ?? ZERO_GUID
      values[1] = relatedActivityId
    }
    shape.invoke(shape.writer, values, shape.start)
  }

  private push(name: string, type: number, value: unknown, outType: number, tag: number): this {
    const count = this.count
    // The checks that throw live out of line: push() stays small enough for V8 to inline.
    if (!this.started || count >= MAX_FIELDS || outType !== 0 || tag !== 0) this.checkAdd(name, outType, tag)
    const code = fieldCode(type, outType, tag)
    let node = this.node
    if (node !== null) node = node.child(name, code)
    // Off the trie the field is new to this shape: check it now, not at write().
    if (node === null) this.checkNewField(name)
    this.node = node
    this.names[count] = name
    this.codes[count] = code
    this.values[ID_SLOTS + count] = value
    this.count = count + 1
    return this
  }

  private checkAdd(name: string, outType: number, tag: number): void {
    if (!this.started) throw builderStateError()
    if (this.count >= MAX_FIELDS) {
      throw new TracerError('TOO_MANY_FIELDS', `ringtrace: event ${this.eventName} already has ${MAX_FIELDS} fields, the limit (as in ETW); split it, or send an array`)
    }
    if (!(Number.isInteger(outType) && outType >= 0 && outType <= MAX_OUT_TYPE)) {
      throw new TracerError('INVALID_FIELDS', `ringtrace: outType of field ${describeValue(name)} must be an integer from 0 to ${MAX_OUT_TYPE} (an ETW OutType), got ${describeValue(outType)}`)
    }
    if (!(Number.isInteger(tag) && tag >= 0 && tag <= MAX_TAG)) {
      throw new TracerError('INVALID_FIELDS', `ringtrace: tag of field ${describeValue(name)} must be an integer from 0 to 0x0FFFFFFF (28 bits), got ${describeValue(tag)}`)
    }
  }

  private checkNewField(name: string): void {
    checkName('field', name)
    for (let i = 0; i < this.count; i++) {
      if (this.names[i] === name) {
        throw new TracerError('INVALID_FIELDS', `ringtrace: event ${this.eventName} already has a field ${name}; field names must be unique`)
      }
    }
  }

  /** The first write of a shape (or its first write from this builder): find or register it. */
  private registerShape(layout: IdLayout): RegisteredShape {
    const head = headCode(this.level, this.opcode)
    let node = this.root.head(this.eventName, head, this.keyword)
    for (let i = 0; i < this.count && node !== null; i++) node = node.child(this.names[i]!, this.codes[i]!)
    const known = node?.shapes[layout]
    if (known !== undefined) {
      this.node = node
      return known
    }
    const fields: [string, FieldTypeName][] = ID_FIELDS.slice(0, layout).map(([name, type]) => [name, type])
    const hints: { outType: number; tag: number }[] = []
    for (let i = 0; i < this.count; i++) {
      const { type, outType, tag } = fieldOfCode(this.codes[i]!)
      fields.push([this.names[i]!, type])
      hints.push({ outType, tag })
    }
    const valid = validateEvent(this.eventName, fields, { level: this.level, keyword: this.keyword, opcode: this.opcode })
    // outType and tag travel in the SCHEMA JSON as extra field keys (readers ignore them).
    hints.forEach(({ outType, tag }, i) => {
      const field = valid.fields[layout + i]!
      if (outType !== 0 || tag !== 0) {
        valid.fields[layout + i] = { ...field, ...(outType !== 0 && { outType }), ...(tag !== 0 && { tag }) }
      }
    })
    let entry
    try {
      entry = this.tracer[registerEvent](valid)
    } catch (error) {
      if (error instanceof TracerError && error.code === 'TOO_MANY_EVENTS') {
        throw new TracerError('TOO_MANY_EVENTS', `${error.message}; each EventBuilder shape (event name, level, keyword, opcode, field names and types, activity ids) is one event: keep varying data in field values, not in names`, { cause: error })
      }
      throw error
    }
    const shape: RegisteredShape = {
      writer: this.tracer[writerOf](entry),
      invoke: invokerFor(layout + this.count),
      start: ID_SLOTS - layout,
    }
    node = this.root.childOrAdd(this.eventName, head, this.keyword)
    for (let i = 0; i < this.count; i++) node = node.childOrAdd(this.names[i]!, this.codes[i]!)
    node.shapes[layout] = shape
    this.node = node
    return shape
  }
}
