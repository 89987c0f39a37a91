// Ring records -> the native TraceLogging encoder (etwEncodeCapture) -> capture file -> the
// capture reader, which decodes with the TraceLogging metadata alone. Every field type must come
// back as ringtrace's own reader decodes it from the .rtrc, and as it was written.

import { describe, expect, it } from 'vitest'
import type { BindingTestHooks } from '../binding.js'
import { loadNative } from '../src/binding.js'
import { readCapture, type CaptureEvent } from '../src/etw/capture-reader.js'
import { providerGuid, providerGuidText } from '../src/etw/provider-guid.js'
import { ChunkType } from '../src/format/file-layout.js'
import { computeLayout } from '../src/format/layout.js'
import { ChunkSource } from '../src/reader/chunk-source.js'
import { createTracer } from '../src/tracer.js'
import { EventBuilder, OutType } from '../src/dynamic/index.js'
import { Level } from '../src/schema/levels.js'
import { BACKENDS } from './helpers/backends.js'
import { ALL_TYPES, ALL_TYPES_ROWS, GUID, TEXT } from './helpers/all-field-types.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const PROVIDER = 'Ringtrace.Test.Etw'

function binding(): Required<Pick<BindingTestHooks, 'etwEncodeCapture'>> {
  const native = loadNative()
  if (native.binding?.etwEncodeCapture === undefined) throw native.error ?? new Error('the addon has no etwEncodeCapture')
  return native.binding as Required<Pick<BindingTestHooks, 'etwEncodeCapture'>>
}

interface SchemaChunk {
  json: string
  id: number
  stream: number
  name: string
}

/** SCHEMA JSON texts and the raw records of every EVENTS chunk, per stream, in file order. */
async function rawTrace(file: string): Promise<{ schemas: SchemaChunk[]; records: Map<number, Uint8Array> }> {
  const source = await ChunkSource.open(file)
  const schemas: SchemaChunk[] = []
  const parts = new Map<number, Buffer[]>()
  try {
    for (let chunk = await source.next(); chunk !== undefined; chunk = await source.next()) {
      if (chunk.type === ChunkType.Schema) {
        const json = chunk.bytes.toString('utf8', chunk.start, chunk.start + chunk.length)
        const parsed = JSON.parse(json) as { id: number; stream: number; name: string }
        schemas.push({ json, id: parsed.id, stream: parsed.stream, name: parsed.name })
      } else if (chunk.type === ChunkType.Events) {
        const stream = chunk.view.getUint32(chunk.start, true)
        const list = parts.get(stream) ?? []
        list.push(Buffer.from(chunk.bytes.subarray(chunk.start + 8, chunk.start + chunk.length)))
        parts.set(stream, list)
      }
    }
  } finally {
    await source.close()
  }
  return { schemas, records: new Map([...parts].map(([stream, list]) => [stream, new Uint8Array(Buffer.concat(list))])) }
}

/** Every event of the trace through the ETW encoder, in file order per schema. */
async function captureEvents(file: string): Promise<Map<string, CaptureEvent[]>> {
  const { schemas, records } = await rawTrace(file)
  const byKey = new Map<string, CaptureEvent[]>()
  for (const schema of schemas) {
    const capture = readCapture(binding().etwEncodeCapture(schema.json, records.get(schema.stream) ?? new Uint8Array(0), PROVIDER, providerGuid(PROVIDER)))
    expect(capture.provider).toBe(PROVIDER)
    expect(capture.drops).toEqual([])
    const key = `${schema.name}/${(JSON.parse(schema.json) as { span?: string }).span ?? 'event'}`
    byKey.set(key, [...(byKey.get(key) ?? []), ...capture.events])
  }
  return byKey
}

interface FieldTypeBytes {
  name: string
  inType: number
  outType?: number
  tag?: number
}

/**
 * The event metadata blobs of a capture file, decoded here from the bytes (docs/etw.md: capture
 * records, then TraceLogging's field encoding), independently of the capture reader.
 */
function captureMetadata(capture: Uint8Array): { name: string; fields: FieldTypeBytes[] }[] {
  const view = new DataView(capture.buffer, capture.byteOffset, capture.byteLength)
  const cstring = (at: number): [string, number] => {
    const nul = capture.indexOf(0, at)
    return [Buffer.from(capture.subarray(at, nul)).toString('utf8'), nul + 1]
  }
  const events = []
  for (let at = view.getUint32(12, true); at < capture.length; at += view.getUint32(at + 4, true)) {
    if (view.getUint16(at, true) !== 1) continue
    const start = at + 72 + view.getUint32(at + 56, true)
    const end = start + view.getUint32(at + 60, true)
    expect(view.getUint16(start, true)).toBe(end - start)
    expect(capture[start + 2]).toBe(0)  // no event tags
    const [name, fieldsAt] = cstring(start + 3)
    let p = fieldsAt
    const fields: FieldTypeBytes[] = []
    while (p < end) {
      const [fieldName, next] = cstring(p)
      p = next
      const inByte = capture[p++]!
      const field: FieldTypeBytes = { name: fieldName, inType: inByte & 0x7f }
      if ((inByte & 0x80) !== 0) {
        const outByte = capture[p++]!
        field.outType = outByte & 0x7f
        if ((outByte & 0x80) !== 0) {
          // 7 bits a byte, most significant first; a missing group is zero.
          let tag = 0
          let shift = 21
          for (let more = true; more; shift -= 7) {
            const byte = capture[p++]!
            tag |= (byte & 0x7f) << shift
            more = (byte & 0x80) !== 0
          }
          field.tag = tag
        }
      }
      fields.push(field)
    }
    expect(p).toBe(end)
    events.push({ name, fields })
  }
  return events
}

