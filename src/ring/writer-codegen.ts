// Builds the function that writes one event's record, specialised to its schema: constant
// offsets, one typed-array store per scalar, no loop over fields, no argument array. The source
// is generated from the field *types* and numeric constants only; no user string (event or field
// name) ever reaches the generated code.
//
// A writer runs in two phases. First it coerces and measures its arguments: the only code that
// may call back into the user's (valueOf, getters, Proxy traps) and so into this ring. Then it
// reads the cursor, reserves, stores and publishes, touching primitives only. A record therefore
// owns its space from the cursor read to the cursor store with nothing in between that can trace
// (docs/FORMAT.md, "Re-entrant values").

import type { FieldTypeName, NumericTypeName } from '../format/field-types.js'
import { FIELD_TYPES } from '../format/field-types.js'
import { computeLayout, type FixedSlot, type RecordLayout } from '../format/layout.js'
import { COARSE_CLOCK_OFFSET, CURSOR_OFFSET, DATA_OFFSET, EVENT_GATE_OFFSET, GATE_ALWAYS,
  LAST_TIME_OFFSET, LIMIT_OFFSET, MAX_EVENTS, SEQ_STATE_OFFSET } from '../format/ring-layout.js'
import { FIRST_EVENT_ID, MAX_FIELDS, MAX_RECORD_BYTES, MAX_STRING_BYTES, recordWord0, VAR_HEADER_BYTES } from '../format/record-layout.js'
import { compileFunction } from '../compile-function.js'
import { describeValue } from '../errors.js'
import { SPAN_CONTEXT_FIELDS } from '../format/span-records.js'
import { ZERO_CONTEXT } from '../spans/ids.js'
import { contextStorage } from '../spans/span-context.js'
import { writeGuid } from './guid.js'
import type { RingProducer } from './ring-producer.js'
import { arrayLength, binaryBytes, byteLength, createArrayScratch, cutBytes, guidBytes } from './plain-values.js'
import { utf8Length, writeUtf8 } from './utf8.js'

export type Clock = 'precise' | 'coarse'

export interface WriterSpec {
  eventId: number
  types: readonly FieldTypeName[]
  clock: Clock
  /** Cap for str and binary bytes, and for array bytes. */
  maxStringBytes: number
  /**
   * Indices of guid fields passed as four int32 words (little-endian byte order) instead of one
   * value: a span record's ids, kept as words (src/spans/ids.ts), are stored with four word
   * stores and no byte array. Only the fields named: a guid attribute of a span takes its value
   * as any other guid field does.
   */
  guidWords?: readonly number[]
  /**
   * Fields 0 and 1 are SPAN_CONTEXT_FIELDS, taking no argument: the writer stores the current
   * span's trace id and span id (zero outside spans) as words, read from the span context store
   * before anything else, so the record holds the span current at the call.
   */
  spanContext?: boolean
  /**
   * Every variable-size field is written empty and takes no argument, so the record has a fixed
   * size and nothing is measured: a span's OK Stop, whose error strings are always empty.
   */
  emptyVariable?: boolean
  /**
   * The writer itself, without the gate check: for a caller that has asked the gate already
   * (a span's Start, after createGateCheck), so the check is not made twice.
   */
  ungated?: boolean
  /**
   * Indices of str fields that store `censor` whatever argument they are given (redaction,
   * src/schema/redaction.ts): the argument is never read, so its value cannot reach the ring.
   */
  redacted?: readonly number[]
  /** What redacted fields store. */
  censor?: string
}

export type RecordWriter = (...args: unknown[]) => void

const TYPED_VIEW: Record<NumericTypeName, { view: string; shift: number }> = {
  i8: { view: 'i8', shift: 0 }, u8: { view: 'u8', shift: 0 },
  i16: { view: 'i16', shift: 1 }, u16: { view: 'u16', shift: 1 },
  i32: { view: 'i32', shift: 2 }, u32: { view: 'u32', shift: 2 },
  f32: { view: 'f32', shift: 2 }, f64: { view: 'f64', shift: 3 },
  i64: { view: 'i64', shift: 3 }, u64: { view: 'i64', shift: 3 },
}

function index(byteExpr: string, shift: number): string {
  return shift === 0 ? byteExpr : `(${byteExpr}) >> ${shift}`
}

/**
 * Stores a 64-bit value at byte offset `at`. A number is split into 32-bit halves (the high half
 * computed from the truncated low half, so fractions truncate toward zero and non-finite values
 * become 0); a bigint goes through BigInt64Array assignment (wrapped to 64 bits). `views` is what
 * the typed-array names hang off: '' for the ring's, 's0.' for an array field's scratch.
 */
