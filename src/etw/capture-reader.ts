// Reads ETW capture files (docs/etw.md, "Capture files"): what the ETW sink would pass to
// EventWriteTransfer, event by event. Decoding uses the TraceLogging rules alone (provider
// traits, the event metadata blob's field names and in/out types, then the packed payload), never
// ringtrace's schema, so a round trip through it checks the bytes a Windows decoder would see.

import { guidText } from '../reader/guid-text.js'
import type { FieldValue, TypedArrayValue } from '../reader/trace-items.js'

export const CAPTURE_MAGIC = Uint8Array.of(0x52, 0x54, 0x45, 0x54, 0x57, 0x0d, 0x0a, 0x1a)  // RTETW\r\n\x1a
export const CAPTURE_VERSION = 1
const HEADER_FIXED_BYTES = 32
const EVENT_FIXED_BYTES = 72
const DROPPED_BYTES = 16
const RECORD_EVENT = 1
const RECORD_DROPPED = 2
const FLAG_ACTIVITY_ID = 1
const FLAG_RELATED_ACTIVITY_ID = 2

/** A field value: what ringtrace's reader gives for the same type, or an array of such values. */
export type CaptureValue = FieldValue | FieldValue[]

export interface CaptureEvent {
  provider: string
  /** The provider GUID from the file header. */
  guid: string
  name: string
  id: number
  version: number
  channel: number
  level: number
  opcode: number
  task: number
  keyword: bigint
  /** The explicit activity id passed to EventWriteTransfer, or null (the thread's id). */
  activityId: string | null
  relatedActivityId: string | null
  /** EVENT_DATA_DESCRIPTORs the sink passes: 2 metadata + the payload's. */
  descriptorCount: number
  fields: Record<string, CaptureValue>
}

export type DropReason = 'oversize' | 'malformed'

export interface CaptureDrop {
  reason: DropReason
  count: number
}

export interface CaptureFile {
  provider: string
  guid: string
  events: CaptureEvent[]
  drops: CaptureDrop[]
}

export type CaptureErrorCode = 'BAD_MAGIC' | 'BAD_VERSION' | 'TRUNCATED' | 'BAD_RECORD' | 'BAD_METADATA' | 'BAD_PAYLOAD'

export class CaptureFormatError extends Error {
  constructor(readonly code: CaptureErrorCode, readonly offset: number, message: string) {
    super(`ETW capture: ${message} (at byte ${offset})`)
    this.name = 'CaptureFormatError'
  }
}

// TraceLogging type codes (docs/etw.md, "Type mapping").
const IN = {
  UNICODESTRING: 1, ANSISTRING: 2, INT8: 3, UINT8: 4, INT16: 5, UINT16: 6, INT32: 7, UINT32: 8,
  INT64: 9, UINT64: 10, FLOAT: 11, DOUBLE: 12, BOOL32: 13, BINARY: 14, GUID: 15, HEXINT32: 20,
  HEXINT64: 21, COUNTEDSTRING: 22, COUNTEDANSISTRING: 23, STRUCT: 24, COUNTEDBINARY: 25,
} as const
const IN_TYPE_MASK = 0x1f
const IN_COUNT_MASK = 0x60
const IN_CONSTANT_COUNT = 0x20
const IN_VARIABLE_COUNT = 0x40
const IN_CHAIN = 0x80
const OUT_CHAIN = 0x80
const OUT_BOOLEAN = 0x03
const OUT_UTF8 = 0x23
// TraceLogging decodes an 8-bit string as UTF-8 with these OutTypes (XML, JSON, UTF8), else CP1252.
const UTF8_OUT_TYPES: ReadonlySet<number> = new Set([0x0b, 0x0c, OUT_UTF8])

interface FieldMeta {
  name: string
  inType: number
  outType: number
  /** 'one' for a scalar, 'variable' for a u16 count in the payload, else the constant count. */
  count: 'one' | 'variable' | number
}

interface EventMeta {
  name: string
  fields: FieldMeta[]
}

/** Bounds-checked little-endian reads over one region of the file. */
class Cursor {
  readonly view: DataView
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number, private readonly code: CaptureErrorCode) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  take(n: number, what: string): number {
    if (n > this.end - this.pos) throw new CaptureFormatError(this.code, this.pos, `${what} runs past its end`)
    const at = this.pos
    this.pos += n
    return at
  }

  u8(what: string): number { return this.bytes[this.take(1, what)]! }
  u16(what: string): number { return this.view.getUint16(this.take(2, what), true) }

  /** A NUL-terminated UTF-8 string. */
  cstring(what: string): string {
    const nul = this.bytes.indexOf(0, this.pos)
    if (nul < 0 || nul >= this.end) throw new CaptureFormatError(this.code, this.pos, `${what} has no NUL`)
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, nul - this.pos).toString('utf8')
    this.pos = nul + 1
    return text
  }
}

/** Provider traits: u16 size, name + NUL, then optional traits (skipped). */
function parseTraits(bytes: Uint8Array, at: number, length: number): string {
  const c = new Cursor(bytes, at, at + length, 'BAD_METADATA')
  const size = c.u16('the provider traits size')
  if (size !== length) throw new CaptureFormatError('BAD_METADATA', at, `provider traits say ${size} bytes, the record ${length}`)
  return c.cstring('the provider name')
}

