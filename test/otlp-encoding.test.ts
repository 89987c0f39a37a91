import { describe, expect, it } from 'vitest'
import { FIELD_TYPES } from '../src/format/field-types.js'
import { OtlpSpanKind, OtlpStatusCode, type ExportAttribute, type ExportLog, type ExportResource, type ExportScope,
  type ExportSpan } from '../src/export/model.js'
import { encodeLogs } from '../src/export/otlp/otlp-logs-proto.js'
import { encodeLogsJson } from '../src/export/otlp/otlp-logs-json.js'
import { encodeTraces } from '../src/export/otlp/otlp-traces-proto.js'
import { encodeTracesJson } from '../src/export/otlp/otlp-traces-json.js'
import { JsonWriter } from '../src/export/json/json-writer.js'
import { ProtoWriter } from '../src/export/protobuf/proto-writer.js'
import { decodeJson, decodeProto, ExportLogsServiceRequest, ExportTraceServiceRequest } from './helpers/otlp-protos.js'
import { prng } from './helpers/seeded-random.js'

const TEXT = 'héllo € 😀 日本'
const START = 1_733_000_000_123_456_789n

const resource: ExportResource = {
  attributes: [
    { key: 'service.name', type: 'str', value: 'checkout' },
    { key: 'process.pid', type: 'u32', value: 4242 },
    { key: 'process.start', type: 'i64', value: -7n },
  ],
}
const scope: ExportScope = { name: 'Ringtrace.Test', version: '1.2.3' }

const resourceDecoded = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'process.pid', value: { intValue: '4242' } },
    { key: 'process.start', value: { intValue: '-7' } },
  ],
}
const scopeDecoded = { name: 'Ringtrace.Test', version: '1.2.3' }

function bytes(length: number, first: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (first + i * 17) & 0xff)
}
const hex = (id: Uint8Array) => Buffer.from(id).toString('hex')

const TRACE_ID = bytes(16, 1)
const ROOT_ID = bytes(8, 2)
const CHILD_ID = bytes(8, 3)

function span(overrides: Partial<ExportSpan> = {}): ExportSpan {
  return {
    traceId: TRACE_ID, spanId: ROOT_ID, parentSpanId: undefined, name: 'GET /items', kind: OtlpSpanKind.Server,
    startNs: START, endNs: START + 1500n, attributes: [], events: [], statusCode: OtlpStatusCode.Unset, statusMessage: '',
    ...overrides,
  }
}

function spanDecoded(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: hex(TRACE_ID), spanId: hex(ROOT_ID), name: 'GET /items', kind: OtlpSpanKind.Server,
    startTimeUnixNano: String(START), endTimeUnixNano: String(START + 1500n), flags: 1, ...overrides,
  }
}

function tracesDecoded(spans: unknown[]): unknown {
  return { resourceSpans: [{ resource: resourceDecoded, scopeSpans: [{ scope: scopeDecoded, spans }] }] }
}

function logsDecoded(logRecords: unknown[]): unknown {
  return { resourceLogs: [{ resource: resourceDecoded, scopeLogs: [{ scope: scopeDecoded, logRecords }] }] }
}

/** Both encodings of `spans`, decoded: they must agree with each other and with the expectation. */
function decodedTraces(spans: readonly ExportSpan[]): { proto: unknown; json: unknown } {
  return {
    proto: decodeProto(ExportTraceServiceRequest, encodeTraces(resource, scope, spans)),
    json: decodeJson(ExportTraceServiceRequest, encodeTracesJson(resource, scope, spans)),
  }
}

function decodedLogs(logs: readonly ExportLog[]): { proto: unknown; json: unknown } {
  return {
    proto: decodeProto(ExportLogsServiceRequest, encodeLogs(resource, scope, logs)),
    json: decodeJson(ExportLogsServiceRequest, encodeLogsJson(resource, scope, logs)),
  }
}