function store64(at: string, value: string, views: string): string {
  return `if (typeof ${value} === 'number') { ${views}u32[(${at}) >> 2] = ${value}; ` +
    `${views}u32[((${at}) >> 2) + 1] = (${value} - (${value} >>> 0)) / 4294967296; } else ${views}i64[(${at}) >> 3] = ${value};`
}

/** Stores a value coerce() has made a primitive (or genuine bytes) at byte offset `at`. */
function scalarStore(type: FieldTypeName, at: string, value: string, views = ''): string {
  switch (type) {
    case 'bool': return `${views}u8[${at}] = ${value} ? 1 : 0;`
    // 16 bytes inline when given bytes: writeGuid's call costs more than the copy.
    case 'guid': return `if (typeof ${value} !== 'string') { ` +
      Array.from({ length: 16 }, (_, i) => `u8[${at} + ${i}] = ${value}[${i}];`).join(' ') +
      ` } else writeGuid(u8, ${at}, ${value});`
    case 'i64': case 'u64': return store64(at, value, views)
    default: {
      const { view, shift } = TYPED_VIEW[type as NumericTypeName]
      return `${views}${view}[${index(at, shift)}] = ${value};`
    }
  }
}

/**
 * Turns a fixed field's argument into a value whose store runs no user code and gives what the
 * store itself would have: ToNumber for numbers (`+v`), ToBigInt for 64-bit fields (BigInt.asIntN
 * takes its argument through ToBigInt), a string or genuine bytes for a guid. It runs before the
 * cursor is read (src/ring/plain-values.ts); what throws here is a counted invalid value.
 */
function coerce(type: FieldTypeName, value: string): string {
  switch (type) {
    case 'bool': return ''
    case 'guid': return `if (typeof ${value} !== 'string') ${value} = guidBytes(${value});`
    case 'i64': case 'u64':
      return `if (typeof ${value} !== 'number' && typeof ${value} !== 'bigint') ${value} = BigInt.asIntN(64, ${value});`
    default: return `if (typeof ${value} !== 'number') ${value} = +${value};`
  }
}

interface VarPlan {
  /** Statements run before the cursor is read: coerce the value (all user code runs here), add its bytes to `size`. */
  measure: string
  /** Statements that write the field at byte offset `q` and advance `q`; they run no user code. */
  write: string
}

function varPlan(type: FieldTypeName, arg: string, k: number): VarPlan {
  const n = `n${k}`, tr = `t${k}`, v = `v${k}`
  const header = `u32[q >> 2] = ${n} | (${tr} << 16); u32[(q >> 2) + 1] = 0;`
  if (type === 'str') {
    return {
      measure: `${v} = ${arg}; if (typeof ${v} !== 'string') ${v} = String(${v});
        ${n} = utf8Length(${v}, CAP); ${tr} = ${n} >>> 16; ${n} &= 0xffff;
        size += ${VAR_HEADER_BYTES} + ((${n} + 7) & ~7);`,
      write: `${header} writeUtf8(u8, q + ${VAR_HEADER_BYTES}, ${v}, ${n}); q += ${VAR_HEADER_BYTES} + ((${n} + 7) & ~7);`,
    }
  }
  if (type === 'binary') {
    // binaryBytes gives a genuine Uint8Array of at most CAP bytes: set() then reads its memory.
    return {
      measure: `${v} = binaryBytes(${arg}); ${n} = byteLength(${v}); ${tr} = 0;
        if (${n} > CAP) { ${v} = cutBytes(${v}, CAP); ${n} = CAP; ${tr} = 1; }
        size += ${VAR_HEADER_BYTES} + ((${n} + 7) & ~7);`,
      write: `${header} u8.set(${v}, q + ${VAR_HEADER_BYTES}); q += ${VAR_HEADER_BYTES} + ((${n} + 7) & ~7);`,
    }
  }
  // Arrays: the elements are read and coerced into the field's scratch while measuring (element
  // getters, Proxy traps and valueOf run then); the write copies the scratch's words. A call made
  // from inside that user code finds the scratch taken and uses one of its own.
  const element = FIELD_TYPES.get(type)!.element!
  const es = FIELD_TYPES.get(element)!.size
  const s = `s${k}`, busy = `busy${k}`, scratch = `scratch${k}`
  return {
    measure: `${v} = ${arg}; ${n} = arrayLength(${v}); ${tr} = 0;
      if (${n} * ${es} > CAP) { ${n} = Math.floor(CAP / ${es}); ${tr} = 1; }
      if (${busy}) ${s} = createArrayScratch(CAP); else { ${busy} = true; ${s} = ${scratch} ??= createArrayScratch(CAP); }
      for (let i = 0; i < ${n}; i++) { const e = ${v}[i]; ${scalarStore(element, `i * ${es}`, 'e', `${s}.`)} }
      size += ${VAR_HEADER_BYTES} + ((${n} * ${es} + 7) & ~7);`,
    write: `${header} for (let i = 0, w = (q + ${VAR_HEADER_BYTES}) >> 2, e = (${n} * ${es} + 3) >> 2; i < e; i++) u32[w + i] = ${s}.u32[i];
    q += ${VAR_HEADER_BYTES} + ((${n} * ${es} + 7) & ~7);`,
  }
}