describe.each(BACKENDS)('ETW encoder round trip (%s backend records)', (backend) => {
  it("carries EventBuilder's outType and tag into the TraceLogging field metadata", async () => {
    const file = tracePath('etw-out-types')
    const tracer = createTracer({ provider: PROVIDER, backend, file })
    new EventBuilder(tracer).reset('Hints', Level.Info, 1)
      .addU32('bytes', 4096, OutType.Hex)
      .addStr('doc', '{"é":1}', OutType.Json)
      .addBool('flag', true)
      .addU16('tagged', 7, OutType.Default, 0x0FFFFFFF)
      .addI64Array('ids', [1n, -2n], OutType.Hex, 0x4000)
      .addStr('text', 'plain')
      .write()
    await tracer.close()

    const { schemas, records } = await rawTrace(file)
    const hints = schemas.find((schema) => schema.name === 'Hints')!
    const capture = binding().etwEncodeCapture(hints.json, records.get(hints.stream)!, PROVIDER, providerGuid(PROVIDER))
    expect(captureMetadata(capture)).toEqual([{
      name: 'Hints',
      fields: [
        { name: 'bytes', inType: 0x08, outType: OutType.Hex },
        { name: 'doc', inType: 0x17, outType: OutType.Json },  // COUNTEDANSISTRING; JSON is UTF-8
        { name: 'flag', inType: 0x04, outType: OutType.Boolean },
        { name: 'tagged', inType: 0x06, outType: 0, tag: 0x0FFFFFFF },
        { name: 'ids', inType: 0x49 /* INT64 | variable count */, outType: OutType.Hex, tag: 0x4000 },
        { name: 'text', inType: 0x17, outType: OutType.Utf8 },
      ],
    }])
    const [event] = readCapture(capture).events
    expect(event!.fields).toEqual({ bytes: 4096, doc: '{"é":1}', flag: true, tagged: 7, ids: [1n, -2n], text: 'plain' })
  })


  it('decodes every field type from the TraceLogging metadata to the value written', async () => {
    const file = tracePath('etw-types')
    const tracer = createTracer({ provider: PROVIDER, backend, file })
    const trace = tracer.event('AllTypes', ALL_TYPES, { level: 2, keyword: 0x8000_0000_0000_0001n })
    for (const row of ALL_TYPES_ROWS) trace(...row)
    await tracer.close()

    const events = (await captureEvents(file)).get('AllTypes/event')!
    const expected = await readEvents(file)
    expect(events).toHaveLength(2)
    events.forEach((event, i) => {
      expect(event.fields).toEqual(expected[i]!.fields)
      expect(event).toMatchObject({
        provider: PROVIDER, guid: providerGuidText(PROVIDER),
        name: 'AllTypes', id: 0, version: 0, channel: 11, level: 2, opcode: 0, task: 0,
        keyword: 0x8000_0000_0000_0001n, activityId: null, relatedActivityId: null,
      })
    })
    expect(events[0]!.fields).toEqual({
      b: true, i8: -128, u8: 255, i16: -32768, u16: 65535, i32: -2147483648, u32: 4294967295,
      i64: -(2n ** 63n), u64: 2n ** 64n - 1n, f32: 1.5, f64: -0, g: GUID, s: TEXT, empty: '',
      bin: Uint8Array.of(0, 1, 254, 255),
      ai8: Int8Array.of(-1, 127), au8: Uint8Array.of(0, 200), ai16: Int16Array.of(-300),
      au16: Uint16Array.of(65535, 1), ai32: Int32Array.of(-5, 6), au32: Uint32Array.of(4000000000),
      ai64: BigInt64Array.of(-(2n ** 40n)), au64: BigUint64Array.of(2n ** 63n),
      af32: Float32Array.of(0.25), af64: Float64Array.of(Number.NaN, 1e300),
    })
    expect(events[0]!.fields.f64).toBe(-0)
    expect(events[1]!.fields.g).toBe('00000000-0000-0000-0000-000000000000')
  })

  it('passes span ids as activity ids, not payload: parent only on Start, traceId kept', async () => {
    const file = tracePath('etw-spans')
    const tracer = createTracer({ provider: PROVIDER, backend, file })
    tracer.span('Outer', () => {
      tracer.span('Inner', () => {}, { size: 7 })
    })
    expect(() => tracer.span('Failing', () => { throw new TypeError('bad input') })).toThrow(TypeError)
    tracer.span('GET /users/:id', () => {}, { 'http.status_code': 200 })
    await tracer.close()

    const ring = await readEvents(file)
    const ringStart = (name: string) => ring.find((e) => e.name === name && e.opcode === 1)!
    const captured = await captureEvents(file)
    const [outerStart] = captured.get('Outer/start')!
    const [outerStop] = captured.get('Outer/stop')!
    const [innerStart] = captured.get('Inner/start')!
    const [failStop] = captured.get('Failing/stop')!

    expect(outerStart!.opcode).toBe(1)
    expect(outerStop!.opcode).toBe(2)
    expect(outerStart!.activityId).toBe(ringStart('Outer').fields.activityId)
    expect(outerStart!.relatedActivityId).toBeNull()  // a root span
    expect(innerStart!.activityId).toBe(ringStart('Inner').fields.activityId)
    expect(innerStart!.relatedActivityId).toBe(outerStart!.activityId)
    expect(outerStop!.activityId).toBe(outerStart!.activityId)
    expect(outerStop!.relatedActivityId).toBeNull()

    // Span names and attribute keys are text (OpenTelemetry style), carried as they are.
    const [routeStart] = captured.get('GET /users/:id/start')!
    expect(routeStart!.fields).toEqual({ traceId: ringStart('GET /users/:id').fields.traceId, 'http.status_code': 200 })
    expect(Object.keys(innerStart!.fields)).toEqual(['traceId', 'size'])
    expect(innerStart!.fields).toEqual({ traceId: ringStart('Inner').fields.traceId, size: 7 })
    expect(innerStart!.fields.traceId).toBe(outerStart!.fields.traceId)
    expect(outerStop!.fields).toEqual({ status: 1, errorType: '', errorMessage: '' })
    expect(failStop!.fields).toEqual({ status: 2, errorType: 'TypeError', errorMessage: 'bad input' })
  })
})