/** One attribute of every field type, with edge values, and the AnyValue each must become. */
const EVERY_TYPE: [ExportAttribute, unknown][] = [
  [{ key: 'bool', type: 'bool', value: true }, { boolValue: true }],
  [{ key: 'bool.false', type: 'bool', value: false }, { boolValue: false }],
  [{ key: 'i8', type: 'i8', value: -128 }, { intValue: '-128' }],
  [{ key: 'u8', type: 'u8', value: 255 }, { intValue: '255' }],
  [{ key: 'i16', type: 'i16', value: -32768 }, { intValue: '-32768' }],
  [{ key: 'u16', type: 'u16', value: 65535 }, { intValue: '65535' }],
  [{ key: 'i32', type: 'i32', value: -2147483648 }, { intValue: '-2147483648' }],
  [{ key: 'i32.zero', type: 'i32', value: 0 }, { intValue: '0' }],
  [{ key: 'u32', type: 'u32', value: 4294967295 }, { intValue: '4294967295' }],
  [{ key: 'i64.min', type: 'i64', value: -(2n ** 63n) }, { intValue: '-9223372036854775808' }],
  [{ key: 'i64.max', type: 'i64', value: 2n ** 63n - 1n }, { intValue: '9223372036854775807' }],
  [{ key: 'i64.below.safe', type: 'i64', value: -(2n ** 53n) - 3n }, { intValue: '-9007199254740995' }],
  [{ key: 'i64.small', type: 'i64', value: -1n }, { intValue: '-1' }],
  [{ key: 'u64.int64.max', type: 'u64', value: 2n ** 63n - 1n }, { intValue: '9223372036854775807' }],
  [{ key: 'u64.above.int64', type: 'u64', value: 2n ** 63n }, { stringValue: '9223372036854775808' }],
  [{ key: 'u64.max', type: 'u64', value: 2n ** 64n - 1n }, { stringValue: '18446744073709551615' }],
  [{ key: 'u64.zero', type: 'u64', value: 0n }, { intValue: '0' }],
  [{ key: 'f32', type: 'f32', value: Math.fround(0.1) }, { doubleValue: Math.fround(0.1) }],
  [{ key: 'f64', type: 'f64', value: 1e300 }, { doubleValue: 1e300 }],
  [{ key: 'f64.tiny', type: 'f64', value: 5e-324 }, { doubleValue: 5e-324 }],
  [{ key: 'f64.negative.zero', type: 'f64', value: -0 }, { doubleValue: -0 }],
  [{ key: 'f64.nan', type: 'f64', value: Number.NaN }, { doubleValue: Number.NaN }],
  [{ key: 'f64.inf', type: 'f64', value: Infinity }, { doubleValue: Infinity }],
  [{ key: 'f64.minus.inf', type: 'f64', value: -Infinity }, { doubleValue: -Infinity }],
  [{ key: 'guid', type: 'guid', value: '01234567-89ab-cdef-0123-456789abcdef' }, { stringValue: '01234567-89ab-cdef-0123-456789abcdef' }],
  [{ key: 'str', type: 'str', value: TEXT }, { stringValue: TEXT }],
  [{ key: 'str.empty', type: 'str', value: '' }, { stringValue: '' }],
  [{ key: 'str.escapes', type: 'str', value: 'quote " backslash \\ newline \n tab \t nul \u0000' },
    { stringValue: 'quote " backslash \\ newline \n tab \t nul \u0000' }],
  [{ key: 'binary', type: 'binary', value: Uint8Array.of(0, 1, 254, 255) }, { bytesValue: 'AAH+/w==' }],
  [{ key: 'binary.empty', type: 'binary', value: new Uint8Array(0) }, { bytesValue: '' }],
  [{ key: 'i8[]', type: 'i8[]', value: Int8Array.of(-1, 127) }, { arrayValue: { values: [{ intValue: '-1' }, { intValue: '127' }] } }],
  [{ key: 'u8[]', type: 'u8[]', value: Uint8Array.of(0, 200) }, { arrayValue: { values: [{ intValue: '0' }, { intValue: '200' }] } }],
  [{ key: 'i16[]', type: 'i16[]', value: Int16Array.of(-300) }, { arrayValue: { values: [{ intValue: '-300' }] } }],
  [{ key: 'u16[]', type: 'u16[]', value: Uint16Array.of(65535, 1) }, { arrayValue: { values: [{ intValue: '65535' }, { intValue: '1' }] } }],
  [{ key: 'i32[]', type: 'i32[]', value: Int32Array.of(-5, 6) }, { arrayValue: { values: [{ intValue: '-5' }, { intValue: '6' }] } }],
  [{ key: 'u32[]', type: 'u32[]', value: Uint32Array.of(4000000000) }, { arrayValue: { values: [{ intValue: '4000000000' }] } }],
  [{ key: 'i64[]', type: 'i64[]', value: BigInt64Array.of(-(2n ** 40n), 2n ** 62n) },
    { arrayValue: { values: [{ intValue: '-1099511627776' }, { intValue: '4611686018427387904' }] } }],
  [{ key: 'u64[]', type: 'u64[]', value: BigUint64Array.of(2n ** 63n, 1n) },
    { arrayValue: { values: [{ stringValue: '9223372036854775808' }, { intValue: '1' }] } }],
  [{ key: 'f32[]', type: 'f32[]', value: Float32Array.of(0.25, -2) }, { arrayValue: { values: [{ doubleValue: 0.25 }, { doubleValue: -2 }] } }],
  [{ key: 'f64[]', type: 'f64[]', value: Float64Array.of(Number.NaN, 1e300) },
    { arrayValue: { values: [{ doubleValue: Number.NaN }, { doubleValue: 1e300 }] } }],
  [{ key: 'f64[].empty', type: 'f64[]', value: new Float64Array(0) }, { arrayValue: {} }],
  [{ key: 'ключ ✓', type: 'str', value: 'unicode key' }, { stringValue: 'unicode key' }],
]