/** Tags: 7 bits per byte, high bit = another byte follows. */
function skipTags(c: Cursor): void {
  while ((c.u8('tags') & 0x80) !== 0) { /* next tag byte */ }
}

function parseMetadata(bytes: Uint8Array, at: number, length: number): EventMeta {
  const c = new Cursor(bytes, at, at + length, 'BAD_METADATA')
  const size = c.u16('the metadata size')
  if (size !== length) throw new CaptureFormatError('BAD_METADATA', at, `event metadata says ${size} bytes, the record ${length}`)
  skipTags(c)
  const name = c.cstring('the event name')
  const fields: FieldMeta[] = []
  while (c.pos < c.end) {
    const fieldName = c.cstring('a field name')
    const inByte = c.u8('an InType')
    let outType = 0
    if ((inByte & IN_CHAIN) !== 0) {
      const outByte = c.u8('an OutType')
      outType = outByte & 0x7f
      if ((outByte & OUT_CHAIN) !== 0) skipTags(c)
    }
    const inType = inByte & IN_TYPE_MASK
    const countBits = inByte & IN_COUNT_MASK
    if (inType === IN.STRUCT || countBits === IN_COUNT_MASK) {
      throw new CaptureFormatError('BAD_METADATA', c.pos, `field ${fieldName}: structs and custom types are not decoded`)
    }
    const count = countBits === IN_VARIABLE_COUNT ? 'variable' : countBits === IN_CONSTANT_COUNT ? c.u16('a constant count') : 'one'
    fields.push({ name: fieldName, inType, outType, count })
  }
  return { name, fields }
}

const TYPED_ARRAYS: Partial<Record<number, new (length: number) => TypedArrayValue>> = {
  [IN.INT8]: Int8Array, [IN.UINT8]: Uint8Array, [IN.INT16]: Int16Array, [IN.UINT16]: Uint16Array,
  [IN.INT32]: Int32Array, [IN.UINT32]: Uint32Array, [IN.INT64]: BigInt64Array, [IN.UINT64]: BigUint64Array,
  [IN.FLOAT]: Float32Array, [IN.DOUBLE]: Float64Array,
  [IN.HEXINT32]: Uint32Array, [IN.HEXINT64]: BigUint64Array,
}

function text(c: Cursor, at: number, length: number, encoding: BufferEncoding): string {
  return Buffer.from(c.bytes.buffer, c.bytes.byteOffset + at, length).toString(encoding)
}

/** One value of `field`'s in-type at the cursor. */
function readValue(c: Cursor, field: FieldMeta): FieldValue {
  const v = c.view
  switch (field.inType) {
    case IN.INT8: return v.getInt8(c.take(1, field.name))
    case IN.UINT8: {
      const byte = v.getUint8(c.take(1, field.name))
      return field.outType === OUT_BOOLEAN ? byte !== 0 : byte
    }
    case IN.INT16: return v.getInt16(c.take(2, field.name), true)
    case IN.UINT16: return v.getUint16(c.take(2, field.name), true)
    case IN.INT32: return v.getInt32(c.take(4, field.name), true)
    case IN.UINT32: case IN.HEXINT32: return v.getUint32(c.take(4, field.name), true)
    case IN.INT64: return v.getBigInt64(c.take(8, field.name), true)
    case IN.UINT64: case IN.HEXINT64: return v.getBigUint64(c.take(8, field.name), true)
    case IN.FLOAT: return v.getFloat32(c.take(4, field.name), true)
    case IN.DOUBLE: return v.getFloat64(c.take(8, field.name), true)
    case IN.BOOL32: return v.getInt32(c.take(4, field.name), true) !== 0
    case IN.GUID: return guidText(c.bytes, c.take(16, field.name))
    case IN.BINARY: case IN.COUNTEDBINARY: {
      const n = c.u16(field.name)
      const at = c.take(n, field.name)
      return c.bytes.slice(at, at + n)
    }
    case IN.COUNTEDANSISTRING: {
      const n = c.u16(field.name)
      return text(c, c.take(n, field.name), n, UTF8_OUT_TYPES.has(field.outType) ? 'utf8' : 'latin1')
    }
    case IN.COUNTEDSTRING: {
      const n = c.u16(field.name)
      return text(c, c.take(n, field.name), n, 'utf16le')
    }
    case IN.ANSISTRING: {
      const start = c.pos
      const nul = c.bytes.indexOf(0, start)
      if (nul < 0 || nul >= c.end) throw new CaptureFormatError('BAD_PAYLOAD', start, `${field.name} has no NUL`)
      c.pos = nul + 1
      return text(c, start, nul - start, UTF8_OUT_TYPES.has(field.outType) ? 'utf8' : 'latin1')
    }
    case IN.UNICODESTRING: {
      const start = c.pos
      while (c.view.getUint16(c.take(2, field.name), true) !== 0) { /* up to the 2-byte NUL */ }
      return text(c, start, c.pos - 2 - start, 'utf16le')
    }
    default:
      throw new CaptureFormatError('BAD_METADATA', c.pos, `field ${field.name}: InType ${field.inType} is not decoded`)
  }
}