/** Whether field `i` is a guid given as four words (WriterSpec.guidWords). */
function takesWords(spec: WriterSpec, i: number): boolean {
  if (spec.guidWords === undefined || !spec.guidWords.includes(i)) return false
  if (spec.types[i] !== 'guid') throw new RangeError(`WriterSpec.guidWords: field ${i} is not a guid`)
  return true
}

/** Whether field `i` is one of the span context fields the writer fills itself (WriterSpec.spanContext). */
function fromContext(spec: WriterSpec, i: number): boolean {
  return spec.spanContext === true && i < SPAN_CONTEXT_FIELDS.length
}

/** Whether field `i` takes one argument value: not a guid given as words, not a span context field. */
function takesValue(spec: WriterSpec, i: number): boolean {
  return !fromContext(spec, i) && !takesWords(spec, i)
}

/** The context words each span context field is stored from, in byte order. */
const CONTEXT_WORDS = [['t0', 't1', 't2', 't3'], ['s0', 's1']] as const

/** The parameters field `i` takes: one value, four words for a guid given as words, or none. */
function params(spec: WriterSpec, i: number): string[] {
  if (fromContext(spec, i)) return []
  if (takesWords(spec, i)) return [0, 1, 2, 3].map((k) => `a${i}_${k}`)
  if (spec.emptyVariable === true && FIELD_TYPES.get(spec.types[i]!)!.variable) return []
  return [`a${i}`]
}

function fixedStore(spec: WriterSpec, slot: FixedSlot): string {
  const at = `o + ${slot.offset}`
  // guid and u64 slots are 8-aligned (src/format/layout.ts), so word stores land on whole words.
  const wordStores = (words: readonly string[]) => words.map((word, k) => `i32[((${at}) >> 2) + ${k}] = ${word};`).join(' ')
  if (fromContext(spec, slot.index)) return wordStores(CONTEXT_WORDS[slot.index]!.map((word) => `sc.${word}`))
  if (!takesWords(spec, slot.index)) return scalarStore(slot.type, at, `a${slot.index}`)
  return wordStores(params(spec, slot.index))
}