describe('encodeTraces and encodeTracesJson', () => {
  it('encode every field type as the AnyValue its schema type names', () => {
    const types = new Set(EVERY_TYPE.map(([attribute]) => attribute.type))
    expect([...types].sort()).toEqual([...FIELD_TYPES.keys()].sort())
    const { proto, json } = decodedTraces([span({ attributes: EVERY_TYPE.map(([attribute]) => attribute) })])
    const expected = tracesDecoded([spanDecoded({ attributes: EVERY_TYPE.map(([{ key }, value]) => ({ key, value })) })])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('write strings of every length class, moving lengths in every enclosing message', () => {
    const strings = ['x'.repeat(127), 'y'.repeat(128), `${TEXT}${'é'.repeat(60)}`, '😀'.repeat(40), 'z'.repeat(20_000), 'é'.repeat(70_000)]
    const attributes: ExportAttribute[] = strings.map((value, i) => ({ key: `s${i}`, type: 'str', value }))
    const name = 'n'.repeat(300)
    const { proto, json } = decodedTraces([span({ name, attributes }), span({ spanId: CHILD_ID, parentSpanId: ROOT_ID })])
    const expected = tracesDecoded([
      spanDecoded({ name, attributes: strings.map((value, i) => ({ key: `s${i}`, value: { stringValue: value } })) }),
      spanDecoded({ spanId: hex(CHILD_ID), parentSpanId: hex(ROOT_ID) }),
    ])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('omit parent_span_id for a root span and write it for a child', () => {
    const { proto, json } = decodedTraces([span(), span({ spanId: CHILD_ID, parentSpanId: ROOT_ID, name: 'db.query', kind: OtlpSpanKind.Client })])
    const expected = tracesDecoded([
      spanDecoded(),
      spanDecoded({ spanId: hex(CHILD_ID), parentSpanId: hex(ROOT_ID), name: 'db.query', kind: OtlpSpanKind.Client }),
    ])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('write an error status with its message and the exception event', () => {
    const exception = {
      name: 'exception', timeNs: START + 1000n,
      attributes: [
        { key: 'exception.type', type: 'str', value: 'TypeError' },
        { key: 'exception.message', type: 'str', value: 'x is not a function' },
      ] satisfies ExportAttribute[],
    }
    const { proto, json } = decodedTraces([span({ events: [exception], statusCode: OtlpStatusCode.Error, statusMessage: 'x is not a function' })])
    const expected = tracesDecoded([spanDecoded({
      events: [{
        timeUnixNano: String(START + 1000n), name: 'exception',
        attributes: [
          { key: 'exception.type', value: { stringValue: 'TypeError' } },
          { key: 'exception.message', value: { stringValue: 'x is not a function' } },
        ],
      }],
      status: { code: OtlpStatusCode.Error, message: 'x is not a function' },
    })])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('write an Ok status without a message and no status when it is Unset', () => {
    const { proto, json } = decodedTraces([
      span({ statusCode: OtlpStatusCode.Ok, statusMessage: 'ignored unless an error' }),
      span({ statusCode: OtlpStatusCode.Unset, statusMessage: 'ignored' }),
    ])
    const expected = tracesDecoded([spanDecoded({ status: { code: OtlpStatusCode.Ok } }), spanDecoded()])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('write every span kind, omitting Unspecified as the proto3 default', () => {
    const kinds = Object.values(OtlpSpanKind)
    const { proto, json } = decodedTraces(kinds.map((kind) => span({ kind })))
    const expected = tracesDecoded(kinds.map((kind) => {
      const { kind: _omitted, ...rest } = spanDecoded()
      return kind === OtlpSpanKind.Unspecified ? rest : { ...rest, kind }
    }))
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('encode a batch of thousands of spans that decodes whole, in order', () => {
    const seed = 0xba7c4
    const random = prng(seed)
    const count = 5000
    const spans: ExportSpan[] = []
    const expected: unknown[] = []
    for (let i = 0; i < count; i++) {
      const spanId = bytes(8, i)
      const parentSpanId = random() < 0.8 ? bytes(8, i + 1000) : undefined
      const kind = Math.floor(random() * 6) as OtlpSpanKind
      const id = Math.floor(random() * 2 ** 32)
      const ratio = random()
      const route = `/r/${'x'.repeat(Math.floor(random() * 300))}`
      spans.push(span({
        spanId, parentSpanId, kind, name: `op ${i}`, startNs: START + BigInt(i), endNs: START + BigInt(i * 2),
        attributes: [
          { key: 'id', type: 'u32', value: id }, { key: 'ratio', type: 'f64', value: ratio },
          { key: 'route', type: 'str', value: route }, { key: 'odd', type: 'bool', value: i % 2 === 1 },
        ],
      }))
      expected.push({
        traceId: hex(TRACE_ID), spanId: hex(spanId), ...(parentSpanId && { parentSpanId: hex(parentSpanId) }),
        name: `op ${i}`, ...(kind !== 0 && { kind }), startTimeUnixNano: String(START + BigInt(i)), endTimeUnixNano: String(START + BigInt(i * 2)),
        attributes: [
          { key: 'id', value: { intValue: String(id) } }, { key: 'ratio', value: { doubleValue: ratio } },
          { key: 'route', value: { stringValue: route } }, { key: 'odd', value: { boolValue: i % 2 === 1 } },
        ],
        flags: 1,
      })
    }
    const { proto, json } = decodedTraces(spans)
    expect(proto, `seed ${seed}`).toEqual(tracesDecoded(expected))
    expect(json, `seed ${seed}`).toEqual(tracesDecoded(expected))
  })

  it('write the same bytes for the same input, with a fresh or a reused writer', () => {
    const writer = new ProtoWriter(16)
    const jsonWriter = new JsonWriter(16)
    const big = Array.from({ length: 300 }, (_, i) => span({ name: `big ${'b'.repeat(i)}` }))
    const small = [span({ attributes: EVERY_TYPE.map(([attribute]) => attribute) })]
    encodeTraces(resource, scope, big, writer)
    encodeTracesJson(resource, scope, big, jsonWriter)
    expect(encodeTraces(resource, scope, small, writer)).toEqual(encodeTraces(resource, scope, small))
    expect(encodeTracesJson(resource, scope, small, jsonWriter)).toEqual(encodeTracesJson(resource, scope, small))
  })

  it('write an empty resource and scope as empty messages', () => {
    const empty = { attributes: [] }
    const noScope = { name: '', version: '' }
    const expected = { resourceSpans: [{ resource: {}, scopeSpans: [{ scope: {}, spans: [spanDecoded()] }] }] }
    expect(decodeProto(ExportTraceServiceRequest, encodeTraces(empty, noScope, [span()]))).toEqual(expected)
    expect(decodeJson(ExportTraceServiceRequest, encodeTracesJson(empty, noScope, [span()]))).toEqual(expected)
  })
})

describe('encodeTracesJson', () => {
  it('spells ids as hex, 64-bit integers as strings, enums as integers and bytes as base64, with lowerCamelCase keys', () => {
    const attributes: ExportAttribute[] = [
      { key: 'n', type: 'u32', value: 7 }, { key: 'b', type: 'binary', value: Uint8Array.of(255, 0) },
      { key: 'nan', type: 'f64', value: Number.NaN }, { key: 'inf', type: 'f64', value: -Infinity },
    ]
    const body = encodeTracesJson(resource, scope, [span({ parentSpanId: CHILD_ID, attributes, statusCode: OtlpStatusCode.Error, statusMessage: 'e' })])
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { resourceSpans: [{ scopeSpans: [{ spans: unknown[] }] }] }
    expect(parsed.resourceSpans[0].scopeSpans[0].spans).toEqual([{
      traceId: hex(TRACE_ID), spanId: hex(ROOT_ID), parentSpanId: hex(CHILD_ID), name: 'GET /items', kind: 2,
      startTimeUnixNano: String(START), endTimeUnixNano: String(START + 1500n),
      attributes: [
        { key: 'n', value: { intValue: '7' } }, { key: 'b', value: { bytesValue: '/wA=' } },
        { key: 'nan', value: { doubleValue: 'NaN' } }, { key: 'inf', value: { doubleValue: '-Infinity' } },
      ],
      status: { message: 'e', code: 2 },
      flags: 1,
    }])
  })
})

function log(overrides: Partial<ExportLog> = {}): ExportLog {
  return {
    timeNs: START, observedNs: START + 5000n, severityNumber: 17, severityText: 'ERROR', body: 'PaymentFailed',
    eventName: 'PaymentFailed', attributes: [{ key: 'amount', type: 'f64', value: 12.5 }], traceId: TRACE_ID, spanId: CHILD_ID,
    ...overrides,
  }
}

describe('encodeLogs and encodeLogsJson', () => {
  it('write a record traced in a span with its trace and span ids, severity, body and event name', () => {
    const { proto, json } = decodedLogs([log()])
    const expected = logsDecoded([{
      timeUnixNano: String(START), severityNumber: 17, severityText: 'ERROR', body: { stringValue: 'PaymentFailed' },
      attributes: [{ key: 'amount', value: { doubleValue: 12.5 } }], flags: 1, traceId: hex(TRACE_ID), spanId: hex(CHILD_ID),
      observedTimeUnixNano: String(START + 5000n), eventName: 'PaymentFailed',
    }])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('omit trace id, span id and flags for a record outside a span, and empty defaults', () => {
    const { proto, json } = decodedLogs([
      log({ traceId: undefined, spanId: undefined }),
      log({ traceId: undefined, spanId: undefined, severityNumber: 0, severityText: '', body: '', eventName: '', attributes: [] }),
    ])
    const expected = logsDecoded([
      {
        timeUnixNano: String(START), severityNumber: 17, severityText: 'ERROR', body: { stringValue: 'PaymentFailed' },
        attributes: [{ key: 'amount', value: { doubleValue: 12.5 } }], observedTimeUnixNano: String(START + 5000n), eventName: 'PaymentFailed',
      },
      { timeUnixNano: String(START), observedTimeUnixNano: String(START + 5000n) },
    ])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('encode every field type in log attributes and a unicode body', () => {
    const { proto, json } = decodedLogs([log({ body: TEXT, eventName: TEXT, attributes: EVERY_TYPE.map(([attribute]) => attribute) })])
    const expected = logsDecoded([{
      timeUnixNano: String(START), severityNumber: 17, severityText: 'ERROR', body: { stringValue: TEXT },
      attributes: EVERY_TYPE.map(([{ key }, value]) => ({ key, value })), flags: 1, traceId: hex(TRACE_ID), spanId: hex(CHILD_ID),
      observedTimeUnixNano: String(START + 5000n), eventName: TEXT,
    }])
    expect(proto).toEqual(expected)
    expect(json).toEqual(expected)
  })

  it('encode a batch of thousands of records that decodes whole', () => {
    const logs = Array.from({ length: 3000 }, (_, i) => log({ timeNs: START + BigInt(i), body: `event ${i}`, spanId: i % 3 === 0 ? undefined : CHILD_ID }))
    const expected = logs.map((l, i) => ({
      timeUnixNano: String(START + BigInt(i)), severityNumber: 17, severityText: 'ERROR', body: { stringValue: `event ${i}` },
      attributes: [{ key: 'amount', value: { doubleValue: 12.5 } }], flags: 1, traceId: hex(TRACE_ID),
      ...(l.spanId && { spanId: hex(CHILD_ID) }), observedTimeUnixNano: String(START + 5000n), eventName: 'PaymentFailed',
    }))
    const { proto, json } = decodedLogs(logs)
    expect(proto).toEqual(logsDecoded(expected))
    expect(json).toEqual(logsDecoded(expected))
  })
})