function readField(c: Cursor, field: FieldMeta): CaptureValue {
  if (field.count === 'one') return readValue(c, field)
  const n = field.count === 'variable' ? c.u16(field.name) : field.count
  const Typed = field.outType === 0 ? TYPED_ARRAYS[field.inType] : undefined
  if (Typed !== undefined) {
    const out = new Typed(n)
    for (let i = 0; i < n; i++) (out as unknown as FieldValue[])[i] = readValue(c, field)
    return out
  }
  return Array.from({ length: n }, () => readValue(c, field))
}

function readEvent(bytes: Uint8Array, view: DataView, at: number, size: number, provider: string, guid: string): CaptureEvent {
  if (size < EVENT_FIXED_BYTES) throw new CaptureFormatError('BAD_RECORD', at, `an EVENT record of ${size} bytes`)
  const flags = view.getUint16(at + 2, true)
  const traitsBytes = view.getUint32(at + 56, true)
  const metadataBytes = view.getUint32(at + 60, true)
  const payloadBytes = view.getUint32(at + 64, true)
  const traitsAt = at + EVENT_FIXED_BYTES
  const metadataAt = traitsAt + traitsBytes
  const payloadAt = metadataAt + metadataBytes
  if (payloadAt + payloadBytes > at + size) throw new CaptureFormatError('BAD_RECORD', at, 'traits, metadata and payload run past the record')
  const eventProvider = parseTraits(bytes, traitsAt, traitsBytes)
  if (eventProvider !== provider) throw new CaptureFormatError('BAD_RECORD', traitsAt, `event of provider ${eventProvider} in a capture of ${provider}`)
  const meta = parseMetadata(bytes, metadataAt, metadataBytes)
  const c = new Cursor(bytes, payloadAt, payloadAt + payloadBytes, 'BAD_PAYLOAD')
  const fields: Record<string, CaptureValue> = {}
  for (const field of meta.fields) fields[field.name] = readField(c, field)
  if (c.pos !== c.end) throw new CaptureFormatError('BAD_PAYLOAD', c.pos, `${c.end - c.pos} payload bytes after the last field of ${meta.name}`)
  return {
    provider,
    guid,
    name: meta.name,
    id: view.getUint16(at + 8, true),
    version: view.getUint8(at + 10),
    channel: view.getUint8(at + 11),
    level: view.getUint8(at + 12),
    opcode: view.getUint8(at + 13),
    task: view.getUint16(at + 14, true),
    keyword: view.getBigUint64(at + 16, true),
    activityId: (flags & FLAG_ACTIVITY_ID) !== 0 ? guidText(bytes, at + 24) : null,
    relatedActivityId: (flags & FLAG_RELATED_ACTIVITY_ID) !== 0 ? guidText(bytes, at + 40) : null,
    descriptorCount: view.getUint32(at + 68, true),
    fields,
  }
}

const DROP_REASONS: Record<number, DropReason> = { 1: 'oversize', 2: 'malformed' }

export function readCapture(bytes: Uint8Array): CaptureFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < HEADER_FIXED_BYTES || !CAPTURE_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CaptureFormatError('BAD_MAGIC', 0, 'not a capture file')
  }
  const version = view.getUint32(8, true)
  if (version !== CAPTURE_VERSION) throw new CaptureFormatError('BAD_VERSION', 8, `version ${version}`)
  const headerBytes = view.getUint32(12, true)
  if (headerBytes < HEADER_FIXED_BYTES + 3 || headerBytes > bytes.length) throw new CaptureFormatError('TRUNCATED', 12, `header of ${headerBytes} bytes`)
  const guid = guidText(bytes, 16)
  const provider = parseTraits(bytes, HEADER_FIXED_BYTES, view.getUint16(HEADER_FIXED_BYTES, true))
  const events: CaptureEvent[] = []
  const drops: CaptureDrop[] = []
  for (let at = headerBytes; at < bytes.length;) {
    if (bytes.length - at < 8) throw new CaptureFormatError('TRUNCATED', at, 'a record header')
    const kind = view.getUint16(at, true)
    const size = view.getUint32(at + 4, true)
    if (size < 8 || size % 8 !== 0 || size > bytes.length - at) throw new CaptureFormatError('BAD_RECORD', at, `a record of ${size} bytes`)
    if (kind === RECORD_EVENT) {
      events.push(readEvent(bytes, view, at, size, provider, guid))
    } else if (kind === RECORD_DROPPED && size === DROPPED_BYTES) {
      const reason = DROP_REASONS[view.getUint32(at + 8, true)]
      if (reason === undefined) throw new CaptureFormatError('BAD_RECORD', at, 'unknown drop reason')
      drops.push({ reason, count: view.getUint32(at + 12, true) })
    } else {
      throw new CaptureFormatError('BAD_RECORD', at, `record kind ${kind} of ${size} bytes`)
    }
    at += size
  }
  return { provider, guid, events, drops }
}