function generateSource(spec: WriterSpec, layout: RecordLayout, mask: number, maxRecordBytes: number): string {
  const args = spec.types.flatMap((_, i) => params(spec, i))
  const fixedStores = layout.fixed.map((slot) => fixedStore(spec, slot))
  // Span ids passed as words and the span context are the tracer's own int32s: nothing to coerce.
  const coercions = layout.fixed.filter((slot) => takesValue(spec, slot.index)).map((slot) => coerce(slot.type, `a${slot.index}`)).filter((c) => c !== '')
  const empty = spec.emptyVariable === true
  // A redacted field's value is the censor, a constant of the factory: its argument goes unread.
  const plans = empty ? [] : layout.variable.map((slot, k) => varPlan(slot.type, spec.redacted!.includes(slot.index) ? 'CENSOR' : `a${slot.index}`, k))
  const arrays = empty ? [] : layout.variable.flatMap((slot, k) => FIELD_TYPES.get(slot.type)!.element === undefined ? [] : [k])
  const variable = plans.length > 0
  // Empty variable fields: a zero header each (length 0, not truncated), right after the fixed block.
  const emptyHeaders = empty ? layout.variable.map((_, k) => {
    const at = `(o + ${layout.fixedEnd + k * VAR_HEADER_BYTES}) >> 2`
    return `u32[${at}] = 0; u32[(${at}) + 1] = 0;`
  }) : []
  const fixedSize = layout.fixedEnd + emptyHeaders.length * VAR_HEADER_BYTES
  const clock = spec.clock === 'precise'
    ? `const ts = performance.now(); f64[${LAST_TIME_OFFSET >> 3}] = ts;`
    : `let ts = f64[${COARSE_CLOCK_OFFSET >> 3}]; const last = f64[${LAST_TIME_OFFSET >> 3}]; if (ts < last) ts = last;`
  // The store holds SpanContexts only (ZERO_CONTEXT too), so the stores below see one shape.
  const context = spec.spanContext === true ? 'const sc = storage.getStore() ?? ZERO_CONTEXT;' : ''
  // Phase 1, before the cursor is read: every coercion, so any user code a value runs (and any
  // event it traces into this ring) is over before this record takes its place. A scratch taken
  // here is given back here: nothing after this block can call back into this writer.
  const prepare = [...coercions, ...plans.map((p) => p.measure)]
  const release = arrays.map((k) => `if (s${k} === scratch${k}) busy${k} = false;`)
  const phase1 = prepare.length === 0 ? ''
    : `try { ${[...prepare, ...release].join('\n')} } catch { ${release.join(' ')} ring.dropInvalid(ID); return; }`
  // A record over the ring's limit is dropped before it is placed: the fast path below would
  // take anything under the limit word, and a size past 16 bits would spill into the event id.
  const oversize = variable ? `if (size > ${maxRecordBytes}) { ring.dropInvalid(ID); return; }`
    : fixedSize > maxRecordBytes ? 'ring.dropInvalid(ID); return;' : ''
  const sizeDecl = variable
    ? `let size = ${layout.fixedEnd}; let ${plans.map((_, k) => `v${k}, n${k}, t${k}, s${k}`).join(', ')};`
    : `const size = ${fixedSize};`
  // Only a guid string can still throw while writing (a malformed one); writeGuid runs no user code.
  const stores = [...fixedStores, ...emptyHeaders].join('\n    ') +
    (variable ? `\n    let q = o + ${layout.fixedEnd};\n    ${plans.map((p) => p.write).join('\n    ')}` : '')
  const guarded = layout.fixed.some((slot) => slot.type === 'guid' && takesValue(spec, slot.index))
    ? `try {\n    ${stores}\n  } catch { ring.dropInvalid(ID); return; }`
    : stores
  return `'use strict';
const ID = ${spec.eventId};
const CAP = ${spec.maxStringBytes};
${arrays.map((k) => `let busy${k} = false, scratch${k} = null;`).join('\n')}
const write = function (${args.join(', ')}) {
  ${context}
  ${sizeDecl}
  ${phase1}
  ${oversize}
  let p = u32[${CURSOR_OFFSET >> 2}];
  if (((u32[${LIMIT_OFFSET >> 2}] - p) >>> 0) < size) { p = ring.reserve(size, ID); if (p < 0) return; }
  const o = ${DATA_OFFSET} + (p & ${mask});
  ${guarded}
  ${clock}
  u32[o >> 2] = ${variable ? `((size >>> 3) | ${spec.eventId << 16}) >>> 0` : recordWord0(fixedSize, spec.eventId)};
  const seq = u32[${SEQ_STATE_OFFSET >> 2}];
  u32[(o >> 2) + 1] = seq;
  u32[${SEQ_STATE_OFFSET >> 2}] = seq + 1;
  f64[(o >> 3) + 1] = ts;
  u32[${CURSOR_OFFSET >> 2}] = p + size;
  ring.afterRecord();
};
${spec.ungated === true ? 'return write;' : gatedTrace(spec, args)}`
}

// The gate check stays in a function small enough for TurboFan to inline into the caller, so a
// disabled event costs a typed-array load and a branch; the writer is the out-of-line call.
function gatedTrace(spec: WriterSpec, args: readonly string[]): string {
  return `return function trace(${args.join(', ')}) {
  const gate = u32[${(EVENT_GATE_OFFSET >> 2) + spec.eventId}];
  if (gate === 0) return;
  if (gate !== ${GATE_ALWAYS} && !ring.sample(gate)) return;
  write(${args.join(', ')});
};`
}

/**
 * Whether one event of one ring records now: its gate word, as the trace function reads it. Span
 * kinds ask before a span starts, so that a span that will not be recorded costs this check and
 * changes no context (src/spans/span-kind.ts).
 */
export function createGateCheck(ring: RingProducer, eventId: number): () => boolean {
  const u32 = ring.views.u32
  const at = (EVENT_GATE_OFFSET >> 2) + eventId
  return () => {
    const gate = u32[at]!
    return gate !== 0 && (gate === GATE_ALWAYS || ring.sample(gate))
  }
}

/**
 * The spec as the generated source may use it: an event id, a cap and a mask that are integers in
 * range, known type names, field indices, booleans. Checked on a copy, so a getter cannot answer differently
 * when the source is built; whatever the caller passed, only these values reach the source.
 */