/** A record of one binary field, built from computeLayout (the tracer would cap it first). */
function binaryRecord(eventId: number, bytes: number): Uint8Array {
  const layout = computeLayout(['binary'])
  const size = (layout.fixedEnd + 8 + bytes + 7) & ~7
  const record = new Uint8Array(size)
  const view = new DataView(record.buffer)
  view.setUint32(0, (size >>> 3) | (eventId << 16), true)
  view.setUint16(layout.fixedEnd, bytes, true)
  record.fill(0x5a, layout.fixedEnd + 8, layout.fixedEnd + 8 + bytes)
  return record
}

describe('etwEncodeCapture()', () => {
  const schema = JSON.stringify({ stream: 1, id: 3, name: 'Blob', level: 4, keyword: '0x1', opcode: 0, clock: 'fine', fields: [{ name: 'data', type: 'binary' }] })

  it('drops and reports an event over 64 KiB instead of cutting it, and keeps the others', () => {
    // 2 + 65535 payload bytes alone are over 64 KiB.
    const records = Buffer.concat([binaryRecord(3, 10), binaryRecord(3, 65535), binaryRecord(3, 20)])
    const capture = readCapture(binding().etwEncodeCapture(schema, records, PROVIDER, providerGuid(PROVIDER)))
    expect(capture.drops).toEqual([{ reason: 'oversize', count: 1 }])
    expect(capture.events.map((e) => (e.fields.data as Uint8Array).length)).toEqual([10, 20])
    expect(capture.events[0]!.descriptorCount).toBe(4)  // traits, metadata, count, bytes
  })

  it('keeps an event of exactly 64 KiB', () => {
    const traits = 2 + PROVIDER.length + 1
    const metadata = 2 + 1 + 'Blob\0'.length + 'data\0'.length + 1
    const bytes = 64 * 1024 - traits - metadata - 2
    const capture = readCapture(binding().etwEncodeCapture(schema, binaryRecord(3, bytes), PROVIDER, providerGuid(PROVIDER)))
    expect(capture.drops).toEqual([])
    expect((capture.events[0]!.fields.data as Uint8Array).length).toBe(bytes)
    const over = readCapture(binding().etwEncodeCapture(schema, binaryRecord(3, bytes + 1), PROVIDER, providerGuid(PROVIDER)))
    expect(over.drops).toEqual([{ reason: 'oversize', count: 1 }])
  })

  it('refuses schemas ETW cannot take and records that are not whole', () => {
    const encode = binding().etwEncodeCapture
    const guid = providerGuid(PROVIDER)
    const wide = JSON.stringify({ id: 1, name: 'Wide', level: 4, keyword: '0x1', opcode: 0, fields: Array.from({ length: 129 }, (_, i) => ({ name: `f${i}`, type: 'u8' })) })
    expect(() => encode(wide, new Uint8Array(0), PROVIDER, guid)).toThrow(/at most 128/)
    expect(() => encode('{', new Uint8Array(0), PROVIDER, guid)).toThrow(RangeError)
    expect(() => encode(schema, new Uint8Array(8), PROVIDER, guid)).toThrow(/whole ring records/)
    expect(() => encode(schema, new Uint8Array(0), PROVIDER, new Uint8Array(15))).toThrow(/16 GUID bytes/)
    expect(() => encode(schema, new Uint8Array(0), '', guid)).toThrow(/provider name/)
  })
})