function checkSpec(spec: WriterSpec): WriterSpec {
  const { eventId, types: given, clock, maxStringBytes } = spec
  if (!Number.isInteger(eventId) || eventId < FIRST_EVENT_ID || eventId >= MAX_EVENTS) {
    throw new RangeError(`ringtrace: a record writer's eventId must be an integer from ${FIRST_EVENT_ID} to ${MAX_EVENTS - 1}, got ${describeValue(eventId)}`)
  }
  if (!Array.isArray(given) || given.length > MAX_FIELDS) {
    throw new RangeError(`ringtrace: a record writer's types must be an array of at most ${MAX_FIELDS} type names`)
  }
  const types: unknown[] = [...given]
  for (const type of types) {
    if (typeof type !== 'string' || !FIELD_TYPES.has(type)) {
      throw new RangeError(`ringtrace: a record writer's types must be field type names, got ${describeValue(type)}`)
    }
  }
  if (!Number.isInteger(maxStringBytes) || maxStringBytes < 0 || maxStringBytes > MAX_STRING_BYTES) {
    throw new RangeError(`ringtrace: a record writer's maxStringBytes must be an integer from 0 to ${MAX_STRING_BYTES}, got ${describeValue(maxStringBytes)}`)
  }
  if (clock !== 'precise' && clock !== 'coarse') {
    throw new RangeError(`ringtrace: a record writer's clock must be 'precise' or 'coarse', got ${describeValue(clock)}`)
  }
  const guidWords: unknown[] = spec.guidWords === undefined ? [] : [...spec.guidWords]
  for (const i of guidWords) {
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= types.length) {
      throw new RangeError(`ringtrace: a record writer's guidWords must be field indices, got ${describeValue(i)}`)
    }
  }
  const spanContext = spec.spanContext === true
  if (spanContext && !SPAN_CONTEXT_FIELDS.every((field, i) => types[i] === field.type && !guidWords.includes(i))) {
    throw new RangeError(`ringtrace: a record writer's spanContext needs fields ${SPAN_CONTEXT_FIELDS.map((f) => f.type).join(', ')} first, not given as guidWords`)
  }
  const redacted: unknown[] = spec.redacted === undefined ? [] : [...spec.redacted]
  for (const i of redacted) {
    if (!Number.isInteger(i) || types[i as number] !== 'str') {
      throw new RangeError(`ringtrace: a record writer's redacted fields must be indices of str fields, got ${describeValue(i)}`)
    }
  }
  const censor = spec.censor ?? ''
  if (typeof censor !== 'string') throw new RangeError(`ringtrace: a record writer's censor must be a string, got ${describeValue(censor)}`)
  return {
    eventId,
    types: types as FieldTypeName[],
    clock,
    maxStringBytes,
    guidWords: guidWords as number[],
    spanContext,
    emptyVariable: spec.emptyVariable === true,
    ungated: spec.ungated === true,
    redacted: redacted as number[],
    censor,
  }
}

/** The record writer for one event of one ring. */
export function createRecordWriter(ring: RingProducer, spec: WriterSpec): RecordWriter {
  const checked = checkSpec(spec)
  const mask = ring.mask
  if (!Number.isInteger(mask) || mask <= 0 || (mask & (mask + 1)) !== 0) {
    throw new RangeError(`ringtrace: a ring's mask must be a power of two minus one, got ${describeValue(mask)}`)
  }
  const maxRecordBytes = ring.maxRecordBytes
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes <= 0 || maxRecordBytes > MAX_RECORD_BYTES) {
    throw new RangeError(`ringtrace: a ring's record limit must be an integer from 1 to ${MAX_RECORD_BYTES}, got ${describeValue(maxRecordBytes)}`)
  }
  const layout = computeLayout(checked.types)
  const source = generateSource(checked, layout, mask, maxRecordBytes)
  const { u8, i8, u16, i16, u32, i32, f32, f64, i64 } = ring.views
  // Types-only code generation, see file comment.
  const factory = compileFunction(['ring', 'u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'f64', 'i64',
    'utf8Length', 'writeUtf8', 'writeGuid', 'guidBytes', 'binaryBytes', 'byteLength', 'cutBytes', 'arrayLength',
    'createArrayScratch', 'performance', 'storage', 'ZERO_CONTEXT', 'CENSOR'], source)
  return factory(ring, u8, i8, u16, i16, u32, i32, f32, f64, i64, utf8Length, writeUtf8, writeGuid,
    guidBytes, binaryBytes, byteLength, cutBytes, arrayLength, createArrayScratch, performance,
    contextStorage, ZERO_CONTEXT, checked.censor) as RecordWriter
}
